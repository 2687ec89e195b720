#!/usr/bin/env bash
# `make run`: start the server on the embedded default (SQLite + files under var/). On the
# first start it loads demo studies so that there is something to query and retrieve:
# two synthetic CT studies, and the real (de-identified) sample studies of
# ../shared/testdata when that folder is there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f var/index.sqlite ]; then
  echo "First start: loading demo studies into var/"
  demo=$(mktemp -d)
  trap 'rm -rf "$demo"' EXIT
  build/vireo-synth ct "$demo/ct" 2 60 2>/dev/null
  build/vireo import --data-dir var "$demo/ct"
  samples=../shared/testdata/dicom/dicomdir
  if [ -d "$samples" ]; then
    build/vireo import --data-dir var "$samples"/77654033 "$samples"/98892001 "$samples"/98892003
  fi
fi
exec build/vireo serve --data-dir var "$@"
