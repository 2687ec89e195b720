#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, on loopback and a free port:
#   tests/pg/server.sh start DIR   # prints the database URL, also written to DIR/url
#   tests/pg/server.sh stop DIR    # stops it and removes DIR
#   tests/pg/server.sh pause DIR   # stops it, keeping its data (a database that went away)
#   tests/pg/server.sh resume DIR  # starts it again on the same port
# PostgreSQL refuses to run as root: under root it runs as the `postgres` user the Debian
# package creates. Durability settings are PostgreSQL's defaults (fsync, synchronous_commit).
set -euo pipefail
cmd=$1
dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$bin" ] || { echo "PostgreSQL is not installed (scripts/bootstrap.sh installs it)" >&2; exit 1; }
# From /: PostgreSQL's programs return to the current folder, which the postgres user may not
# be allowed to enter (a build folder under /root).
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
case $cmd in
  start)
    "$0" stop "$dir" 2>/dev/null || true
    mkdir -p "$dir"
    # The cluster lives under /tmp: the postgres user may not reach into a build folder under
    # a private home. $dir keeps where it is, and the URL.
    cluster=$(mktemp -d /tmp/vireo-pg-XXXXXX)
    echo "$cluster" > "$dir/cluster"
    [ "$(id -u)" = 0 ] && chown postgres "$cluster"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$cluster/data" -A trust -U vireo -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w \
      -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null ||
      { cat "$cluster/server.log" >&2; exit 1; }
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U vireo vireo_test
    url="postgresql://vireo@127.0.0.1:$port/vireo_test"
    echo "$url" > "$dir/url"
    echo "$port" > "$dir/port"
    echo "$url"
    ;;
  pause)
    cluster=$(cat "$dir/cluster")
    as_pg "$bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null
    ;;
  resume)
    cluster=$(cat "$dir/cluster")
    as_pg "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w \
      -o "-p $(cat "$dir/port") -k $cluster -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
    ;;
  stop)
    if [ -f "$dir/cluster" ]; then
      cluster=$(cat "$dir/cluster")
      [ -d "$cluster/data" ] && as_pg "$bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null || true
      rm -rf "$cluster"
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop|pause|resume DIR" >&2
    exit 2
    ;;
esac
