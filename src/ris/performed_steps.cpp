#include "ris/performed_steps.hpp"

#include <algorithm>
#include <charconv>
#include <variant>

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "ris/appointment_rows.hpp"
#include "ris/exam_steps.hpp"
#include "ris/schema.hpp"
#include "ris/schedule.hpp"
#include "ris/worklist.hpp"

namespace vireo::ris {

namespace {

using Refusal = PerformedOutcome::Refusal;

PerformedOutcome refused(Refusal r, std::string why) {
  PerformedOutcome out;
  out.refusal = r;
  out.why = std::move(why);
  return out;
}

// One series a line, its fields apart by tabs (which the texts lose).
std::string series_text(const std::vector<PerformedSeries>& series) {
  auto clean = [](std::string s) {
    std::ranges::replace_if(s, [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
    return s;
  };
  std::string out;
  for (const auto& s : series)
    out += clean(s.series_uid) + "\t" + clean(s.modality) + "\t" + clean(s.description) + "\t" +
           std::to_string(s.images) + "\n";
  return out;
}

std::vector<PerformedSeries> series_of(const std::string& text) {
  std::vector<PerformedSeries> out;
  for (const auto& line : split(text, '\n')) {
    auto f = split(line, '\t');
    if (f.size() != 4) continue;
    PerformedSeries s{std::string(f[0]), std::string(f[1]), std::string(f[2]), 0};
    std::from_chars(f[3].data(), f[3].data() + f[3].size(), s.images);
    out.push_back(std::move(s));
  }
  return out;
}

void describe(PerformedOutcome& out, const AppointmentView& v, const std::string& study_uid) {
  out.order_id = v.appointment.order_id;
  out.patient_id = v.mrn;
  out.accession_number = v.accession_number;
  out.study_instance_uid = study_uid;
}

// The scheduled step the report names, or why none: by step id (the appointment), else by
// accession number, else by Study Instance UID; only a step still to be done (booked, arrived).
Result<std::variant<AppointmentView, PerformedOutcome>> named_step(Connection& c, const PerformedReport& r) {
  using Found = std::variant<AppointmentView, PerformedOutcome>;
  std::vector<AppointmentView> found;
  if (!r.step_id.empty()) {
    int64_t id = 0;
    auto [end, ec] = std::from_chars(r.step_id.data(), r.step_id.data() + r.step_id.size(), id);
    if (ec != std::errc() || end != r.step_id.data() + r.step_id.size())
      return Found(refused(Refusal::InvalidValue, "Scheduled Procedure Step ID " + log_safe(r.step_id) +
                                                      " is not one this worklist gave"));
    auto v = rows::views_where(c, "WHERE a.id = ?", {id});
    if (!v) return std::unexpected(v.error());
    found = std::move(*v);
  } else if (!r.accession_number.empty()) {
    auto v = rows::views_where(
        c, "WHERE o.accession_number = ? AND a.status IN ('booked', 'arrived') ORDER BY a.id DESC",
        {r.accession_number});
    if (!v) return std::unexpected(v.error());
    found = std::move(*v);
  } else if (!r.study_instance_uid.empty()) {
    auto v = rows::views_where(
        c, "WHERE o.study_uid = ? AND a.status IN ('booked', 'arrived') ORDER BY a.id DESC",
        {r.study_instance_uid});
    if (!v) return std::unexpected(v.error());
    found = std::move(*v);
  } else {
    return Found(refused(Refusal::InvalidValue,
                         "the step names no scheduled step (Scheduled Step Attributes Sequence)"));
  }
  if (found.empty() || (found[0].appointment.status != "booked" && found[0].appointment.status != "arrived"))
    return Found(refused(Refusal::InvalidValue, "no scheduled step of the worklist matches"));
  AppointmentView& v = found[0];
  if (!r.accession_number.empty() && r.accession_number != v.accession_number)
    return Found(refused(Refusal::InvalidValue, "the accession number is not the scheduled step's"));
  if (!r.patient_id.empty() && r.patient_id != v.mrn)
    return Found(refused(Refusal::InvalidValue, "the patient is not the scheduled step's"));
  return Found(std::move(v));
}

Result<std::string> study_uid_of(Connection& c, int64_t order_id) {
  auto rows = c.query("SELECT study_uid FROM ris_orders WHERE id = ?", {order_id});
  if (!rows) return std::unexpected(rows.error());
  return rows->empty() ? std::string() : (*rows)[0].text(0);
}

}  // namespace

Result<std::unique_ptr<PerformedSteps>> PerformedSteps::open(Database& db, WriteQueue& writes,
                                                             const events::Outbox& outbox, TimeZone zone,
                                                             const Clock& clock, const MigrationProgress& progress) {
  if (auto s = migrate(db, "ris", migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<PerformedSteps>(new PerformedSteps(db, writes, outbox, std::move(zone), clock));
}

Result<PerformedOutcome> PerformedSteps::create(const std::string& uid, const PerformedReport& r,
                                                const std::string& actor) {
  if (r.status != "IN PROGRESS")
    return refused(Refusal::InvalidValue, "a performed procedure step begins IN PROGRESS");
  if (!is_valid_uid(uid)) return refused(Refusal::InvalidValue, "the SOP Instance UID is not a UID");
  return writes_.run<PerformedOutcome>([&](Connection& c) -> Result<PerformedOutcome> {
    auto exists = c.query("SELECT 1 FROM ris_performed_steps WHERE uid = ?", {uid});
    if (!exists) return std::unexpected(exists.error());
    if (!exists->empty()) return refused(Refusal::Duplicate, "a performed procedure step has this UID");
    auto named = named_step(c, r);
    if (!named) return std::unexpected(named.error());
    if (auto* no = std::get_if<PerformedOutcome>(&*named)) return *no;
    AppointmentView v = std::get<AppointmentView>(std::move(*named));
    if (auto day = booked_for_another_day(v, zone_, Instant{std::chrono::seconds(clock_.unix_seconds())}))
      return refused(Refusal::WrongMoment, "the step is booked for " + *day + ", not today");
    const std::string by = "dicom:" + actor;
    if (v.order_status == "scheduled" && v.appointment.status == "booked") {
      // Begun at the scanner before anyone checked the patient in: they are here.
      auto arrived = mark_arrived(c, outbox_, v, by);
      if (!arrived) return std::unexpected(arrived.error());
      v = std::move(*arrived);
    }
    if (v.order_status == "arrived") {
      if (auto s = advance_exam(c, outbox_, v, "in_progress", kExamStarted, by); !s)
        return std::unexpected(s.error());
    } else if (v.order_status != "in_progress") {
      return refused(Refusal::WrongMoment, "the order is " + v.order_status);
    }
    const std::string now = utc_now_iso();
    if (auto s = c.execute(
            "INSERT INTO ris_performed_steps (uid, order_id, appointment_id, status, station_aet, "
            "series, discontinued_reason, version, created_at, updated_at) VALUES (?, ?, ?, 'IN "
            "PROGRESS', ?, ?, '', 1, ?, ?)",
            {uid, v.appointment.order_id, v.appointment.id, r.station_aet, series_text(r.series), now, now});
        !s)
      return std::unexpected(s.error());
    PerformedOutcome out;
    auto study = study_uid_of(c, v.appointment.order_id);
    if (!study) return std::unexpected(study.error());
    describe(out, v, *study);
    out.status = "IN PROGRESS";
    return out;
  });
}

Result<PerformedOutcome> PerformedSteps::update(const std::string& uid, const PerformedReport& r,
                                                const std::string& actor) {
  if (!r.status.empty() && std::ranges::find(kPerformedStates, r.status) == std::end(kPerformedStates))
    return refused(Refusal::InvalidValue, "Performed Procedure Step Status is IN PROGRESS, COMPLETED or DISCONTINUED");
  return writes_.run<PerformedOutcome>([&](Connection& c) -> Result<PerformedOutcome> {
    auto rows = c.query("SELECT order_id, appointment_id, status FROM ris_performed_steps WHERE uid = ?", {uid});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return refused(Refusal::NoSuchStep, "no performed procedure step has this UID");
    const int64_t appointment_id = (*rows)[0].integer(1);
    const std::string was = (*rows)[0].text(2);
    if (was != "IN PROGRESS")
      return refused(Refusal::NoLongerUpdatable, "the performed procedure step is " + was + " and may no longer be updated");
    auto current = rows::read_view(c, appointment_id);
    if (!current) return std::unexpected(current.error());
    if (!*current) return fail(ErrorCode::Internal, "the performed step's appointment is not there");
    const AppointmentView& v = **current;
    const std::string status = r.status.empty() ? was : r.status;
    const std::string by = "dicom:" + actor;
    // The order moves only from where the scanner left it; changed meanwhile by staff (acquired
    // by a click, cancelled), the report is recorded and the order left as they made it.
    if (v.order_status == "in_progress" && status == "COMPLETED") {
      if (auto s = advance_exam(c, outbox_, v, "acquired", kExamAcquired, by); !s)
        return std::unexpected(s.error());
    } else if (v.order_status == "in_progress" && status == "DISCONTINUED") {
      const std::string why = "Discontinued at the scanner" +
                              (r.discontinued_reason.empty() ? std::string() : ": " + r.discontinued_reason);
      if (auto s = discontinue_exam(c, outbox_, v, why, by); !s) return std::unexpected(s.error());
    }
    std::string sql = "UPDATE ris_performed_steps SET status = ?, discontinued_reason = ?, updated_at = ?, "
                      "version = version + 1";
    std::vector<SqlValue> args{status, r.discontinued_reason, utc_now_iso()};
    if (r.series_given) {
      // An N-SET need not repeat the modality the step began with: the room's.
      auto room = c.query("SELECT modality FROM ris_rooms WHERE id = ?", {v.appointment.room_id});
      if (!room) return std::unexpected(room.error());
      std::vector<PerformedSeries> series = r.series;
      for (auto& one : series)
        if (one.modality.empty() && !room->empty()) one.modality = (*room)[0].text(0);
      sql += ", series = ?";
      args.emplace_back(series_text(series));
    }
    sql += " WHERE uid = ?";
    args.emplace_back(uid);
    if (auto s = c.execute(sql, std::span<const SqlValue>(args)); !s) return std::unexpected(s.error());
    PerformedOutcome out;
    auto study = study_uid_of(c, v.appointment.order_id);
    if (!study) return std::unexpected(study.error());
    describe(out, v, *study);
    out.status = status;
    return out;
  });
}

Result<std::vector<PerformedStep>> PerformedSteps::of_order(int64_t order_id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query(
      "SELECT uid, status, station_aet, discontinued_reason, created_at, updated_at, order_id, "
      "appointment_id, series FROM ris_performed_steps WHERE order_id = ? ORDER BY created_at, uid",
      {order_id});
  if (!rows) return std::unexpected(rows.error());
  std::vector<PerformedStep> out;
  for (const auto& r : *rows)
    out.push_back({r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.integer(6), r.integer(7),
                   series_of(r.text(8))});
  return out;
}

}  // namespace vireo::ris
