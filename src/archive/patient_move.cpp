// A patient's studies made another's: the files rewritten to name the new patient (the values
// replaced kept in each file), then each study moved in one commit. Called by a consumer of the
// RIS's merge events, at least once: every step can be run again.
#include <unistd.h>

#include "archive/archive.hpp"
#include "archive/ingest_rows.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"

namespace vireo::archive {

namespace {

constexpr const char* kModifyingSystem = "VIREO";

struct Rewritten {
  int64_t instance_pk = 0;
  std::string old_key;
  detail::PreparedInstance prepared;
};

struct StudyRow {
  int64_t pk = 0;
  std::string uid;
};

// One study's move, once its files are rewritten: false when it is no longer `from`'s (moved
// by another delivery of the same event).
Result<bool> commit_move(Connection& c, const PatientMove& m, const StudyRow& study,
                         const std::vector<Rewritten>& files, const events::Outbox& outbox) {
  auto owner = c.query(
      "SELECT p.id, p.patient_id, p.issuer, st.num_series, st.num_instances FROM studies st JOIN "
      "patients p ON p.id = st.patient_fk WHERE st.id = ?",
      {study.pk});
  if (!owner) return std::unexpected(owner.error());
  if (owner->empty() || (*owner)[0].text(1) != m.from.id || (*owner)[0].text(2) != m.from.issuer)
    return false;
  const int64_t from_pk = (*owner)[0].integer(0), series = (*owner)[0].integer(3),
                instances = (*owner)[0].integer(4);
  if (instances != std::ssize(files))
    return fail(ErrorCode::Unavailable,
                "study " + study.uid + " received instances while it was being moved");

  for (const auto& f : files) {
    if (auto s = c.execute(
            "UPDATE instances SET blob_key = ?, sha256 = ?, size = ? WHERE id = ? AND blob_key = ?",
            {f.prepared.blob.key, f.prepared.blob.sha256,
             static_cast<int64_t>(f.prepared.blob.size), f.instance_pk, f.old_key});
        !s)
      return std::unexpected(s.error());
    if (c.changes() != 1)
      return fail(ErrorCode::Unavailable,
                  "an instance of study " + study.uid + " changed while it was being moved");
    if (auto s = c.execute("DELETE FROM instance_metadata WHERE instance_fk = ?", {f.instance_pk});
        !s)
      return std::unexpected(s.error());
    if (auto s = detail::insert_metadata(c, f.instance_pk, f.prepared); !s)
      return std::unexpected(s.error());
  }

  auto to_pk = detail::find_id(c, "SELECT id FROM patients WHERE patient_id = ? AND issuer = ?",
                               {m.to.id, m.to.issuer});
  if (!to_pk) return std::unexpected(to_pk.error());
  if (!*to_pk) {
    auto made = detail::insert_row(c, Level::Patient, {}, files.front().prepared.parsed);
    if (!made) return std::unexpected(made.error());
    *to_pk = *made;
  }
  if (auto s = c.execute("UPDATE studies SET patient_fk = ? WHERE id = ?", {**to_pk, study.pk}); !s)
    return std::unexpected(s.error());
  for (auto [pk, sign] : {std::pair{from_pk, int64_t{-1}}, std::pair{**to_pk, int64_t{1}}})
    if (auto s = c.execute(
            "UPDATE patients SET num_studies = num_studies + ?, num_series = num_series + ?, "
            "num_instances = num_instances + ? WHERE id = ?",
            {sign, sign * series, sign * instances, pk});
        !s)
      return std::unexpected(s.error());
  // A patient left without studies is no longer one the archive knows (as when deleted).
  if (auto s = c.execute("DELETE FROM patients WHERE id = ? AND num_studies = 0", {from_pk}); !s)
    return std::unexpected(s.error());
  if (auto s = c.execute("INSERT INTO patient_moves (change, study_uid, from_patient_id, "
                         "from_issuer, to_patient_id, "
                         "to_issuer, instances, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         {m.change, study.uid, m.from.id, m.from.issuer, m.to.id, m.to.issuer,
                          instances, utc_now_iso(), m.actor});
      !s)
    return std::unexpected(s.error());
  if (auto s =
          outbox.enqueue(c, {"study.patient_changed",
                             {{"study", study.uid}, {"patient", m.to.id}, {"change", m.change}}});
      !s)
    return std::unexpected(s.error());
  return true;
}

}  // namespace

Result<MovedStudies> Archive::move_patient(const PatientMove& m) {
  if (m.from.id == m.to.id && m.from.issuer == m.to.issuer)
    return fail(ErrorCode::InvalidArgument, "a patient cannot be moved onto itself");
  std::vector<StudyRow> studies;
  {
    auto c = readers_.acquire();
    if (!c) return std::unexpected(c.error());
    std::string sql =
        "SELECT st.id, st.study_uid FROM studies st JOIN patients p ON p.id = st.patient_fk WHERE "
        "p.patient_id = ? AND p.issuer = ?";
    std::vector<SqlValue> args{m.from.id, m.from.issuer};
    if (!m.undoes.empty()) {
      sql += " AND st.study_uid IN (SELECT study_uid FROM patient_moves WHERE change = ?)";
      args.emplace_back(m.undoes);
    }
    auto rows = (*c)->query(sql + " ORDER BY st.id", std::span<const SqlValue>(args));
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) studies.push_back({r.integer(0), r.text(1)});
  }

  MovedStudies moved;
  for (const auto& study : studies) {
    std::vector<StoredInstance> stored;
    std::vector<std::pair<int64_t, std::string>> keys;  // instance pk, blob key
    {
      auto c = readers_.acquire();
      if (!c) return std::unexpected(c.error());
      auto rows = (*c)->query(
          "SELECT i.id, i.sop_instance_uid, i.sop_class_uid, i.transfer_syntax, i.blob_key, "
          "i.sha256, i.size, se.series_uid FROM instances i JOIN series se ON se.id = i.series_fk "
          "WHERE se.study_fk = ? ORDER BY i.id",
          {study.pk});
      if (!rows) return std::unexpected(rows.error());
      for (const auto& r : *rows) {
        stored.push_back({r.text(2), r.text(1), r.text(3), r.text(4), r.text(5), r.integer(6),
                          m.from.id, study.uid, r.text(7)});
        keys.emplace_back(r.integer(0), r.text(4));
      }
    }
    if (stored.empty()) continue;

    std::vector<Rewritten> files;
    auto give_up = [&](Error e) -> Result<MovedStudies> {
      for (const auto& f : files) remove_blob(f.prepared.blob.key);
      return std::unexpected(std::move(e));
    };
    for (size_t i = 0; i < stored.size(); ++i) {
      const auto& inst = stored[i];
      auto path = instance_file(inst, HashCheck::EveryRead);
      if (!path) return give_up(path.error());
      auto tmp = blobs_.temp_path();
      if (auto s = dicom::rewrite_patient(*path, tmp, m.to, kModifyingSystem); !s) {
        ::unlink(tmp.c_str());
        return give_up(s.error());
      }
      StoreSource source = StoreSource::named("patient change " + m.change);
      source.expected_sop_instance_uid = inst.sop_instance_uid;
      source.expected_sop_class_uid = inst.sop_class_uid;
      source.expected_study_instance_uid = study.uid;
      auto prepared = prepare(tmp, source, [](const std::string&, const Error&) {});
      if (!prepared) return give_up(prepared.error());
      files.push_back({keys[i].first, keys[i].second, std::move(*prepared)});
    }

    std::vector<std::string> new_keys;
    for (const auto& f : files) new_keys.push_back(f.prepared.blob.key);
    auto done =
        writer_.run<bool>([&](Connection& c) { return commit_move(c, m, study, files, outbox_); },
                          std::move(new_keys));
    if (!done) return give_up(done.error());
    if (!*done) {
      for (const auto& f : files) remove_blob(f.prepared.blob.key);
      continue;
    }
    for (const auto& f : files)
      if (f.old_key != f.prepared.blob.key) remove_blob(f.old_key);
    ++moved.studies;
    moved.instances += std::ssize(files);
    spdlog::info("study moved to another patient ({}): {} instances rewritten", m.change,
                 files.size());
  }
  return moved;
}

Result<std::vector<StudyMove>> Archive::moves(const std::string& change,
                                              const std::string& patient_id,
                                              const std::string& issuer) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  const std::string columns =
      "SELECT change, study_uid, from_patient_id, from_issuer, to_patient_id, to_issuer, at, "
      "actor, instances FROM "
      "patient_moves WHERE ";
  auto rows = change.empty() ? (*c)->query(columns +
                                               "(from_patient_id = ? AND from_issuer = ?) OR "
                                               "(to_patient_id = ? AND to_issuer = ?) "
                                               "ORDER BY id",
                                           {patient_id, issuer, patient_id, issuer})
                             : (*c)->query(columns + "change = ? ORDER BY id", {change});
  if (!rows) return std::unexpected(rows.error());
  std::vector<StudyMove> out;
  for (const auto& r : *rows)
    out.push_back({r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6),
                   r.text(7), r.integer(8)});
  return out;
}

}  // namespace vireo::archive
