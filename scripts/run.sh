#!/usr/bin/env bash
# `make run`: start the server on the embedded default (SQLite + files under var/),
# importing the demo data on the first start so there is something to look at.
set -euo pipefail
cd "$(dirname "$0")/.."
demo="${VIREO_DEMO_DATA:-../shared/testdata/dicom/dicomdir}"
if [ ! -f var/index.sqlite ] && [ -d "$demo" ]; then
  echo "First start: importing demo studies from $demo"
  build/vireo import --data-dir var "$demo" || true
fi
exec build/vireo serve --data-dir var "$@"
