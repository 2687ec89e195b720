#!/usr/bin/env bash
# A throwaway S3-compatible server for the tests (s3rver, with SigV4 checked: server.mjs), on
# loopback and a free port, its objects under DIR/data:
#   tests/s3/server.sh start DIR   # prints the endpoint, also written to DIR/url; bucket "vireo-test"
#   tests/s3/server.sh stop DIR    # stops it and removes DIR
set -euo pipefail
cmd=$1
dir=$2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
case $cmd in
  start)
    "$0" stop "$dir" 2>/dev/null || true
    [ -d "$here/node_modules/s3rver" ] || { echo "s3rver is not installed (scripts/bootstrap.sh installs it)" >&2; exit 1; }
    mkdir -p "$dir/data"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # s3rver makes its continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
    nohup node --openssl-legacy-provider "$here/server.mjs" "$dir" "$port" vireo-test >"$dir/server.log" 2>&1 &
    echo $! > "$dir/pid"
    for _ in $(seq 1 100); do
      grep -q "^listening" "$dir/server.log" 2>/dev/null && break
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
      sleep 0.1
    done
    grep -q "^listening" "$dir/server.log" || { echo "s3rver did not start" >&2; cat "$dir/server.log" >&2; exit 1; }
    echo "http://127.0.0.1:$port" > "$dir/url"
    cat "$dir/url"
    ;;
  stop)
    if [ -f "$dir/pid" ]; then
      kill "$(cat "$dir/pid")" 2>/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
