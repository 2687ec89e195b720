#include "ris/patient_merge.hpp"

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "ris/field_checks.hpp"
#include "ris/patient_rows.hpp"
#include "ris/schema.hpp"

namespace vireo::ris {

namespace {

constexpr const char* kMergeColumns =
    "id, source_id, target_id, reason, status, version, merged_at, merged_by, undone_at, "
    "undone_by, undo_reason, (SELECT COUNT(*) FROM ris_patient_merge_moves mv WHERE mv.merge_id "
    "= m.id AND mv.kind = 'order'), (SELECT COUNT(*) FROM ris_patient_merge_moves mv WHERE "
    "mv.merge_id = m.id AND mv.kind = 'request')";

PatientMerge merge_of(const Row& r) {
  return {r.integer(0),  r.integer(1),  r.integer(2), r.text(3), r.text(4),
          r.integer(11), r.integer(12), r.integer(5), r.text(6), r.text(7),
          r.text(8),     r.text(9),     r.text(10)};
}

Result<std::vector<PatientMerge>> merges_of(Result<std::vector<Row>> rows) {
  if (!rows) return std::unexpected(rows.error());
  std::vector<PatientMerge> out;
  for (const auto& r : *rows) out.push_back(merge_of(r));
  return out;
}

Result<PatientMerge> read_merge(Connection& c, int64_t id) {
  auto rows = merges_of(c.query(
      std::string("SELECT ") + kMergeColumns + " FROM ris_patient_merges m WHERE id = ?", {id}));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::NotFound, "no merge " + std::to_string(id));
  return std::move(rows->front());
}

Status publish(Connection& c, const events::Outbox& outbox, const char* topic,
               const PatientMerge& m) {
  const std::string source = std::to_string(m.source_id), target = std::to_string(m.target_id);
  if (auto s = outbox.enqueue(
          c, {topic, {{"merge", std::to_string(m.id)}, {"source", source}, {"target", target}}});
      !s)
    return s;
  // The open screens of either patient show the change at once.
  for (const auto& id : {source, target})
    if (auto s = outbox.enqueue(c, {"ris.patient.updated", {{"patient", id}}}); !s) return s;
  return {};
}

// Moves every `kind` row (table `table`) of patient `from` to `to`, and records each with its
// version once moved.
Status move_rows(Connection& c, const char* table, const char* kind, int64_t merge_id, int64_t from,
                 int64_t to, const std::string& now, const std::string& actor) {
  auto rows =
      c.query(std::string("SELECT id, version FROM ") + table + " WHERE patient_id = ?", {from});
  if (!rows) return std::unexpected(rows.error());
  for (const auto& r : *rows) {
    if (auto s = c.execute(std::string("UPDATE ") + table +
                               " SET patient_id = ?, version = version + 1, updated_at = ?, "
                               "updated_by = ? WHERE id = ?",
                           {to, now, actor, r.integer(0)});
        !s)
      return s;
    if (auto s = c.execute(
            "INSERT INTO ris_patient_merge_moves (merge_id, kind, item_id, item_version) VALUES "
            "(?, ?, ?, ?)",
            {merge_id, std::string(kind), r.integer(0), r.integer(1) + 1});
        !s)
      return s;
  }
  return {};
}

// Gives back what merge `merge_id` moved: its orders, and the requests for them (whenever they
// were asked for), unless one of its orders changed since (booked, performed, cancelled): then
// whose it is can no longer be told here, and the conflict names it.
Result<std::optional<Conflict>> give_back(Connection& c, const PatientMerge& m,
                                          const std::string& now, const std::string& actor) {
  auto orders = c.query(
      "SELECT o.id, o.version, mv.item_version, o.accession_number, o.patient_id FROM "
      "ris_patient_merge_moves mv JOIN ris_orders o ON o.id = mv.item_id WHERE mv.merge_id = ? "
      "AND mv.kind = 'order' ORDER BY o.id",
      {m.id});
  if (!orders) return std::unexpected(orders.error());
  for (const auto& o : *orders)
    if (o.integer(4) != m.target_id || o.integer(1) != o.integer(2))
      return std::optional<Conflict>(
          Conflict{"merge_used",
                   "Order " + o.text(3) +
                       " changed since the merge (booked, performed or cancelled): whose it is "
                       "cannot be told by undoing; correct it by hand first",
                   0});
  for (const auto& o : *orders) {
    if (auto s = c.execute(
            "UPDATE ris_orders SET patient_id = ?, version = version + 1, updated_at = ?, "
            "updated_by = ? WHERE id = ?",
            {m.source_id, now, actor, o.integer(0)});
        !s)
      return std::unexpected(s.error());
    if (auto s =
            c.execute("UPDATE ris_appointment_requests SET patient_id = ?, version = version + 1, "
                      "updated_at = ?, updated_by = ? WHERE order_id = ? AND patient_id = ?",
                      {m.source_id, now, actor, o.integer(0), m.target_id});
        !s)
      return std::unexpected(s.error());
  }
  return std::optional<Conflict>();
}

// The duplicate's allergies must not be lost with it: the patient kept gets its contrast
// allergy and its allergy text. What was added is recorded with the merge, for its undoing.
Status carry_allergies(Connection& c, int64_t merge_id, const Patient& source,
                       const Patient& target, const std::string& now, const std::string& actor) {
  const std::string text(trim(source.allergies));
  const bool add_text = !text.empty() && target.allergies.find(text) == std::string::npos;
  const bool add_flag = source.contrast_allergy && !target.contrast_allergy;
  if (!add_text && !add_flag) return {};
  const std::string line = add_text ? text + " (MRN " + source.mrn + ")" : "";
  std::string allergies = target.allergies;
  if (add_text) allergies += (allergies.empty() ? "" : "\n") + line;
  if (auto s = c.execute(
          "UPDATE ris_patient_merges SET carried_allergies = ?, carried_contrast = ? WHERE id = ?",
          {line, int64_t{add_flag}, merge_id});
      !s)
    return s;
  return c.execute(
      "UPDATE ris_patients SET allergies = ?, contrast_allergy = ?, version = version + 1, "
      "updated_at = ?, updated_by = ? WHERE id = ?",
      {allergies, int64_t{source.contrast_allergy || target.contrast_allergy}, now, actor,
       target.id});
}

// An undoing takes back what the merge added to the kept patient's allergies (they were the
// other person's), where it is still there as added.
Status take_back_allergies(Connection& c, int64_t merge_id, const Patient& target,
                           const std::string& now, const std::string& actor) {
  auto carried =
      c.query("SELECT carried_allergies, carried_contrast FROM ris_patient_merges WHERE id = ?",
              {merge_id});
  if (!carried) return std::unexpected(carried.error());
  if (carried->empty()) return {};
  const std::string line = (*carried)[0].text(0);
  const bool flag = (*carried)[0].integer(1) != 0;
  std::string allergies = target.allergies;
  if (!line.empty()) {
    if (auto at = allergies.find(line); at != std::string::npos) {
      allergies.erase(at, line.size());
      while (!allergies.empty() && allergies.back() == '\n') allergies.pop_back();
      if (allergies.starts_with('\n')) allergies.erase(0, 1);
    }
  }
  if (allergies == target.allergies && !flag) return {};
  return c.execute(
      "UPDATE ris_patients SET allergies = ?, contrast_allergy = ?, version = version + 1, "
      "updated_at = ?, updated_by = ? WHERE id = ?",
      {allergies, int64_t{target.contrast_allergy && !flag}, now, actor, target.id});
}

std::optional<Conflict> stale(const Patient& p, int64_t seen, const char* which) {
  if (p.version == seen) return std::nullopt;
  return Conflict{"stale",
                  std::string("The ") + which +
                      " patient was changed by someone else since it was opened; look again",
                  0};
}

}  // namespace

std::string merge_change(int64_t merge_id) { return "ris-merge:" + std::to_string(merge_id); }
std::string unmerge_change(int64_t merge_id) { return "ris-unmerge:" + std::to_string(merge_id); }

Result<std::unique_ptr<Merges>> Merges::open(Database& db, WriteQueue& writes,
                                             const events::Outbox& outbox,
                                             const MigrationProgress& progress) {
  if (auto s = migrate(db, "ris", migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<Merges>(new Merges(db, writes, outbox));
}

Result<MergeOutcome> Merges::merge(const MergeRequest& m, const access::Principal& actor) {
  if (!actor.may("ris.patients.merge"))
    return fail(ErrorCode::Forbidden, "Your role does not merge patients");
  MergeOutcome out;
  checks::Checker check;
  if (m.reason.empty())
    check.add("reason", "required", "Say why these are the same person");
  else
    check.text("reason", "The reason", m.reason, 500, true);
  if (m.source_id == m.target_id)
    check.add("targetId", "self", "A patient cannot be merged into itself");
  out.invalid = std::move(check.errors);
  if (!out.invalid.empty()) return out;
  return writes_.run<MergeOutcome>([&](Connection& c) -> Result<MergeOutcome> {
    auto source = read_patient(c, m.source_id);
    if (!source) return std::unexpected(source.error());
    auto target = read_patient(c, m.target_id);
    if (!target) return std::unexpected(target.error());
    if (source->merged_into != 0)
      out.invalid.push_back(
          {"sourceId", "merged",
           "This patient was already merged into patient " + std::to_string(source->merged_into)});
    if (target->merged_into != 0)
      out.invalid.push_back({"targetId", "merged",
                             "That patient was merged into patient " +
                                 std::to_string(target->merged_into) + ": merge into that one"});
    if (!out.invalid.empty()) return out;
    if ((out.conflict = stale(*source, m.source_version, "first"))) return out;
    if ((out.conflict = stale(*target, m.target_version, "second"))) return out;

    const std::string now = utc_now_iso();
    auto id = c.query(
        "INSERT INTO ris_patient_merges (source_id, target_id, reason, status, version, "
        "merged_at, merged_by, undone_at, undone_by, undo_reason, carried_allergies, "
        "carried_contrast) VALUES (?, ?, ?, 'merged', 1, ?, ?, '', '', '', '', 0) RETURNING id",
        {m.source_id, m.target_id, m.reason, now, actor.username});
    if (!id) return std::unexpected(id.error());
    const int64_t merge_id = (*id)[0].integer(0);
    for (auto [table, kind] :
         {std::pair{"ris_orders", "order"}, std::pair{"ris_appointment_requests", "request"}})
      if (auto s =
              move_rows(c, table, kind, merge_id, m.source_id, m.target_id, now, actor.username);
          !s)
        return std::unexpected(s.error());
    if (auto s = c.execute(
            "UPDATE ris_patients SET merged_into = ?, version = version + 1, updated_at = ?, "
            "updated_by = ? WHERE id = ?",
            {m.target_id, now, actor.username, m.source_id});
        !s)
      return std::unexpected(s.error());
    if (auto s = carry_allergies(c, merge_id, *source, *target, now, actor.username); !s)
      return std::unexpected(s.error());
    auto saved = read_merge(c, merge_id);
    if (!saved) return std::unexpected(saved.error());
    if (auto s = publish(c, outbox_, kPatientMerged, *saved); !s) return std::unexpected(s.error());
    out.value = std::move(*saved);
    return out;
  });
}

Result<MergeOutcome> Merges::undo(int64_t merge_id, int64_t seen_version, const std::string& reason,
                                  const access::Principal& actor) {
  if (!actor.may("ris.patients.unmerge"))
    return fail(ErrorCode::Forbidden, "Only an administrator undoes a merge");
  MergeOutcome out;
  checks::Checker check;
  if (reason.empty())
    check.add("reason", "required", "Say why the merge was wrong");
  else
    check.text("reason", "The reason", reason, 500, true);
  out.invalid = std::move(check.errors);
  if (!out.invalid.empty()) return out;
  return writes_.run<MergeOutcome>([&](Connection& c) -> Result<MergeOutcome> {
    auto merge = read_merge(c, merge_id);
    if (!merge) return std::unexpected(merge.error());
    if (merge->status != "merged") {
      out.conflict = Conflict{"merge_state", "This merge was already undone", 0};
      return out;
    }
    if (merge->version != seen_version) {
      out.conflict = Conflict{"stale", "The merge changed since it was opened; look again", 0};
      return out;
    }
    auto target = read_patient(c, merge->target_id);
    if (!target) return std::unexpected(target.error());
    if (target->merged_into != 0) {
      out.conflict =
          Conflict{"merged_later",
                   "The patient kept was itself merged into patient " +
                       std::to_string(target->merged_into) + " since: undo that merge first",
                   0};
      return out;
    }
    const std::string now = utc_now_iso();
    auto used = give_back(c, *merge, now, actor.username);
    if (!used) return std::unexpected(used.error());
    if (*used) {
      out.conflict = std::move(*used);
      return out;
    }
    if (auto s = take_back_allergies(c, merge_id, *target, now, actor.username); !s)
      return std::unexpected(s.error());
    if (auto s = c.execute(
            "UPDATE ris_patients SET merged_into = 0, version = version + 1, updated_at = ?, "
            "updated_by = ? WHERE id = ?",
            {now, actor.username, merge->source_id});
        !s)
      return std::unexpected(s.error());
    if (auto s = c.execute(
            "UPDATE ris_patient_merges SET status = 'undone', version = version + 1, undone_at = "
            "?, undone_by = ?, undo_reason = ? WHERE id = ?",
            {now, actor.username, reason, merge_id});
        !s)
      return std::unexpected(s.error());
    auto saved = read_merge(c, merge_id);
    if (!saved) return std::unexpected(saved.error());
    if (auto s = publish(c, outbox_, kPatientUnmerged, *saved); !s)
      return std::unexpected(s.error());
    out.value = std::move(*saved);
    return out;
  });
}

Result<std::optional<PatientMerge>> Merges::get(int64_t merge_id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto m = read_merge(**c, merge_id);
  if (!m && m.error().code == ErrorCode::NotFound) return std::optional<PatientMerge>();
  if (!m) return std::unexpected(m.error());
  return std::optional<PatientMerge>(std::move(*m));
}

Result<std::vector<PatientMerge>> Merges::of_patient(int64_t patient_id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return merges_of((*c)->query(std::string("SELECT ") + kMergeColumns +
                                   " FROM ris_patient_merges m WHERE source_id = ? OR target_id = "
                                   "? ORDER BY id DESC LIMIT 100",
                               {patient_id, patient_id}));
}

}  // namespace vireo::ris
