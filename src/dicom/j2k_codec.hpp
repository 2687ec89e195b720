// JPEG 2000 decoding (PS3.5 A.4.4: 1.2.840.10008.1.2.4.90 lossless, .91 lossy) for DCMTK,
// with OpenJPEG: the DCMTK in Debian has no JPEG 2000 codec, and without one such
// instances could not be rendered (thumbnails, /rendered, WADO-URI JPEG), sent uncompressed
// (frames, pixel data) or converted for a C-MOVE peer that does not accept them.
// Decoding only; nothing is encoded to JPEG 2000.
#pragma once

namespace vireo::dicom {

// Adds the decoder to DCMTK's codec list (called by register_codecs()).
void register_j2k_decoder();

}  // namespace vireo::dicom
