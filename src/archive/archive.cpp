// The archive's reads (find, locate, metadata, the file of an instance) and its set-up; ingest
// and deletion have files of their own.
#include "archive/archive.hpp"

#include "archive/schema.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/strings.hpp"
#include "dicom/dicom_file.hpp"

namespace fs = std::filesystem;

namespace vireo::archive {

namespace {

std::string select_list_for(Level level, std::vector<const IndexedAttribute*>& columns) {
  std::string list;
  for (const auto& a : indexed_attributes()) {
    if (a.level > level) continue;
    columns.push_back(&a);
    list += list.empty() ? select_expression(a) : ", " + select_expression(a);
  }
  return list;
}

}  // namespace

Archive::Archive(Database& db, BlobStore& blobs, WriteQueue& writes, const events::Outbox& outbox,
                 DuplicatePolicy policy)
    : db_(db),
      blobs_(blobs),
      outbox_(outbox),
      policy_(policy),
      readers_(db),
      writer_(writes),
      ingest_tags_(ingest_tags()),
      ingest_nested_tags_(ingest_nested_tags()) {}

Result<std::unique_ptr<Archive>> Archive::open(Database& db, BlobStore& blobs, WriteQueue& writes,
                                               const events::Outbox& outbox, DuplicatePolicy policy,
                                               const MigrationProgress& progress) {
  if (auto s = migrate(db, "archive", schema_migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<Archive>(new Archive(db, blobs, writes, outbox, policy));
}

Status Archive::find(const FindQuery& query, const std::function<bool(const FindRow&)>& fn) {
  std::vector<const IndexedAttribute*> columns;
  std::string list = select_list_for(query.level, columns);
  auto sql = build_select(db_.dialect(), query.level, query.keys, query.scope, list, query.limit, query.offset, query.order);
  if (!sql) return std::unexpected(sql.error());
  auto conn = readers_.acquire();
  if (!conn) return std::unexpected(conn.error());
  return (*conn)->for_each(sql->sql, sql->params, [&](const Row& row) {
    FindRow out;
    for (size_t i = 0; i < columns.size(); ++i) {
      if (!row.is_null(i)) {
        std::string v = row.text(i);
        if (!v.empty()) out.emplace(columns[i]->tag, std::move(v));
      }
    }
    return fn(out);
  });
}

Result<std::vector<StoredInstance>> Archive::locate(const FindQuery& query) {
  auto sql = build_select(db_.dialect(), Level::Instance, query.keys, query.scope,
                          "i.sop_class_uid, i.sop_instance_uid, i.transfer_syntax, i.blob_key, i.sha256, i.size, "
                          "p.patient_id, st.study_uid, se.series_uid");
  if (!sql) return std::unexpected(sql.error());
  auto conn = readers_.acquire();
  if (!conn) return std::unexpected(conn.error());
  std::vector<StoredInstance> out;
  auto s = (*conn)->for_each(sql->sql, sql->params, [&](const Row& r) {
    out.push_back({r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.integer(5), r.text(6), r.text(7),
                   r.text(8)});
    return true;
  });
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<std::vector<std::optional<std::string>>> Archive::metadata_of(Level level, const std::vector<std::string>& uids) {
  constexpr size_t kChunk = 500;
  // One instance stands for its series or study: the first one stored.
  static const std::string kSelect[] = {
      "",
      "SELECT st.study_uid, m.json FROM studies st JOIN instance_metadata m ON m.instance_fk = (SELECT MIN(i.id) "
      "FROM instances i JOIN series se ON se.id = i.series_fk WHERE se.study_fk = st.id) WHERE st.study_uid IN (",
      "SELECT se.series_uid, m.json FROM series se JOIN instance_metadata m ON m.instance_fk = (SELECT MIN(i.id) "
      "FROM instances i WHERE i.series_fk = se.id) WHERE se.series_uid IN (",
      "SELECT i.sop_instance_uid, m.json FROM instances i JOIN instance_metadata m ON m.instance_fk = i.id WHERE "
      "i.sop_instance_uid IN (",
  };
  if (level == Level::Patient) return fail(ErrorCode::InvalidArgument, "no metadata at patient level");
  auto conn = readers_.acquire();
  if (!conn) return std::unexpected(conn.error());
  std::unordered_map<std::string, size_t> position;
  for (size_t i = 0; i < uids.size(); ++i) position.emplace(uids[i], i);
  std::vector<std::optional<std::string>> out(uids.size());
  for (size_t from = 0; from < uids.size(); from += kChunk) {
    size_t to = std::min(uids.size(), from + kChunk);
    std::string sql = kSelect[static_cast<int>(level)];
    std::vector<SqlValue> params;
    for (size_t i = from; i < to; ++i) {
      sql += i == from ? "?" : ", ?";
      params.emplace_back(uids[i]);
    }
    sql += ")";
    auto s = (*conn)->for_each(sql, params, [&](const Row& r) {
      if (auto it = position.find(r.text(0)); it != position.end()) out[it->second] = r.text(1);
      return true;
    });
    if (!s) return std::unexpected(s.error());
  }
  return out;
}

Result<std::vector<std::optional<std::string>>> Archive::metadata(const std::vector<StoredInstance>& instances) {
  std::vector<std::string> uids;
  uids.reserve(instances.size());
  for (const auto& i : instances) uids.push_back(i.sop_instance_uid);
  return metadata_of(Level::Instance, uids);
}

Result<StoredInstance> Archive::instance(const std::string& sop_instance_uid, const Scope& scope) {
  FindQuery q{Level::Instance, {{tag::kSOPInstanceUID, sop_instance_uid}}, scope};
  if (!is_valid_uid(sop_instance_uid)) return fail(ErrorCode::NotFound, "not a UID");
  auto found = locate(q);
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return fail(ErrorCode::NotFound, "instance " + sop_instance_uid);
  return (*found)[0];
}

Result<fs::path> Archive::instance_file(const StoredInstance& inst, HashCheck check) {
  constexpr size_t kMaxRemembered = 200000;  // ~20 MB of keys; forgotten all at once beyond
  bool needed = check == HashCheck::EveryRead;
  if (check == HashCheck::Once) {
    std::lock_guard lock(verified_mutex_);
    needed = !verified_.contains(inst.blob_key);
  }
  if (needed) {
    if (auto s = blobs_.verify(inst.blob_key, inst.sha256); !s) {
      spdlog::error("instance {}: {}", inst.sop_instance_uid, s.error().message());
      std::lock_guard lock(verified_mutex_);
      verified_.erase(inst.blob_key);  // damage found by any check is never trusted again
      return std::unexpected(s.error());
    }
    std::lock_guard lock(verified_mutex_);
    if (verified_.size() >= kMaxRemembered) verified_.clear();
    verified_.insert(inst.blob_key);
  }
  if (check == HashCheck::Skip)  // the caller reads it whole and notices a missing file then
    if (auto p = blobs_.direct_path(inst.blob_key)) return *p;
  return blobs_.local_path(inst.blob_key);
}


Result<std::vector<Conflict>> Archive::conflicts(int64_t limit) {
  auto conn = readers_.acquire();
  if (!conn) return std::unexpected(conn.error());
  auto rows = (*conn)->query("SELECT sop_instance_uid, stored_sha256, received_sha256, resolution, source, at FROM "
                             "ingest_conflicts ORDER BY id DESC LIMIT ?",
                             {limit});
  if (!rows) return std::unexpected(rows.error());
  std::vector<Conflict> out;
  for (const auto& r : *rows) out.push_back({r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5)});
  return out;
}

Result<std::string> Archive::study_created_at(const std::string& study_uid) {
  auto conn = readers_.acquire();
  if (!conn) return std::unexpected(conn.error());
  auto rows = (*conn)->query("SELECT created_at FROM studies WHERE study_uid = ?", {study_uid});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::NotFound, "no such study");
  return (*rows)[0].text(0);
}

Result<ArchiveStats> Archive::stats() {
  auto conn = readers_.acquire();
  if (!conn) return std::unexpected(conn.error());
  auto rows = (*conn)->query(
      "SELECT (SELECT COUNT(*) FROM patients), (SELECT COUNT(*) FROM studies), (SELECT COUNT(*) FROM series), "
      "(SELECT COUNT(*) FROM instances), (SELECT COALESCE(SUM(size), 0) FROM instances)",
      {});
  if (!rows) return std::unexpected(rows.error());
  const Row& r = (*rows)[0];
  return ArchiveStats{r.integer(0), r.integer(1), r.integer(2), r.integer(3), r.integer(4)};
}

}  // namespace vireo::archive
