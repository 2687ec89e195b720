// A patient's studies made another's: the files rewritten to name the new patient (the values
// replaced kept in each file), then each study moved in one commit. Called by a consumer of the
// RIS's merge events, at least once and possibly late or out of order: every step can be run
// again, and each commit checks that the move is still wanted (the merge not undone since; for
// an undoing, that the study's last move was the merge it undoes).
#include <unistd.h>

#include "archive/archive.hpp"
#include "archive/ingest_rows.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"

namespace vireo::archive {

namespace {

constexpr const char* kModifyingSystem = "VIREO";

struct StudyRow {
  int64_t pk = 0;
  std::string uid;
};

Result<std::string> link_state(Connection& c, const std::string& change) {
  auto rows = c.query("SELECT state FROM patient_links WHERE change = ?", {change});
  if (!rows) return std::unexpected(rows.error());
  return rows->empty() ? std::string() : (*rows)[0].text(0);
}

// Whether the move may still happen, in its commit: a merge's while it is not undone; an
// undoing's for a study whose last move was the merge it undoes.
Result<bool> still_wanted(Connection& c, const PatientMove& m, const std::string& study_uid) {
  if (!m.study_uid.empty()) return true;  // one study's correction: wanted until done
  if (m.undoes.empty()) {
    auto state = link_state(c, m.change);
    if (!state) return std::unexpected(state.error());
    return *state == "active";
  }
  auto last = c.query(
      "SELECT change FROM patient_moves WHERE study_uid = ? ORDER BY id DESC LIMIT 1", {study_uid});
  if (!last) return std::unexpected(last.error());
  return !last->empty() && (*last)[0].text(0) == m.undoes;
}

// One study's move, once its files are rewritten: false when it is no longer wanted, or no
// longer `from`'s (moved by another delivery of the same event).
Result<bool> commit_move(Connection& c, const PatientMove& m, const StudyRow& study,
                         const std::vector<detail::Rewritten>& files,
                         const events::Outbox& outbox) {
  auto wanted = still_wanted(c, m, study.uid);
  if (!wanted) return std::unexpected(wanted.error());
  if (!*wanted) return false;
  auto owner = c.query(
      "SELECT p.id, p.patient_id, p.issuer, st.num_series FROM studies st JOIN patients p ON p.id "
      "= "
      "st.patient_fk WHERE st.id = ?",
      {study.pk});
  if (!owner) return std::unexpected(owner.error());
  if (owner->empty() || (*owner)[0].text(1) != m.from.id || (*owner)[0].text(2) != m.from.issuer)
    return false;
  const int64_t from_pk = (*owner)[0].integer(0), series = (*owner)[0].integer(3);
  auto counted = c.query(
      "SELECT COUNT(*) FROM instances i JOIN series se ON se.id = i.series_fk WHERE se.study_fk = "
      "?",
      {study.pk});
  if (!counted) return std::unexpected(counted.error());
  const int64_t instances = (*counted)[0].integer(0);
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
  if (!m.to.accession.empty())
    if (auto s = c.execute("UPDATE studies SET accession_number = ? WHERE id = ?", {m.to.accession, study.pk}); !s)
      return std::unexpected(s.error());
  for (auto [pk, sign] : {std::pair{from_pk, int64_t{-1}}, std::pair{**to_pk, int64_t{1}}})
    if (auto s = c.execute(
            "UPDATE patients SET num_studies = num_studies + ?, num_series = num_series + ?, "
            "num_instances = num_instances + ? WHERE id = ?",
            {sign, sign * series, sign * instances, pk});
        !s)
      return std::unexpected(s.error());
  // A patient left without studies is no longer one the archive knows (as when deleted).
  if (auto s = c.execute("DELETE FROM patients WHERE id = ? AND NOT EXISTS (SELECT 1 FROM studies "
                         "WHERE patient_fk = ?)",
                         {from_pk, from_pk});
      !s)
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

// The merge's link, before any study moves: made active by a merge (its demographics the present
// ones) unless its undoing came first; made undone by the undoing, which a late merge then obeys.
// Returns the time its files record (the merge's first), or nullopt when it does not go ahead.
Result<std::optional<std::string>> record_link(Connection& c, const PatientMove& m) {
  const std::string now = utc_now_iso();
  if (m.undoes.empty()) {
    if (auto s = c.execute("INSERT INTO patient_links (change, state, from_patient_id, "
                           "from_issuer, to_patient_id, "
                           "to_issuer, to_name, to_birth_date, to_sex, created_at, updated_at) "
                           "VALUES (?, 'active', ?, "
                           "?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (change) DO UPDATE SET to_name = "
                           "excluded.to_name, to_birth_date = "
                           "excluded.to_birth_date, to_sex = excluded.to_sex, updated_at = "
                           "excluded.updated_at WHERE "
                           "patient_links.state = 'active'",
                           {m.change, m.from.id, m.from.issuer, m.to.id, m.to.issuer, m.to.name,
                            m.to.birth_date, m.to.sex, now, now});
        !s)
      return std::unexpected(s.error());
    auto link = c.query("SELECT state, created_at FROM patient_links WHERE change = ?", {m.change});
    if (!link) return std::unexpected(link.error());
    if (link->empty() || (*link)[0].text(0) != "active") return std::optional<std::string>();
    return std::optional<std::string>((*link)[0].text(1));
  }
  // (the undone merge's link: from and to are the undoing's the other way round)
  if (auto s = c.execute(
          "INSERT INTO patient_links (change, state, from_patient_id, from_issuer, to_patient_id, "
          "to_issuer, to_name, to_birth_date, to_sex, created_at, updated_at) VALUES (?, 'undone', "
          "?, ?, "
          "?, ?, '', '', '', ?, ?) ON CONFLICT (change) DO UPDATE SET state = 'undone', updated_at "
          "= "
          "excluded.updated_at",
          {m.undoes, m.to.id, m.to.issuer, m.from.id, m.from.issuer, now, now});
      !s)
    return std::unexpected(s.error());
  return std::optional<std::string>(now);
}

}  // namespace

Result<MovedStudies> Archive::move_patient(const PatientMove& m) {
  // (One study's correction may keep its patient: its accession number is what changes.)
  if (m.from.id == m.to.id && m.from.issuer == m.to.issuer && m.study_uid.empty())
    return fail(ErrorCode::InvalidArgument, "a patient cannot be moved onto itself");
  auto at = m.study_uid.empty()
                ? writer_.run<std::optional<std::string>>([&](Connection& c) { return record_link(c, m); })
                : Result<std::optional<std::string>>(std::optional<std::string>(utc_now_iso()));
  if (!at) return std::unexpected(at.error());
  MovedStudies moved;
  if (!*at) return moved;  // undone before its studies moved: nothing to do, ever

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
    if (!m.study_uid.empty()) {
      sql += " AND st.study_uid = ?";
      args.emplace_back(m.study_uid);
    }
    auto rows = (*c)->query(sql + " ORDER BY st.id", std::span<const SqlValue>(args));
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) studies.push_back({r.integer(0), r.text(1)});
  }

  // Each study on its own: one that cannot move now (a damaged file, a full disk, images still
  // arriving) does not hold the others back; the first failure is answered at the end, so that
  // the delivery is tried again for what is left.
  std::optional<Error> failed;
  for (const auto& study : studies) {
    auto one = move_study(m, **at, study.pk, study.uid);
    if (!one) {
      spdlog::warn("study {} not moved yet ({}): {}", study.uid, m.change, one.error().message());
      if (!failed) failed = one.error();
    } else if (*one > 0) {
      ++moved.studies;
      moved.instances += *one;
    }
    if (m.between_studies)
      if (auto s = m.between_studies(moved); !s) return std::unexpected(s.error());
  }
  if (failed) return std::unexpected(*failed);
  return moved;
}

Result<int64_t> Archive::move_study(const PatientMove& m, const std::string& at, int64_t study_pk,
                                    const std::string& study_uid) {
  if (auto s = check_free_space(); !s)
    return std::unexpected(s.error());  // the study is written once more
  std::vector<StoredInstance> stored;
  std::vector<std::pair<int64_t, std::string>> keys;  // instance pk, blob key
  {
    auto c = readers_.acquire();
    if (!c) return std::unexpected(c.error());
    auto rows = (*c)->query(
        "SELECT i.id, i.sop_instance_uid, i.sop_class_uid, i.transfer_syntax, i.blob_key, "
        "i.sha256, i.size, se.series_uid FROM instances i JOIN series se ON se.id = i.series_fk "
        "WHERE se.study_fk = ? ORDER BY i.id",
        {study_pk});
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) {
      stored.push_back({r.text(2), r.text(1), r.text(3), r.text(4), r.text(5), r.integer(6),
                        m.from.id, study_uid, r.text(7)});
      keys.emplace_back(r.integer(0), r.text(4));
    }
  }
  if (stored.empty()) return 0;

  std::vector<detail::Rewritten> files;
  for (size_t i = 0; i < stored.size(); ++i) {
    const auto& inst = stored[i];
    auto rewritten = [&]() -> Result<detail::PreparedInstance> {
      auto path = instance_file(inst, HashCheck::EveryRead);
      if (!path) return std::unexpected(path.error());
      auto tmp = blobs_.temp_path();
      if (auto s = dicom::rewrite_patient(*path, tmp, m.to, kModifyingSystem, at); !s) {
        ::unlink(tmp.c_str());
        return std::unexpected(s.error());
      }
      StoreSource source = StoreSource::named("patient change " + m.change);
      source.expected_sop_instance_uid = inst.sop_instance_uid;
      source.expected_sop_class_uid = inst.sop_class_uid;
      source.expected_study_instance_uid = study_uid;
      return prepare(
          tmp, source, [](const std::string&, const Error&) {}, /*correct_patient=*/false);
    }();
    if (!rewritten) {
      discard(files);
      return std::unexpected(rewritten.error());
    }
    files.push_back({keys[i].first, keys[i].second, std::move(*rewritten)});
  }

  std::vector<std::string> new_keys;
  for (const auto& f : files) new_keys.push_back(f.prepared.blob.key);
  const StudyRow study{study_pk, study_uid};
  auto done = writer_.run<bool>(
      [&](Connection& c) { return commit_move(c, m, study, files, outbox_); }, std::move(new_keys));
  if (!done) {
    discard(files);
    return std::unexpected(done.error());
  }
  if (!*done) {
    discard(files);
    return 0;
  }
  for (const auto& f : files)
    if (f.old_key != f.prepared.blob.key) remove_blob(f.old_key);
  spdlog::info("study moved to another patient ({}): {} instances rewritten", m.change,
               files.size());
  return std::ssize(files);
}

// The new files of a move that did not commit here. A file an index row names stays: the commit
// may have happened after all (a connection lost at COMMIT), or another delivery of the same move
// committed the same bytes under the same key; its old file then is the one to go. When the index
// cannot be read, every file stays (an orphan for `vireo check` beats a row without its file).
void Archive::discard(const std::vector<detail::Rewritten>& files) {
  for (const auto& f : files) {
    auto now = instance(f.prepared.parsed.sop_instance_uid, Scope::everything());
    if (!now) continue;
    if (now->blob_key == f.prepared.blob.key) {
      if (f.old_key != f.prepared.blob.key) remove_blob(f.old_key);
    } else {
      remove_blob(f.prepared.blob.key);
    }
  }
}

std::optional<Archive::PatientLink> Archive::corrected_patient(const std::string& patient_id,
                                                               const std::string& issuer) {
  auto c = readers_.acquire();
  if (!c) return std::nullopt;  // (the caller stores the file as it came: the check reports it)
  auto rows = (*c)->query(
      "SELECT to_patient_id, to_issuer, to_name, to_birth_date, to_sex, change, created_at FROM "
      "patient_links WHERE "
      "from_patient_id = ? AND from_issuer = ? AND state = 'active' ORDER BY updated_at DESC "
      "LIMIT 1",
      {patient_id, issuer});
  if (!rows || rows->empty()) return std::nullopt;
  const Row& r = (*rows)[0];
  return PatientLink{r.text(5), {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), ""}, r.text(6)};
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
