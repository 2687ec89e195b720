// Encapsulated pixel data (PS3.5 A.4): the bitstream of one frame, from the fragments that
// hold it. Internal to the DICOM adapter (it includes DCMTK).
#pragma once
#include <dcmtk/dcmdata/dcpixseq.h>

#include <optional>
#include <string>

namespace vireo::dicom {

// Frame `index` (from 0) of an image of `frames` frames: its fragments joined, or nullopt
// when the sequence does not say where the frame is or a fragment cannot be read.
std::optional<std::string> frame_bitstream(DcmPixelSequence& seq, Uint32 index, Sint32 frames);

}  // namespace vireo::dicom
