#include "archive/archive.hpp"

#include <unistd.h>

#include <atomic>
#include <ctime>
#include <set>

#include "archive/schema.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/strings.hpp"
#include "dicom/dicom_file.hpp"

namespace fs = std::filesystem;

namespace vireo::archive {

namespace detail {
// What one ingest job decided, committed with the index change.
enum class Decision { Inserted, Duplicate, ConflictKept, Overwritten };
struct IndexOutcome {
  Decision decision = Decision::Inserted;
  std::string replaced_blob_key;  // Overwritten: the old blob to remove after commit
};

struct PreparedInstance {
  dicom::ParsedInstance parsed;
  BlobInfo blob;
  std::string source;
};
}  // namespace detail

namespace {

Counter& stored_counter() {
  static auto& c = Metrics::counter("vireo_instances_stored_total", "Instances stored in the archive");
  return c;
}
Counter& stored_bytes() {
  static auto& c = Metrics::counter("vireo_instances_stored_bytes_total", "Bytes of instances stored");
  return c;
}
Counter& rejected_counter() {
  static auto& c = Metrics::counter("vireo_instances_rejected_total", "Instances refused by the archive");
  return c;
}
Counter& duplicate_counter() {
  static auto& c = Metrics::counter("vireo_instances_duplicate_total", "Identical instances received again");
  return c;
}

using detail::Decision;
using detail::IndexOutcome;
using IngestRow = detail::PreparedInstance;

std::vector<SqlValue> level_values(Level level, const dicom::ParsedInstance& p) {
  std::vector<SqlValue> values;
  for (const auto* a : stored_attributes(level)) {
    std::string v = normalize_for_index(*a, p.value(a->tag, a->sequence));
    if (a->match == Match::PersonName) {
      std::string key = person_name_key(v);
      values.emplace_back(v.empty() ? SqlValue(nullptr) : SqlValue(v));
      values.emplace_back(key.empty() ? SqlValue(nullptr) : SqlValue(key));
    } else if (level == Level::Patient) {
      values.emplace_back(v);  // patient_id and issuer are part of a unique key: never NULL
    } else {
      values.emplace_back(v.empty() ? SqlValue(nullptr) : SqlValue(v));
    }
  }
  return values;
}

// "INSERT INTO studies (patient_fk, study_uid, ...) VALUES (?, ?, ...)" from the table.
std::string insert_sql(Level level, const std::vector<std::string>& extra_columns) {
  std::string cols, marks;
  auto add = [&](const std::string& c) {
    cols += cols.empty() ? c : ", " + c;
    marks += marks.empty() ? "?" : ", ?";
  };
  for (const auto& c : extra_columns) add(c);
  for (const auto* a : stored_attributes(level)) {
    add(std::string(a->column));
    if (a->match == Match::PersonName) add(std::string(a->column) + "_norm");
  }
  return "INSERT INTO " + std::string(level_table(level)) + " (" + cols + ") VALUES (" + marks + ") RETURNING id";
}

// Inserts the level's row: `extra_values` for the level's own columns (listed in `sql`
// below), then the attributes read from the file.
Result<int64_t> insert_row(Connection& c, Level level, std::vector<SqlValue> extra_values,
                           const dicom::ParsedInstance& p) {
  static const std::string sql[] = {
      insert_sql(Level::Patient, {}),
      insert_sql(Level::Study, {"patient_fk", "created_at"}),
      insert_sql(Level::Series, {"study_fk"}),
      insert_sql(Level::Instance,
                 {"series_fk", "transfer_syntax", "blob_key", "size", "sha256", "received_at", "source_aet"}),
  };
  auto values = std::move(extra_values);
  for (auto& v : level_values(level, p)) values.push_back(std::move(v));
  auto rows = c.query(sql[static_cast<int>(level)], values);
  if (!rows) return std::unexpected(rows.error());
  return (*rows)[0].integer(0);
}

Result<std::optional<int64_t>> find_id(Connection& c, const std::string& sql, std::initializer_list<SqlValue> params) {
  auto rows = c.query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<int64_t>();
  return std::optional<int64_t>((*rows)[0].integer(0));
}

// One refusal, and the oldest beyond the kept number gone (Archive::kKeptRejections).
Status insert_rejection(Connection& c, const Rejection& r) {
  if (auto s = c.execute("INSERT INTO ingest_rejections (at, source, sop_instance_uid, reason) VALUES (?, ?, ?, ?)",
                         {r.at, r.source, r.sop_instance_uid, r.reason});
      !s)
    return s;
  return c.execute("DELETE FROM ingest_rejections WHERE id <= (SELECT MAX(id) FROM ingest_rejections) - ?",
                   {Archive::kKeptRejections});
}

// The facts other domains learn about an indexed instance (events/event.hpp), in its job.
Status publish_stored(Connection& c, const events::Outbox& outbox, const dicom::ParsedInstance& p, bool new_study) {
  const std::string study = p.value(tag::kStudyInstanceUID);
  if (new_study)
    if (auto s = outbox.enqueue(c, {"study.received", {{"study", study}, {"patient", p.value(tag::kPatientID)}}}); !s)
      return s;
  return outbox.enqueue(
      c, {"instance.stored", {{"study", study}, {"series", p.value(tag::kSeriesInstanceUID)}, {"instance", p.sop_instance_uid}}});
}

Result<IndexOutcome> index_instance(Connection& c, const IngestRow& r, DuplicatePolicy policy,
                                    const events::Outbox& outbox) {
  const auto& p = r.parsed;
  auto existing = c.query("SELECT id, sha256, blob_key FROM instances WHERE sop_instance_uid = ?",
                          {p.sop_instance_uid});
  if (!existing) return std::unexpected(existing.error());
  if (!existing->empty()) {
    const Row& row = (*existing)[0];
    if (row.text(1) == r.blob.sha256) return IndexOutcome{Decision::Duplicate, {}};
    bool overwrite = policy == DuplicatePolicy::Overwrite;
    if (auto s = c.execute("INSERT INTO ingest_conflicts (sop_instance_uid, stored_sha256, received_sha256, "
                           "resolution, source, at) VALUES (?, ?, ?, ?, ?, ?)",
                           {p.sop_instance_uid, row.text(1), r.blob.sha256,
                            std::string(overwrite ? "overwritten" : "kept_first"), r.source, utc_now_iso()});
        !s) {
      return std::unexpected(s.error());
    }
    if (!overwrite) return IndexOutcome{Decision::ConflictKept, {}};
    if (auto s = c.execute("UPDATE instances SET blob_key = ?, sha256 = ?, size = ?, transfer_syntax = ?, "
                           "received_at = ?, source_aet = ? WHERE id = ?",
                           {r.blob.key, r.blob.sha256, static_cast<int64_t>(r.blob.size), p.transfer_syntax_uid,
                            utc_now_iso(), r.source, row.integer(0)});
        !s) {
      return std::unexpected(s.error());
    }
    if (auto s = c.execute("DELETE FROM instance_metadata WHERE instance_fk = ?", {row.integer(0)}); !s)
      return std::unexpected(s.error());
    if (auto s = c.execute("INSERT INTO instance_metadata (instance_fk, json) VALUES (?, ?)", {row.integer(0), p.metadata_json}); !s)
      return std::unexpected(s.error());
    if (auto s = publish_stored(c, outbox, p, false); !s) return std::unexpected(s.error());
    return IndexOutcome{Decision::Overwritten, row.text(2)};
  }

  // An instance joins the series, study and patient its UIDs name; entities that exist keep
  // their parents (a series its study, a study its first patient) and their counters.
  auto known = c.query("SELECT se.id, se.study_fk, st.patient_fk FROM series se JOIN studies st ON st.id = "
                       "se.study_fk WHERE se.series_uid = ?",
                       {p.value(tag::kSeriesInstanceUID)});
  if (!known) return std::unexpected(known.error());
  int64_t series_pk, study_pk, patient_pk;
  bool new_study = false;
  if (!known->empty()) {
    series_pk = (*known)[0].integer(0);
    study_pk = (*known)[0].integer(1);
    patient_pk = (*known)[0].integer(2);
  } else {
    auto study = c.query("SELECT id, patient_fk FROM studies WHERE study_uid = ?", {p.value(tag::kStudyInstanceUID)});
    if (!study) return std::unexpected(study.error());
    if (!study->empty()) {
      study_pk = (*study)[0].integer(0);
      patient_pk = (*study)[0].integer(1);
    } else {
      auto patient = find_id(c, "SELECT id FROM patients WHERE patient_id = ? AND issuer = ?",
                             {p.value(tag::kPatientID), p.value(tag::kIssuerOfPatientID)});
      if (!patient) return std::unexpected(patient.error());
      if (*patient) {
        patient_pk = **patient;
      } else {
        auto pid = insert_row(c, Level::Patient, {}, p);
        if (!pid) return std::unexpected(pid.error());
        patient_pk = *pid;
      }
      auto id = insert_row(c, Level::Study, {patient_pk, utc_now_iso()}, p);
      if (!id) return std::unexpected(id.error());
      study_pk = *id;
      new_study = true;
      if (auto s = c.execute("UPDATE patients SET num_studies = num_studies + 1 WHERE id = ?", {patient_pk}); !s)
        return std::unexpected(s.error());
    }

    auto id = insert_row(c, Level::Series, {study_pk}, p);
    if (!id) return std::unexpected(id.error());
    series_pk = *id;
    if (auto s = c.execute("UPDATE studies SET num_series = num_series + 1 WHERE id = ?", {study_pk}); !s)
      return std::unexpected(s.error());
    if (auto s = c.execute("UPDATE patients SET num_series = num_series + 1 WHERE id = ?", {patient_pk}); !s)
      return std::unexpected(s.error());
    std::string modality = p.value(tag::kModality);
    if (!modality.empty()) {
      if (auto s = c.execute("INSERT INTO study_modalities (study_fk, modality) VALUES (?, ?) ON CONFLICT DO NOTHING",
                             {study_pk, modality});
          !s) {
        return std::unexpected(s.error());
      }
      if (c.changes() > 0) {
        if (auto s = c.execute("UPDATE studies SET modalities = CASE WHEN modalities = '' THEN ? ELSE "
                               "modalities || '\\' || ? END WHERE id = ?",
                               {modality, modality, study_pk});
            !s) {
          return std::unexpected(s.error());
        }
      }
    }
  }

  auto inst = insert_row(c, Level::Instance,
                         {series_pk, p.transfer_syntax_uid, r.blob.key, static_cast<int64_t>(r.blob.size),
                          r.blob.sha256, utc_now_iso(), r.source},
                         p);
  if (!inst) return std::unexpected(inst.error());
  if (auto s = c.execute("INSERT INTO instance_metadata (instance_fk, json) VALUES (?, ?)", {*inst, p.metadata_json}); !s)
    return std::unexpected(s.error());
  for (auto [sql, pk] : {std::pair{"UPDATE series SET num_instances = num_instances + 1 WHERE id = ?", series_pk},
                         std::pair{"UPDATE studies SET num_instances = num_instances + 1 WHERE id = ?", study_pk},
                         std::pair{"UPDATE patients SET num_instances = num_instances + 1 WHERE id = ?", patient_pk}}) {
    if (auto s = c.execute(sql, {pk}); !s) return std::unexpected(s.error());
  }
  if (auto s = publish_stored(c, outbox, p, new_study); !s) return std::unexpected(s.error());
  return IndexOutcome{Decision::Inserted, {}};
}

// Runs each statement with `param` as its one parameter, stopping at the first failure.
Status execute_each(Connection& c, const SqlValue& param, std::initializer_list<std::string_view> statements) {
  for (std::string_view sql : statements)
    if (auto s = c.execute(sql, std::span<const SqlValue>(&param, 1)); !s) return s;
  return {};
}

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
  auto conn = db.connect();
  if (!conn) return std::unexpected(conn.error());
  if (auto s = migrate(**conn, db.dialect(), "archive", schema_migrations(), progress); !s)
    return std::unexpected(s.error());
  return std::unique_ptr<Archive>(new Archive(db, blobs, writes, outbox, policy));
}

Result<detail::PreparedInstance> Archive::prepare(const fs::path& file, const StoreSource& source,
                                                  const Refused& refused) {
  auto reject = [&](Error e, const std::string& uid) -> Result<detail::PreparedInstance> {
    ::unlink(file.c_str());
    rejected_counter().inc();
    refused(uid, e);
    return std::unexpected(std::move(e));
  };
  auto parsed = dicom::read_instance(file, ingest_tags_, ingest_nested_tags_);
  if (!parsed) return reject(parsed.error(), source.expected_sop_instance_uid);
  const std::string& uid = parsed->sop_instance_uid;
  if (!source.expected_sop_instance_uid.empty() && source.expected_sop_instance_uid != parsed->sop_instance_uid)
    return reject(Error{ErrorCode::InvalidArgument, "the dataset's SOP Instance UID differs from the request's"}, uid);
  if (!source.expected_sop_class_uid.empty() && source.expected_sop_class_uid != parsed->sop_class_uid)
    return reject(Error{ErrorCode::InvalidArgument, "the dataset's SOP Class UID differs from the request's"}, uid);
  if (!source.expected_study_instance_uid.empty() &&
      source.expected_study_instance_uid != parsed->value(tag::kStudyInstanceUID))
    return reject(Error{ErrorCode::InvalidArgument, "the dataset belongs to another study than the request names"}, uid);

  auto blob = blobs_.put_file(parsed->sop_instance_uid, parsed->value(tag::kStudyInstanceUID), file,
                              BlobStore::Durability::Deferred, source.file_sha256);
  if (!blob) {
    rejected_counter().inc();
    refused(uid, blob.error());
    return std::unexpected(blob.error());
  }
  return detail::PreparedInstance{std::move(*parsed), std::move(*blob), source.name};
}

Result<StoreResult> Archive::conclude(const detail::PreparedInstance& p, const Result<IndexOutcome>& outcome) {
  const auto& parsed = p.parsed;
  const auto& blob = p.blob;
  if (!outcome) {
    // Not indexed, so not acknowledged: the blob would be an orphan. A duplicate with the
    // same content shares the key of the indexed blob, which must stay.
    // When the index cannot even be read (the database went away mid-commit, which may have
    // happened), the file stays: an orphan `vireo check` reports beats an index row without it.
    auto stored = instance(parsed.sop_instance_uid, Scope::everything());
    if (stored ? stored->blob_key != blob.key : stored.error().code == ErrorCode::NotFound) remove_blob(blob.key);
    rejected_counter().inc();  // the index's failure, not the sender's: logged by the caller, not recorded
    return std::unexpected(outcome.error());
  }
  StoreResult result{StoreOutcome::Stored, parsed.sop_instance_uid, parsed.value(tag::kStudyInstanceUID),
                     parsed.value(tag::kPatientID), parsed.sop_class_uid};
  switch (outcome->decision) {
    case Decision::Inserted:
      stored_counter().inc();
      stored_bytes().inc(blob.size);
      break;
    case Decision::Duplicate:
      duplicate_counter().inc();
      result.outcome = StoreOutcome::Duplicate;
      break;
    case Decision::ConflictKept:
      remove_blob(blob.key);
      rejected_counter().inc();
      spdlog::warn("instance {} received again from {} with different content; kept the first (see /api/conflicts)",
                   parsed.sop_instance_uid, p.source);
      return fail(ErrorCode::DuplicateConflict, "SOP Instance UID " + parsed.sop_instance_uid);
    case Decision::Overwritten:
      if (outcome->replaced_blob_key != blob.key) remove_blob(outcome->replaced_blob_key);
      spdlog::warn("instance {} overwritten with different content from {}", parsed.sop_instance_uid, p.source);
      result.outcome = StoreOutcome::Overwritten;
      break;
  }
  return result;
}

Result<StoreResult> Archive::store_file(const fs::path& file, const StoreSource& source) {
  auto prepared = prepare(file, source, [&](const std::string& uid, const Error& why) { note_rejection(source.name, uid, why); });
  if (!prepared) return std::unexpected(prepared.error());
  auto outcome = writer_.run<IndexOutcome>([&](Connection& c) { return index_instance(c, *prepared, policy_, outbox_); },
                                           {prepared->blob.key});
  return conclude(*prepared, outcome);
}

std::vector<Result<StoreResult>> Archive::store_files(const std::vector<StoreItem>& items) {
  // The batch's refusals are recorded in its one commit.
  std::vector<Rejection> refusals;
  std::vector<Result<detail::PreparedInstance>> prepared;
  prepared.reserve(items.size());
  for (const auto& item : items)
    prepared.push_back(prepare(item.file, item.source, [&](const std::string& uid, const Error& why) {
      refusals.push_back({utc_now_iso(), item.source.name, uid, why.message()});
    }));
  std::vector<std::function<Result<IndexOutcome>(Connection&)>> jobs;
  std::vector<std::vector<std::string>> keys;
  for (const auto& p : prepared) {
    if (!p) continue;
    jobs.push_back([this, &p = *p](Connection& c) { return index_instance(c, p, policy_, outbox_); });
    keys.push_back({p->blob.key});
  }
  if (!refusals.empty()) {
    jobs.push_back([&refusals](Connection& c) -> Result<IndexOutcome> {
      for (const auto& r : refusals)
        if (auto s = insert_rejection(c, r); !s) return std::unexpected(s.error());
      return IndexOutcome{};
    });
    keys.emplace_back();
  }
  auto outcomes = writer_.run_all<IndexOutcome>(std::move(jobs), std::move(keys));
  if (!refusals.empty() && !outcomes.back())
    spdlog::warn("could not record {} refused instances: {}", refusals.size(), outcomes.back().error().message());
  std::vector<Result<StoreResult>> results;
  results.reserve(items.size());
  size_t k = 0;
  for (const auto& p : prepared) {
    if (!p) results.emplace_back(std::unexpected(p.error()));
    else results.push_back(conclude(*p, outcomes[k++]));
  }
  return results;
}

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

Status Archive::check_free_space() {
  auto free = blobs_.free_bytes();
  if (!free) return std::unexpected(free.error());
  if (*free < min_free_bytes_) {
    static auto& refused = Metrics::counter("vireo_storage_full_refusals_total", "Instances refused for lack of space");
    refused.inc();
    Error full{ErrorCode::OutOfResources, std::to_string(*free >> 20) + " MiB free, below min_free_space_mb"};
    note_rejection("", "", full);
    return std::unexpected(full);
  }
  return {};
}

void Archive::note_rejection(const std::string& source, const std::string& sop_instance_uid, const Error& why) {
  // A full store refuses every instance for the same reason: one row a minute says it.
  if (why.code == ErrorCode::OutOfResources) {
    static std::atomic<int64_t> last_noted{0};
    int64_t now = system_clock().unix_seconds(), last = last_noted.load();
    if (now - last < 60 || !last_noted.compare_exchange_strong(last, now)) return;
  }
  Rejection r{utc_now_iso(), source, sop_instance_uid, why.message()};
  auto done = writer_.run<bool>([&](Connection& c) -> Result<bool> {
    if (auto s = insert_rejection(c, r); !s) return std::unexpected(s.error());
    return true;
  });
  if (!done) spdlog::warn("could not record a refused instance: {}", done.error().message());
}

Result<std::vector<Rejection>> Archive::rejections(int64_t limit) {
  auto conn = readers_.acquire();
  if (!conn) return std::unexpected(conn.error());
  auto rows = (*conn)->query("SELECT at, source, sop_instance_uid, reason FROM ingest_rejections ORDER BY id DESC LIMIT ?",
                             {limit});
  if (!rows) return std::unexpected(rows.error());
  std::vector<Rejection> out;
  for (const auto& r : *rows) out.push_back({r.text(0), r.text(1), r.text(2), r.text(3)});
  return out;
}

Result<StoreResult> Archive::import_file(const fs::path& path, const std::string& aet) {
  if (auto s = check_free_space(); !s) return std::unexpected(s.error());
  fs::path tmp = blobs_.temp_path();
  if (auto s = dicom::write_part10(path, tmp, aet); !s) {
    ::unlink(tmp.c_str());
    rejected_counter().inc();
    return std::unexpected(s.error());
  }
  return store_file(tmp, StoreSource::named("import"));
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
    events::Event gone{"study.deleted", {{"study", (*ids)[0].text(2)}}};
    if (level == Level::Series) {
      gone.topic = "series.deleted";
      gone.ids.emplace_back("series", uid);
    }
    if (auto s = outbox_.enqueue(c, gone); !s) return std::unexpected(s.error());
    if (level == Level::Series) {  // its study's last series takes the study with it
      auto left = find_id(c, "SELECT id FROM studies WHERE id = ?", {study_pk});
      if (!left) return std::unexpected(left.error());
      if (!*left)
        if (auto s = outbox_.enqueue(c, {"study.deleted", {{"study", (*ids)[0].text(2)}}}); !s)
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
