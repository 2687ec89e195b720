// The startup integrity check (Archive::check_integrity): after a crash, files written but
// never acknowledged (renamed into place, index not committed) are orphans; an index row
// whose file is missing or corrupt is reported loudly, never silently dropped.
#include <unordered_set>

#include "archive/archive.hpp"
#include "core/log.hpp"

namespace vireo::archive {

Result<std::vector<Archive::IndexedBlob>> Archive::indexed_blobs() {
  auto conn = readers_.acquire();
  if (!conn) return std::unexpected(conn.error());
  std::vector<IndexedBlob> rows;
  auto s = (*conn)->for_each("SELECT sop_instance_uid, blob_key, sha256, size FROM instances ORDER BY id", {},
                             [&](const Row& r) {
                               rows.push_back({r.text(0), r.text(1), r.text(2), r.integer(3)});
                               return true;
                             });
  if (!s) return std::unexpected(s.error());
  return rows;
}

Result<IntegrityReport> Archive::check_integrity(bool deep, bool repair) {
  IntegrityReport report;
  blobs_.clear_temp();
  std::unordered_set<std::string> indexed;
  {
    auto rows = indexed_blobs();
    if (!rows) return std::unexpected(rows.error());
    for (const auto& inst : *rows) {
      ++report.instances_checked;
      indexed.insert(inst.key);
      if (deep) {
        auto v = blobs_.verify_stored(inst.key, inst.sha256);
        if (!v && v.error().code == ErrorCode::IntegrityError && v.error().detail.starts_with("hash"))
          report.corrupt_blobs.push_back(inst.sop_instance_uid);
        else if (!v)
          report.missing_blobs.push_back(inst.sop_instance_uid);
      } else {
        auto st = blobs_.stat(inst.key);
        if (!st) report.missing_blobs.push_back(inst.sop_instance_uid);
        else if (static_cast<int64_t>(st->size) != inst.size) report.corrupt_blobs.push_back(inst.sop_instance_uid);
      }
    }
  }
  // Listed after the index was read: a blob committed in between looks like an orphan. On a
  // store of this node alone no write is under way at startup or from the CLI's check, and
  // orphans go at once; on a shared store any may be another node's write about to be
  // committed, so they are queued, and go an hour later if still unnamed (sweep_removals).
  auto s = blobs_.for_each_key([&](const std::string& key, int64_t) {
    if (!indexed.contains(key)) report.orphan_blobs.push_back(key);
  });
  if (!s) return std::unexpected(s.error());
  if (repair && blobs_.shared()) {
    if (auto q = queue_removals(report.orphan_blobs, false); !q) return std::unexpected(q.error());
    report.orphans_queued = static_cast<int64_t>(report.orphan_blobs.size());
  } else if (repair) {
    for (const auto& key : report.orphan_blobs)
      if (blobs_.remove(key)) ++report.orphans_removed;
  }
  for (const auto& uid : report.missing_blobs) spdlog::error("integrity: file missing for instance {}", uid);
  for (const auto& uid : report.corrupt_blobs) spdlog::error("integrity: file damaged for instance {}", uid);
  return report;
}

}  // namespace vireo::archive
