// Where each frame of a stored image lies in its file, found by our own walk of the DICOM byte
// stream: DCMTK reads values but does not say where in the file they are. Recorded at ingest, so
// that a node reading from an object store fetches the frames a viewer asks for by ranged
// requests instead of downloading a whole multi-frame object first.
//
// Each frame keeps the first 16 hex digits of its SHA-256: bytes fetched by range cannot be
// checked against the whole object's hash, so they are checked against the frame's own.
//
// Thread-safety: every function may be called concurrently.
// Usage:
//   if (auto map = dicom::map_frames(received_path)) index(map->encode());
//   auto map = dicom::FrameMap::decode(text);  // nullopt when the text is not one
//   for (auto piece : map->frames[n - 1].pieces) ...  // the frame's bytes, joined in order
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vireo::dicom {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
  [[nodiscard]] uint64_t end() const { return offset + length; }
  bool operator==(const ByteRange&) const = default;
};

struct MappedFrame {
  // A native frame: one range. An encapsulated frame: the values of the fragments that hold it.
  std::vector<ByteRange> pieces;
  std::string sha16;  // the first 16 hex digits of the SHA-256 of the pieces joined
  [[nodiscard]] uint64_t size() const;
  bool operator==(const MappedFrame&) const = default;
};

struct FrameMap {
  // Encapsulated: each frame is a bitstream in the stored transfer syntax. Native: raw pixel
  // bytes, little endian (what a client gets as Explicit VR Little Endian).
  bool encapsulated = false;
  std::vector<MappedFrame> frames;

  // One line of text for the index: "N|" or "E|", then per frame "<sha16>@<offset>+<length>"
  // with further pieces after commas, frames separated by ';'.
  [[nodiscard]] std::string encode() const;
  [[nodiscard]] static std::optional<FrameMap> decode(std::string_view text);
  bool operator==(const FrameMap&) const = default;
};

// The frames of the Part 10 file at `path`, each with its hash. nullopt when the file's layout
// does not say where they are without decoding: no Pixel Data (7FE0,0010), a dataset without
// File Meta Information, a deflated or big endian dataset, 1-bit or 4:2:2 native pixels, or
// encapsulated frames that neither one fragment per frame nor a Basic Offset Table assigns.
// `hashes`: Skip for a reader that reads the frames from the same file at once (sha16 empty).
enum class FrameHashes { Compute, Skip };
[[nodiscard]] std::optional<FrameMap> map_frames(const std::filesystem::path& path,
                                                 FrameHashes hashes = FrameHashes::Compute);

// The bytes of `frame` in the file at `path`, its pieces joined; nullopt when they cannot all be
// read.
[[nodiscard]] std::optional<std::string> read_frame(const std::filesystem::path& path, const MappedFrame& frame);

}  // namespace vireo::dicom
