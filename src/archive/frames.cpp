// Frames by byte range: a frame of a multi-frame object on a shared store, read without fetching
// the whole object, with the layout recorded at ingest (dicom/frame_map.hpp).
#include <algorithm>

#include "archive/archive.hpp"
#include "core/log.hpp"
#include "core/sha256.hpp"
#include "dicom/frame_map.hpp"

namespace vireo::archive {

namespace {

constexpr const char* kExplicitLittleEndian = "1.2.840.10008.1.2.1";
// Pieces closer than this are read in one request: the bytes between two fragments (an item
// header) or two neighbouring frames cost less than another round trip.
constexpr uint64_t kJoinGap = 64 * 1024;

// The ranges to read for these pieces: in file order, neighbours joined.
std::vector<dicom::ByteRange> reads_for(std::vector<dicom::ByteRange> pieces) {
  std::sort(pieces.begin(), pieces.end(),
            [](const auto& a, const auto& b) { return a.offset < b.offset; });
  std::vector<dicom::ByteRange> reads;
  for (const auto& p : pieces) {
    if (!reads.empty() && p.offset <= reads.back().end() + kJoinGap) {
      reads.back().length = std::max(reads.back().end(), p.end()) - reads.back().offset;
      continue;
    }
    reads.push_back(p);
  }
  return reads;
}

// The layout recorded with this blob of the instance (none once another has replaced it).
Result<std::optional<dicom::FrameMap>> recorded_map(ConnectionPool& readers,
                                                    const std::string& sop_instance_uid,
                                                    const std::string& blob_key) {
  auto conn = readers.acquire();
  if (!conn) return std::unexpected(conn.error());
  auto rows = (*conn)->query(
      "SELECT m.frame_map FROM instances i JOIN instance_metadata m ON m.instance_fk = i.id "
      "WHERE i.sop_instance_uid = ? AND i.blob_key = ?",
      {sop_instance_uid, blob_key});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty() || rows->front().is_null(0)) return std::optional<dicom::FrameMap>();
  auto map = dicom::FrameMap::decode(rows->front().text(0));
  if (!map)
    spdlog::warn("instance {}: the recorded frame layout cannot be read; reading the file",
                 sop_instance_uid);
  return map;
}

}  // namespace

Result<std::optional<std::vector<dicom::Frame>>> Archive::frames_by_range(
    const StoredInstance& inst, const std::vector<uint32_t>& numbers) {
  using Answer = std::optional<std::vector<dicom::Frame>>;
  if (blobs_.is_local(inst.blob_key)) return Answer();
  auto map = recorded_map(readers_, inst.sop_instance_uid, inst.blob_key);
  if (!map) return std::unexpected(map.error());
  if (!*map) return Answer();
  const auto& frames = (*map)->frames;
  std::vector<uint32_t> wanted = numbers;
  if (wanted.empty())
    for (uint32_t n = 1; n <= frames.size(); ++n) wanted.push_back(n);
  std::vector<dicom::ByteRange> pieces;
  uint64_t total = 0;
  for (uint32_t n : wanted) {
    if (auto s = dicom::check_frame_number(n, frames.size()); !s) return std::unexpected(s.error());
    for (const auto& p : frames[n - 1].pieces) pieces.push_back(p), total += p.length;
  }
  // Most of the object: fetching it whole costs no more, and the node keeps the copy.
  if (total * 2 > static_cast<uint64_t>(inst.size)) return Answer();

  std::vector<std::pair<dicom::ByteRange, std::string>> read;
  for (const auto& r : reads_for(pieces)) {
    auto bytes = blobs_.read_range(inst.blob_key, r.offset, r.length);
    if (!bytes) return std::unexpected(bytes.error());
    read.emplace_back(r, std::move(*bytes));
  }
  auto bytes_of = [&](const dicom::ByteRange& p) {
    for (const auto& [r, bytes] : read)
      if (p.offset >= r.offset && p.end() <= r.end())
        return std::string_view(bytes).substr(p.offset - r.offset, p.length);
    return std::string_view();  // unreachable: every piece is inside one read
  };
  std::vector<dicom::Frame> out;
  for (uint32_t n : wanted) {
    const auto& frame = frames[n - 1];
    dicom::Frame f{{}, (*map)->encapsulated ? inst.transfer_syntax : kExplicitLittleEndian};
    f.bytes.reserve(frame.size());
    for (const auto& p : frame.pieces) f.bytes += bytes_of(p);
    if (sha256_hex(f.bytes).substr(0, 16) != frame.sha16) {
      // The whole object is read instead and its own hash decides: damage is reported there,
      // and a layout that does not fit costs a download, never a wrong image.
      spdlog::warn("instance {}: frame {} read by range does not match its recorded hash; "
                   "reading the whole object",
                   inst.sop_instance_uid, n);
      return Answer();
    }
    out.push_back(std::move(f));
  }
  return Answer(std::move(out));
}

}  // namespace vireo::archive
