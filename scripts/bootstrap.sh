#!/usr/bin/env bash
# Installs what Vireo needs to build, run and test on Debian 12, and nothing that is
# already there. Idempotent: `apt-get update` runs only when a package is missing.
# Used by both `make run` and `make test`.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git
  # libraries (DESIGN.md "Dependencies")
  libdcmtk-dev libopenjp2-7-dev libboost-dev libsqlite3-dev libpq-dev libssl-dev libzip-dev
  libcurl4-openssl-dev libtinyxml2-dev libxml2-dev
  # reports: PDF layout (cairo, pango) with fonts for Latin, Greek, Arabic and CJK names, PAdES
  # signatures placed with PoDoFo; poppler-utils (pdfsig, pdftotext) verifies them in the tests
  libcairo2-dev libpango1.0-dev libpodofo-dev fonts-dejavu-core fonts-noto-core fonts-noto-cjk
  poppler-utils
  # a radiologist's key on a PKCS#11 token (an HSM, a smart card): libp11; the tests keep theirs
  # on SoftHSM and write the certificates there with OpenSC's pkcs11-tool
  libp11-dev softhsm2 opensc
  # the clinic's time zone: Howard Hinnant's date library over the system's tzdata
  libhowardhinnant-date-dev tzdata
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # identity: Argon2id (libsodium), TOTP (liboath), password dictionary checks (cracklib)
  libsodium-dev liboath-dev libcrack2-dev cracklib-runtime
  # real DICOM peers for the integration tests (storescu, findscu, movescu, getscu, storescp)
  dcmtk
  # the PostgreSQL server the tests start on loopback (the scale-out backend), and awscli, the
  # independent client that reads back what Vireo wrote to the tests' S3 server (tests/s3)
  postgresql awscli
  # an independent TOTP implementation for the sign-in tests; openssl for test certificates
  oathtool openssl
  # integration tests and benchmarks are driven from Python's standard library, and PyYAML
  # reads docs/openapi.yaml to check it against the route table
  python3 python3-yaml
  # the browser that the web application's end-to-end tests drive (playwright-core)
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# Node.js and npm (the DICOMweb client tests, later the web app): any installation will do
# (NodeSource's nodejs bundles npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

# npm packages of the web application and of the DICOMweb client tests, from their
# package-lock.json, when they are not installed yet or the lock file changed.
npm_install() {
  local root dir
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  for dir in "$root/web" "$root/tests/dicomweb" "$root/tests/s3"; do
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
      echo "bootstrap: npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) && touch "$dir/node_modules"
    fi
  done
}

if [ ${#missing[@]} -eq 0 ]; then
  npm_install
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
npm_install
