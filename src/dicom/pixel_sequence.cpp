#include "dicom/pixel_sequence.hpp"

#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcpxitem.h>

namespace vireo::dicom {

std::optional<std::string> frame_bitstream(DcmPixelSequence& seq, Uint32 index, Sint32 frames) {
  const Uint32 items = static_cast<Uint32>(seq.card());
  Uint32 first = 0, end = items;
  if (DcmCodec::determineStartFragment(index, frames, &seq, first).bad()) return std::nullopt;
  if (static_cast<Sint32>(index + 1) < frames && DcmCodec::determineStartFragment(index + 1, frames, &seq, end).bad())
    end = first + 1;
  std::string bytes;
  for (Uint32 k = first; k < end && k < items; ++k) {
    DcmPixelItem* item = nullptr;
    Uint8* data = nullptr;
    if (seq.getItem(item, k).bad() || !item) break;
    if (item->getLength() == 0) continue;
    if (item->getUint8Array(data).bad() || !data) return std::nullopt;
    bytes.append(reinterpret_cast<const char*>(data), item->getLength());
  }
  return bytes;
}

}  // namespace vireo::dicom
