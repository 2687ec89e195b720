// Registers DCMTK's JPEG, JPEG-LS and RLE codecs (idempotent). JPEG 2000 has no codec in
// free DCMTK; instances in it are stored and sent as received, not transcoded.
#pragma once
namespace vireo::dicom {
void register_codecs();
}  // namespace vireo::dicom
