// Fuzz target for the frame layout walk (dicom/frame_map.cpp): our own reading of a received
// file's byte stream, run at ingest on whatever a modality or a STOW client sent, and of the
// layout text read back from the index. Whatever the bytes, it must end without a crash, and a
// layout it finds must lie inside the file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "dicom/frame_map.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path =
      "/tmp/vireo-fuzz-frame-map-" + std::to_string(::getpid()) + ".dcm";
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  if (auto map = vireo::dicom::map_frames(path)) {
    for (const auto& frame : map->frames) {
      if (frame.size() == 0) std::abort();  // a frame with no bytes is never mapped
      for (const auto& piece : frame.pieces)
        if (piece.offset > size || piece.length > size - piece.offset) std::abort();
    }
    auto again = vireo::dicom::FrameMap::decode(map->encode());
    if (!again || !(*again == *map)) std::abort();
  }
  ::unlink(path.c_str());
  if (auto text = vireo::dicom::FrameMap::decode(bytes)) {
    auto again = vireo::dicom::FrameMap::decode(text->encode());
    if (!again || !(*again == *text)) std::abort();
  }
  return 0;
}
