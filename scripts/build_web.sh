#!/usr/bin/env bash
# Builds the browser application (web/ -> web/dist, served by `vireo serve`) when a source
# file is newer than the last build. Used by `make run` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/../web"
stamp=dist/index.html
if [ -f "$stamp" ] && [ -z "$(find src index.html vite.config.ts tsconfig.json package-lock.json ../docs/openapi.yaml -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
echo "building the web application (web/dist)"
npm run --silent build -- --logLevel warn
