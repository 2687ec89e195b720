// Ingest: a received file parsed, checked, stored durably and indexed in one group commit,
// the facts about it published through the outbox in the same job.
#include "archive/archive.hpp"

#include <unistd.h>

#include <charconv>

#include "archive/ingest_rows.hpp"
#include "archive/schema.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/strings.hpp"
#include "dicom/dicom_file.hpp"
#include "dicom/frame_map.hpp"
#include "dicom/patient_rewrite.hpp"

namespace fs = std::filesystem;

namespace vireo::archive {


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
using detail::find_id;
using detail::insert_metadata;
using detail::insert_row;

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
}  // namespace

namespace detail {
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
}  // namespace detail

namespace {

}  // namespace

namespace detail {
Result<std::optional<int64_t>> find_id(Connection& c, const std::string& sql, std::initializer_list<SqlValue> params) {
  auto rows = c.query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<int64_t>();
  return std::optional<int64_t>((*rows)[0].integer(0));
}
}  // namespace detail

namespace {

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

}  // namespace

namespace detail {
Status insert_metadata(Connection& c, int64_t instance_pk, const IngestRow& r) {
  return c.execute("INSERT INTO instance_metadata (instance_fk, json, frame_map) VALUES (?, ?, ?)",
                   {instance_pk, r.parsed.metadata_json,
                    r.frame_map.empty() ? SqlValue(nullptr) : SqlValue(r.frame_map)});
}
}  // namespace detail

namespace {

// Where each frame lies in the file, for an image of several frames (one frame is most of its
// file: reading it whole costs no more than reading the frame). Kept only when our walk finds
// as many frames as DCMTK and DCMTK reads the first and last where the walk says.
std::string frame_map_of(const fs::path& file, const dicom::ParsedInstance& p) {
  const std::string text = p.value(tag::kNumberOfFrames);
  uint64_t frames = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), frames);
  if (ec != std::errc() || end != text.data() + text.size() || frames < 2) return {};
  auto map = dicom::map_frames(file);
  if (!map || map->frames.size() != frames || !dicom::dcmtk_reads_the_same_frames(file, *map)) return {};
  return map->encode();
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
    if (auto s = insert_metadata(c, row.integer(0), r); !s) return std::unexpected(s.error());
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
  if (auto s = insert_metadata(c, *inst, r); !s) return std::unexpected(s.error());
  for (auto [sql, pk] : {std::pair{"UPDATE series SET num_instances = num_instances + 1 WHERE id = ?", series_pk},
                         std::pair{"UPDATE studies SET num_instances = num_instances + 1 WHERE id = ?", study_pk},
                         std::pair{"UPDATE patients SET num_instances = num_instances + 1 WHERE id = ?", patient_pk}}) {
    if (auto s = c.execute(sql, {pk}); !s) return std::unexpected(s.error());
  }
  if (auto s = publish_stored(c, outbox, p, new_study); !s) return std::unexpected(s.error());
  // A new study of the merged patient's ID, arriving after the merge: the merge's, for its undoing
  // (a study that was another's already stays theirs).
  if (new_study && !r.corrected_by.empty())
    if (auto s = c.execute("INSERT INTO patient_moves (change, study_uid, from_patient_id, from_issuer, to_patient_id, "
                           "to_issuer, instances, at, actor) SELECT ?, ?, ?, ?, ?, ?, 0, ?, ? WHERE NOT EXISTS (SELECT 1 "
                           "FROM patient_moves WHERE change = ? AND study_uid = ?)",
                           {r.corrected_by, p.value(tag::kStudyInstanceUID), r.corrected_from_id,
                            r.corrected_from_issuer, p.value(tag::kPatientID), p.value(tag::kIssuerOfPatientID),
                            utc_now_iso(), r.source, r.corrected_by, p.value(tag::kStudyInstanceUID)});
        !s)
      return std::unexpected(s.error());
  return IndexOutcome{Decision::Inserted, {}};
}

}  // namespace

Result<detail::PreparedInstance> Archive::prepare(const fs::path& file, const StoreSource& source,
                                                  const Refused& refused, bool correct_patient) {
  auto reject = [&](Error e, const std::string& uid) -> Result<detail::PreparedInstance> {
    ::unlink(file.c_str());
    rejected_counter().inc();
    refused(uid, e);
    return std::unexpected(std::move(e));
  };
  auto parsed = dicom::read_instance(file, ingest_tags_, ingest_nested_tags_);
  if (!parsed) return reject(parsed.error(), source.expected_sop_instance_uid);
  std::string known_sha256 = source.file_sha256;
  std::string corrected_by, corrected_from_id, corrected_from_issuer;
  // Images of a patient merged into another (sent late, or again) are filed under that other, and
  // say so: rewritten as the merge's own were. (A chain of merges is followed a few links.)
  for (int hop = 0; correct_patient && hop < 4; ++hop) {
    auto link = corrected_patient(parsed->value(tag::kPatientID), parsed->value(tag::kIssuerOfPatientID));
    if (!link) break;
    if (corrected_by.empty()) {
      corrected_from_id = parsed->value(tag::kPatientID);
      corrected_from_issuer = parsed->value(tag::kIssuerOfPatientID);
    }
    corrected_by = link->change;
    fs::path corrected = blobs_.temp_path();
    if (auto s = dicom::rewrite_patient(file, corrected, link->to, "VIREO", link->created_at); !s) {
      ::unlink(corrected.c_str());
      return reject(s.error(), parsed->sop_instance_uid);
    }
    std::error_code moved;
    fs::rename(corrected, file, moved);
    if (moved) {
      ::unlink(corrected.c_str());
      return reject(Error{ErrorCode::OutOfResources, "cannot replace the received file: " + moved.message()},
                    parsed->sop_instance_uid);
    }
    known_sha256.clear();
    parsed = dicom::read_instance(file, ingest_tags_, ingest_nested_tags_);
    if (!parsed) return reject(parsed.error(), source.expected_sop_instance_uid);
  }
  const std::string& uid = parsed->sop_instance_uid;
  if (!source.expected_sop_instance_uid.empty() && source.expected_sop_instance_uid != parsed->sop_instance_uid)
    return reject(Error{ErrorCode::InvalidArgument, "the dataset's SOP Instance UID differs from the request's"}, uid);
  if (!source.expected_sop_class_uid.empty() && source.expected_sop_class_uid != parsed->sop_class_uid)
    return reject(Error{ErrorCode::InvalidArgument, "the dataset's SOP Class UID differs from the request's"}, uid);
  if (!source.expected_study_instance_uid.empty() &&
      source.expected_study_instance_uid != parsed->value(tag::kStudyInstanceUID))
    return reject(Error{ErrorCode::InvalidArgument, "the dataset belongs to another study than the request names"}, uid);

  std::string frame_map = frame_map_of(file, *parsed);  // before put_file moves the file away
  auto blob = blobs_.put_file(parsed->sop_instance_uid, parsed->value(tag::kStudyInstanceUID), file,
                              BlobStore::Durability::Deferred, known_sha256);
  if (!blob) {
    rejected_counter().inc();
    refused(uid, blob.error());
    return std::unexpected(blob.error());
  }
  return detail::PreparedInstance{std::move(*parsed),     std::move(*blob),       source.name,
                                  std::move(frame_map),   std::move(corrected_by), std::move(corrected_from_id),
                                  std::move(corrected_from_issuer)};
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


}  // namespace vireo::archive
