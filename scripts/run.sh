#!/usr/bin/env bash
# `make run`: start the server on the embedded default (SQLite + files under var/). On the
# first start it loads demo data so that a person can use it at once: anatomy-like phantoms
# (a head CT, a chest CT with contrast, a four-view mammogram; bench/phantoms.cpp), the real (de-identified) sample studies of ../shared/testdata when that folder is
# there (full-size CT, CR, DX, mammography, ultrasound, angiography, nuclear medicine, PET, an
# ECG, a PDF report, a structured report, a segmentation), one account per role, and the RIS of a
# working centre (`vireo demo`: rooms, procedures, 200 patients, their orders). The
# accounts' passwords are generated, kept in var/demo-logins.txt (readable by its owner only)
# and printed at every start.
set -euo pipefail
cd "$(dirname "$0")/.."
logins=var/demo-logins.txt
if [ ! -f var/index.sqlite ]; then
  echo "First start: loading demo studies into var/"
  demo=$(mktemp -d)
  trap 'rm -rf "$demo"' EXIT
  build/vireo-synth phantoms "$demo/phantoms"
  build/vireo import --data-dir var "$demo/phantoms"
  data=../shared/testdata/dicom
  if [ -d "$data" ]; then
    samples=(
      dicomdir/77654033 dicomdir/98892001 dicomdir/98892003
      transfer_syntax/CT_JPEGLosslessSV1.dcm transfer_syntax/CT2_JLSN.dcm transfer_syntax/CT1_J2KI.dcm
      modality/CT_small.dcm modality/SR_tid1500_sr_document.dcm modality/SEG_ct_binary_3frame.dcm
      modality/CR_RG3_JPLY.dcm structure/CR_MONO1_10_chest_nometa.dcm modality/DX_dx_image.dcm
      modality/MG_OutOfBoundsOverlay.dcm modality/US_multiframe_ybr_jpeg.dcm modality/US_PAL_8_10x_echo.dcm
      modality/XA_multiframe_jpeg.dcm modality/NM_MONO2_16_13x_heart.dcm modality/PT_GH184.dcm
      modality/ECG_waveform_ecg.dcm modality/ENCAPSULATED_PDF_from_oru.dcm
      private_tags/MR_SIEMENS_CSA_overlay.dcm
    )
    build/vireo import --data-dir var "${samples[@]/#/$data/}" || true  # a sample refused is listed, not fatal
  fi
  # One account per role, each with a generated password (the first sign-in of the admin and
  # the radiologist sets up their authenticator app).
  umask 077
  : > "$logins"
  word() { head -c 400 /dev/urandom | tr -dc 'a-z' | head -c 6; }
  add() {  # name role [options]
    local name=$1 role=$2 password
    shift 2
    password=$(word)-$(word)-$(word)
    # (its note naming the archive is left out; an error is not)
    { printf '%s\n' "$password" | build/vireo user add "$name" --role "$role" --password-stdin "$@" --data-dir var 2>&1 >/dev/null; } |
      { grep -v '^vireo: archive in' >&2 || true; }
    printf '  %-13s %-22s %s\n' "$name" "$password" "$role" >> "$logins"
  }
  add admin admin --name "Administrator"
  add radiologist radiologist --name "Dr. Elena Serra"
  add technician technician --name "Demo Technologist"
  add receptionist receptionist --name "Front Desk"
  add referring referring --name "Dr. Marcus Welby" --physician "WELBY^MARCUS"
  add billing billing --name "Billing Office"
  add patient patient --name "Helen Parker" --patient-id P300001
  # The RIS of a working centre: rooms with opening hours, the catalogue, patients and orders.
  build/vireo demo --data-dir var 2> >(grep -v '^vireo: archive in' >&2)
fi
if [ -f "$logins" ]; then
  echo
  echo "Demo sign-ins at https://127.0.0.1:8080/ (also in $logins):"
  cat "$logins"
  echo
fi
exec build/vireo serve --data-dir var "$@"
