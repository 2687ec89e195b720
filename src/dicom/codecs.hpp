// Registers DCMTK's JPEG, JPEG-LS and RLE codecs and our JPEG 2000 decoder (j2k_codec.hpp)
// (idempotent). Nothing is encoded to JPEG 2000.
#pragma once
namespace vireo::dicom {
void register_codecs();
}  // namespace vireo::dicom
