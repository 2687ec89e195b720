// Deletion: studies and series leave the index in one job (with the events that say so), and
// their files leave the blob store after the commit, at once or, on a store several nodes
// share, once no node can still be committing them.
#include "archive/archive.hpp"

#include <ctime>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"

namespace vireo::archive {

namespace {

// Runs each statement with `param` as its one parameter, stopping at the first failure.
Status execute_each(Connection& c, const SqlValue& param, std::initializer_list<std::string_view> statements) {
  for (std::string_view sql : statements)
    if (auto s = c.execute(sql, std::span<const SqlValue>(&param, 1)); !s) return s;
  return {};
}

}  // namespace

void Archive::remove_blob(const std::string& key) {
  if (blob_removed_) blob_removed_(key);
  if (!blobs_.shared()) {
    (void)blobs_.remove(key);
    return;
  }
  // Another node may be storing the same content under the same key right now, its index row
  // not yet committed: the object goes later, in sweep_removals, if by then no row names it.
  if (auto s = queue_removals({key}, true); !s)
    spdlog::warn("blob {} left in the store (an orphan for vireo check): {}", key, s.error().message());
}

Status Archive::queue_removals(const std::vector<std::string>& keys, bool restart) {
  if (keys.empty()) return {};
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const std::string sql = std::string("INSERT INTO blob_deletions (blob_key, requested_at) VALUES (?, ?) ON CONFLICT ") +
                          (restart ? "(blob_key) DO UPDATE SET requested_at = excluded.requested_at" : "DO NOTHING");
  auto queued = writer_.run<bool>([&](Connection& c) -> Result<bool> {
    for (const auto& key : keys)
      if (auto s = c.execute(sql, {key, now});
          !s)
        return std::unexpected(s.error());
    return true;
  });
  if (!queued) return std::unexpected(queued.error());
  return {};
}

Result<int64_t> Archive::sweep_removals() {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<std::pair<std::string, int64_t>> due;
  {
    auto conn = readers_.acquire();
    if (!conn) return std::unexpected(conn.error());
    auto rows = (*conn)->query("SELECT blob_key, requested_at FROM blob_deletions WHERE requested_at <= ?",
                               {now - removal_delay_s_});
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) due.emplace_back(r.text(0), r.integer(1));
  }
  int64_t removed = 0;
  for (const auto& [key, requested_at] : due) {
    // Kept when an index row names it again (the same content stored since), or when it was
    // written again after the request (a node storing it now, its row about to be committed).
    auto named = [&]() -> Result<bool> {
      auto conn = readers_.acquire();
      if (!conn) return std::unexpected(conn.error());
      auto rows = (*conn)->query("SELECT 1 FROM instances WHERE blob_key = ? LIMIT 1", {key});
      if (!rows) return std::unexpected(rows.error());
      return !rows->empty();
    }();
    if (!named) return std::unexpected(named.error());
    auto st = blobs_.stat(key);
    if (!st && st.error().code != ErrorCode::NotFound) return std::unexpected(st.error());
    if (!*named && st && st->written_at < requested_at) {
      if (auto s = blobs_.remove(key); !s) return std::unexpected(s.error());
      ++removed;
    }
    auto done = writer_.run<bool>([&](Connection& c) -> Result<bool> {
      if (auto s = c.execute("DELETE FROM blob_deletions WHERE blob_key = ? AND requested_at = ?", {key, requested_at});
          !s)
        return std::unexpected(s.error());
      return true;
    });
    if (!done) return std::unexpected(done.error());
  }
  return removed;
}


Result<int64_t> Archive::delete_where(Level level, const std::string& uid) {
  if (!is_valid_uid(uid)) return fail(ErrorCode::NotFound, "not a UID");
  struct Deleted {
    std::vector<std::string> blob_keys;
  };
  auto deleted = writer_.run<Deleted>([&](Connection& c) -> Result<Deleted> {
    std::string series_filter = level == Level::Study
                                    ? "series_fk IN (SELECT se.id FROM series se JOIN studies st ON st.id = se.study_fk "
                                      "WHERE st.study_uid = ?)"
                                    : "series_fk IN (SELECT id FROM series WHERE series_uid = ?)";
    auto keys = c.query("SELECT blob_key FROM instances WHERE " + series_filter, {uid});
    if (!keys) return std::unexpected(keys.error());
    auto ids = c.query(level == Level::Study
                           ? "SELECT st.id, st.patient_fk, st.study_uid FROM studies st WHERE st.study_uid = ?"
                           : "SELECT se.study_fk, st.patient_fk, st.study_uid FROM series se JOIN studies st ON "
                             "st.id = se.study_fk WHERE se.series_uid = ?",
                       {uid});
    if (!ids) return std::unexpected(ids.error());
    if (ids->empty()) return fail(ErrorCode::NotFound, (level == Level::Study ? "study " : "series ") + uid);
    int64_t study_pk = (*ids)[0].integer(0);
    int64_t patient_pk = (*ids)[0].integer(1);
    std::vector<std::string> statements = {
        "DELETE FROM instance_metadata WHERE instance_fk IN (SELECT id FROM instances WHERE " + series_filter + ")",
        "DELETE FROM instances WHERE " + series_filter};
    if (level == Level::Study) {
      statements.push_back("DELETE FROM series WHERE study_fk IN (SELECT id FROM studies WHERE study_uid = ?)");
      statements.push_back("DELETE FROM studies WHERE study_uid = ?");
    } else {
      statements.push_back("DELETE FROM series WHERE series_uid = ?");
    }
    for (const auto& sql : statements)
      if (auto s = c.execute(sql, {uid}); !s) return std::unexpected(s.error());
    // Recompute the aggregates of what remains; a study left without series and a patient
    // left without studies go too.
    if (auto s = execute_each(c, study_pk,
                              {"UPDATE studies SET num_series = (SELECT COUNT(*) FROM series WHERE study_fk = "
                               "studies.id), num_instances = (SELECT COUNT(*) FROM instances i JOIN series se ON "
                               "se.id = i.series_fk WHERE se.study_fk = studies.id) WHERE id = ?",
                               "DELETE FROM study_modalities WHERE study_fk = ? AND modality NOT IN (SELECT modality "
                               "FROM series WHERE study_fk = study_modalities.study_fk AND modality IS NOT NULL)",
                               "UPDATE studies SET modalities = COALESCE((SELECT " + db_.dialect().string_aggregate + "(modality, '\\') FROM "
                               "study_modalities WHERE study_fk = studies.id), '') WHERE id = ?",
                               "DELETE FROM studies WHERE id = ? AND num_series = 0"});
        !s) {
      return std::unexpected(s.error());
    }
    if (auto s = execute_each(c, patient_pk,
                              {"UPDATE patients SET num_studies = (SELECT COUNT(*) FROM studies WHERE patient_fk = "
                               "patients.id), num_series = (SELECT COUNT(*) FROM series se JOIN studies st ON st.id = "
                               "se.study_fk WHERE st.patient_fk = patients.id), num_instances = (SELECT COUNT(*) "
                               "FROM instances i JOIN series se ON se.id = i.series_fk JOIN studies st ON st.id = "
                               "se.study_fk WHERE st.patient_fk = patients.id) WHERE id = ?",
                               "DELETE FROM patients WHERE id = ? AND num_studies = 0"});
        !s) {
      return std::unexpected(s.error());
    }
    const std::string deleted_at = utc_now_iso();
    events::Event gone{"study.deleted", {{"study", (*ids)[0].text(2)}, {"deleted_at", deleted_at}}};
    if (level == Level::Series) {
      gone.topic = "series.deleted";
      gone.ids.emplace_back("series", uid);
    }
    if (auto s = outbox_.enqueue(c, gone); !s) return std::unexpected(s.error());
    if (level == Level::Series) {  // its study's last series takes the study with it
      auto left = c.query("SELECT id FROM studies WHERE id = ?", {study_pk});
      if (!left) return std::unexpected(left.error());
      if (left->empty())
        if (auto s = outbox_.enqueue(c, {"study.deleted", {{"study", (*ids)[0].text(2)}, {"deleted_at", deleted_at}}});
            !s)
          return std::unexpected(s.error());
    }
    Deleted d;
    for (const auto& r : *keys) d.blob_keys.push_back(r.text(0));
    return d;
  });
  if (!deleted) return std::unexpected(deleted.error());
  // After the commit: a crash here leaves orphan files, which the startup check removes.
  for (const auto& k : deleted->blob_keys) remove_blob(k);
  return static_cast<int64_t>(deleted->blob_keys.size());
}

Result<int64_t> Archive::delete_study(const std::string& uid) { return delete_where(Level::Study, uid); }
Result<int64_t> Archive::delete_series(const std::string& uid) { return delete_where(Level::Series, uid); }

}  // namespace vireo::archive
