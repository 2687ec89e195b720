#include "ris/worklist.hpp"

#include <algorithm>
#include <iterator>

#include "ris/appointment_rows.hpp"
#include "ris/catalogue_store.hpp"
#include "ris/exam_steps.hpp"
#include "ris/order.hpp"
#include "ris/schedule.hpp"
#include "ris/schema.hpp"

namespace vireo::ris {

namespace {

using std::chrono::days;

// Where an exam of the day is: expected until checked in, missed, or its order's step (a
// missed appointment of an order booked again is missed, whatever the order is now).
constexpr const char* kStep =
    "CASE WHEN a.status = 'booked' THEN 'scheduled' WHEN a.status = 'no_show' THEN 'no_show' "
    "ELSE o.status END";
constexpr const char* kPerform = "ris.exam.perform";
constexpr const char* kAssign = "ris.reading.assign";
constexpr const char* kAssignmentSetting = "reading_assignment";
constexpr const char* kRoundRobinSetting = "round_robin_last";

template <class List>
bool one_of(const List& list, const std::string& value) {
  return std::ranges::find(list, value) != std::end(list);
}

Result<std::string> setting(Connection& c, const char* name, std::string* updated_at = nullptr,
                            std::string* updated_by = nullptr) {
  auto rows = c.query("SELECT value, updated_at, updated_by FROM ris_settings WHERE name = ?",
                      {std::string(name)});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::string();
  if (updated_at) *updated_at = (*rows)[0].text(1);
  if (updated_by) *updated_by = (*rows)[0].text(2);
  return (*rows)[0].text(0);
}

Status put_setting(Connection& c, const char* name, const std::string& value,
                   const std::string& actor) {
  if (auto s = c.execute("DELETE FROM ris_settings WHERE name = ?", {std::string(name)}); !s)
    return s;
  return c.execute(
      "INSERT INTO ris_settings (name, value, updated_at, updated_by) VALUES (?, ?, ?, ?)",
      {std::string(name), value, utc_now_iso(), actor});
}

// The radiologist the clinic's rule gives an acquired exam, or 0 (manual, or none active).
// Least loaded: the fewest exams waiting for their report. Round-robin: the one after the last
// given, by id, remembered in the settings (one write job at a time, on every node).
Result<int64_t> reader_by_rule(Connection& c, const std::string& rule) {
  if (rule != "round_robin" && rule != "least_loaded") return int64_t{0};
  auto staff = rows::staff(c);
  if (!staff) return std::unexpected(staff.error());
  std::vector<int64_t> radiologists;
  for (const auto& m : *staff)
    if (m.radiologist) radiologists.push_back(m.id);
  if (radiologists.empty()) return int64_t{0};
  std::ranges::sort(radiologists);
  if (rule == "round_robin") {
    auto last = setting(c, kRoundRobinSetting);
    if (!last) return std::unexpected(last.error());
    const int64_t after = last->empty() ? 0 : std::stoll(*last);
    auto next = std::ranges::upper_bound(radiologists, after);
    const int64_t chosen = next == radiologists.end() ? radiologists.front() : *next;
    if (auto s = put_setting(c, kRoundRobinSetting, std::to_string(chosen), "system"); !s)
      return std::unexpected(s.error());
    return chosen;
  }
  int64_t best = 0, best_load = 0;
  for (int64_t id : radiologists) {
    auto n = c.query(
        "SELECT COUNT(*) FROM ris_orders WHERE reader_id = ? AND status IN ('acquired', "
        "'in_reading', 'preliminary')",
        {id});
    if (!n) return std::unexpected(n.error());
    const int64_t load = (*n)[0].integer(0);
    if (best == 0 || load < best_load) best = id, best_load = load;
  }
  return best;
}

Status set_reader(Connection& c, int64_t order_id, int64_t reader_id, const std::string& actor) {
  return c.execute(
      "UPDATE ris_orders SET reader_id = ?, reader_assigned_at = ?, updated_at = ?, updated_by = "
      "?, version = version + 1 WHERE id = ?",
      {reader_id, reader_id ? utc_now_iso() : std::string(), utc_now_iso(), actor, order_id});
}

// The appointment's version moves with every step, so that a worklist row seen before any of
// them is stale.
Status touch(Connection& c, int64_t id, const std::string& actor) {
  return c.execute(
      "UPDATE ris_appointments SET updated_at = ?, updated_by = ?, version = version + 1 WHERE "
      "id = ?",
      {utc_now_iso(), actor, id});
}

std::string waiting_for(const std::string& order_status) {
  if (order_status == "scheduled") return "The patient has not been checked in yet";
  if (order_status == "arrived") return "The exam has not been started yet";
  if (order_status == "in_progress") return "The exam is in progress already";
  return "The exam is " + order_status + " already";
}

}  // namespace

Result<std::unique_ptr<Exams>> Exams::open(Database& db, WriteQueue& writes,
                                           const events::Outbox& outbox, TimeZone zone,
                                           const Clock& clock, const MigrationProgress& progress) {
  if (auto s = migrate(db, "ris", migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<Exams>(new Exams(db, writes, outbox, std::move(zone), clock));
}

namespace {

// The claims, cancellation requests and scanner reports of `items`, in two queries.
Result<std::map<int64_t, ExamActivity>> activity_of(Connection& c, const std::vector<AppointmentView>& items) {
  std::map<int64_t, ExamActivity> out;
  if (items.empty()) return out;
  std::string in;
  std::vector<SqlValue> ids;
  for (const auto& v : items) {
    in += ids.empty() ? "?" : ", ?";
    ids.emplace_back(v.appointment.id);
  }
  auto claims = c.query("SELECT appointment_id, performer, claimed_at, cancel_requested_by, cancel_reason, "
                        "cancel_requested_at FROM ris_workitems WHERE appointment_id IN (" + in + ")",
                        std::span<const SqlValue>(ids));
  if (!claims) return std::unexpected(claims.error());
  for (const auto& r : *claims) {
    ExamActivity& a = out[r.integer(0)];
    a.claimed_by = r.text(1);
    a.claimed_at = r.text(2);
    a.cancel_requested_by = r.text(3);
    a.cancel_reason = r.text(4);
    a.cancel_requested_at = r.text(5);
  }
  auto reports = c.query("SELECT appointment_id, station_aet, status FROM ris_performed_steps WHERE appointment_id "
                         "IN (" + in + ") ORDER BY created_at, uid",
                         std::span<const SqlValue>(ids));
  if (!reports) return std::unexpected(reports.error());
  for (const auto& r : *reports) {
    ExamActivity& a = out[r.integer(0)];
    a.reported_by = r.text(1);
    a.reported_status = r.text(2);
  }
  return out;
}

}  // namespace

Result<Checked<WorklistDay>> Exams::worklist(const WorklistQuery& q) {
  Checked<WorklistDay> out;
  const std::string day =
      q.day.empty() ? zone_.local_of(Instant{std::chrono::seconds(clock_.unix_seconds())}).day
                    : q.day;
  auto first = parse_day(day);
  if (!first) out.invalid.push_back({"day", "format", "The day is a date YYYY-MM-DD"});
  if (!q.status.empty() && q.status != "scheduled" && !one_of(kOrderStates, q.status))
    out.invalid.push_back({"status", "unknown", "Not a status of an exam"});
  if (!q.priority.empty() && !one_of(kPriorities, q.priority))
    out.invalid.push_back({"priority", "unknown", "The priority is routine, urgent or stat"});
  if (!out.invalid.empty()) return out;
  out.value.day = day;
  std::vector<SqlValue> args{instant_text(zone_.utc_at_or_after(day, 0)),
                             instant_text(zone_.utc_at_or_after(day_text(*first + days(1)), 0))};
  std::string where =
      "WHERE a.status IN ('booked', 'arrived', 'no_show') AND a.starts_at >= ? AND a.starts_at "
      "< ?";
  auto filter = [&](const std::string& condition, SqlValue v) {
    where += condition;
    args.push_back(std::move(v));
  };
  if (q.room_id != 0) filter(" AND a.room_id = ?", q.room_id);
  if (!q.modality.empty())
    filter(" AND a.room_id IN (SELECT id FROM ris_rooms WHERE modality = ?)", q.modality);
  if (!q.status.empty()) filter(std::string(" AND ") + kStep + " = ?", q.status);
  if (!q.priority.empty()) filter(" AND o.priority = ?", q.priority);
  where += std::string(" ORDER BY CASE WHEN ") + kStep +
           " IN ('scheduled', 'arrived', 'in_progress') THEN 0 ELSE 1 END, CASE o.priority WHEN "
           "'stat' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END, a.starts_at, a.id";
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto items = rows::views_where(**c, where, std::move(args));
  if (!items) return std::unexpected(items.error());
  out.value.items = std::move(*items);
  auto activity = activity_of(**c, out.value.items);
  if (!activity) return std::unexpected(activity.error());
  out.value.activity = std::move(*activity);
  return out;
}

Result<Booked> Exams::start(int64_t id, int64_t seen_version, const access::Principal& actor) {
  return step(id, seen_version, actor, "arrived", "in_progress", kExamStarted);
}

Result<Booked> Exams::acquired(int64_t id, int64_t seen_version, const access::Principal& actor) {
  return step(id, seen_version, actor, "in_progress", "acquired", kExamAcquired);
}

Result<Booked> Exams::step(int64_t id, int64_t seen_version, const access::Principal& actor,
                           const char* from, const char* to, const char* topic) {
  if (!actor.may(kPerform))
    return fail(ErrorCode::Forbidden, "Only a technician or a radiologist performs an exam");
  return writes_.run<Booked>([&](Connection& c) -> Result<Booked> {
    Booked out;
    auto current = rows::read_view(c, id);
    if (!current) return std::unexpected(current.error());
    if (!*current) return fail(ErrorCode::NotFound, "no such appointment");
    const AppointmentView& v = **current;
    if (v.appointment.version != seen_version) {
      out.conflict =
          Conflict{"stale", "Someone else changed this exam since it was shown; reload it", id};
      return out;
    }
    if (v.appointment.status != "arrived" || v.order_status != from) {
      out.conflict = Conflict{
          "exam_state",
          v.appointment.status == "booked" ? waiting_for("scheduled") : waiting_for(v.order_status),
          id};
      return out;
    }
    auto saved = advance_exam(c, outbox_, v, to, topic, actor.username);
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(*saved);
    return out;
  });
}

Result<AppointmentView> mark_arrived(Connection& c, const events::Outbox& outbox, const AppointmentView& v,
                                     const std::string& actor) {
  const std::string now = utc_now_iso();
  if (auto s = c.execute("UPDATE ris_appointments SET status = 'arrived', arrived_at = ?, updated_at = ?, "
                         "updated_by = ?, version = version + 1 WHERE id = ?",
                         {now, now, actor, v.appointment.id});
      !s)
    return std::unexpected(s.error());
  if (auto s = rows::set_order_status(c, v.appointment.order_id, "arrived", actor); !s)
    return std::unexpected(s.error());
  auto arrived = rows::read_view(c, v.appointment.id);
  if (!arrived) return std::unexpected(arrived.error());
  if (!*arrived) return fail(ErrorCode::Internal, "the appointment just written is not there");
  if (auto s = outbox.enqueue(c, rows::appointment_event(kPatientArrived, **arrived)); !s)
    return std::unexpected(s.error());
  return std::move(**arrived);
}

std::optional<std::string> booked_for_another_day(const AppointmentView& v, const TimeZone& zone, Instant now) {
  const Instant start = parse_instant(v.appointment.starts_at).value_or(Instant{});
  const std::string day = zone.local_of(start).day;
  if (day == zone.local_of(now).day) return std::nullopt;
  return day;
}

Result<AppointmentView> discontinue_exam(Connection& c, const events::Outbox& outbox, const AppointmentView& v,
                                         const std::string& why, const std::string& actor) {
  const int64_t id = v.appointment.id;
  if (auto s = c.execute("UPDATE ris_appointments SET status = 'cancelled', cancel_reason = ?, "
                         "updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ?",
                         {why.substr(0, 500), utc_now_iso(), actor, id});
      !s)
    return std::unexpected(s.error());
  if (auto s = rows::set_order_status(c, v.appointment.order_id, "requested", actor); !s)
    return std::unexpected(s.error());
  if (auto s = rows::reopen_requests(c, id, actor, outbox); !s) return std::unexpected(s.error());
  auto saved = rows::read_view(c, id);
  if (!saved) return std::unexpected(saved.error());
  if (!*saved) return fail(ErrorCode::Internal, "the appointment just written is not there");
  if (auto s = outbox.enqueue(c, rows::appointment_event(kExamDiscontinued, **saved)); !s)
    return std::unexpected(s.error());
  return std::move(**saved);
}

Result<Appointment> advance_exam(Connection& c, const events::Outbox& outbox, const AppointmentView& v,
                                 const char* to, const char* topic, const std::string& actor) {
  const int64_t id = v.appointment.id;
  if (auto s = touch(c, id, actor); !s) return std::unexpected(s.error());
  if (auto s = rows::set_order_status(c, v.appointment.order_id, to, actor); !s)
    return std::unexpected(s.error());
  std::vector<const char*> topics{topic};
  if (std::string(to) == "acquired" && v.reader_id == 0) {
    auto rule = setting(c, kAssignmentSetting);
    if (!rule) return std::unexpected(rule.error());
    auto reader = reader_by_rule(c, *rule);
    if (!reader) return std::unexpected(reader.error());
    if (*reader != 0) {
      if (auto s = set_reader(c, v.appointment.order_id, *reader, "system"); !s)
        return std::unexpected(s.error());
      topics.push_back(kReaderAssigned);
    }
  }
  auto saved = rows::read_view(c, id);
  if (!saved) return std::unexpected(saved.error());
  if (!*saved) return fail(ErrorCode::Internal, "the appointment just written is not there");
  for (const char* t : topics)
    if (auto s = outbox.enqueue(c, rows::appointment_event(t, **saved)); !s)
      return std::unexpected(s.error());
  return (*saved)->appointment;
}

Result<Booked> Exams::assign_reader(int64_t id, int64_t seen_version, int64_t radiologist_id,
                                    const access::Principal& actor) {
  if (!actor.may(kAssign))
    return fail(ErrorCode::Forbidden, "Your role does not assign exams to radiologists");
  return writes_.run<Booked>([&](Connection& c) -> Result<Booked> {
    Booked out;
    auto current = rows::read_view(c, id);
    if (!current) return std::unexpected(current.error());
    if (!*current) return fail(ErrorCode::NotFound, "no such appointment");
    const AppointmentView& v = **current;
    if (radiologist_id != 0) {
      auto staff = rows::staff(c);
      if (!staff) return std::unexpected(staff.error());
      const bool known = std::ranges::any_of(
          *staff, [&](const StaffMember& m) { return m.id == radiologist_id && m.radiologist; });
      if (!known) {
        out.invalid.push_back(
            {"radiologistId", "unknown", "Choose an active radiologist of the bookable staff"});
        return out;
      }
    }
    if (v.appointment.version != seen_version) {
      out.conflict =
          Conflict{"stale", "Someone else changed this exam since it was shown; reload it", id};
      return out;
    }
    // Until its images are acquired; once a radiologist has begun reading it, only an
    // administrator takes it from them.
    const std::string& st = v.order_status;
    const bool open = v.appointment.status == "arrived" &&
                      (st == "arrived" || st == "in_progress" || st == "acquired");
    const bool reading = v.appointment.status == "arrived" &&
                         (st == "in_reading" || st == "preliminary" || st == "amended");
    if (!open && !(reading && actor.has_role(access::Role::Admin))) {
      out.conflict = Conflict{"exam_state",
                              reading ? "A radiologist is reading this exam; an administrator "
                                        "can give it to another"
                                      : "An exam that is " + st + " is not assigned",
                              id};
      return out;
    }
    if (auto s = touch(c, id, actor.username); !s) return std::unexpected(s.error());
    if (auto s = set_reader(c, v.appointment.order_id, radiologist_id, actor.username); !s)
      return std::unexpected(s.error());
    // Given to another while being read: whoever read it no longer holds it, so that the one now
    // assigned can open it (their draft stays with the report).
    if (reading)
      if (auto s = c.execute("UPDATE ris_orders SET reading_by = '', reading_since = '', status = CASE WHEN status = "
                             "'in_reading' THEN 'acquired' ELSE status END WHERE id = ?",
                             {v.appointment.order_id});
          !s)
        return std::unexpected(s.error());
    auto saved = rows::read_view(c, id);
    if (!saved) return std::unexpected(saved.error());
    if (!*saved) return fail(ErrorCode::Internal, "the appointment just written is not there");
    out.value = (*saved)->appointment;
    if (auto s = outbox_.enqueue(c, rows::appointment_event(kReaderAssigned, **saved)); !s)
      return std::unexpected(s.error());
    return out;
  });
}

Result<RisSettings> Exams::settings() {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  RisSettings s;
  auto rule = setting(**c, kAssignmentSetting, &s.updated_at, &s.updated_by);
  if (!rule) return std::unexpected(rule.error());
  if (!rule->empty()) s.reading_assignment = *rule;
  return s;
}

Result<Checked<RisSettings>> Exams::save_settings(const RisSettings& s,
                                                  const access::Principal& actor) {
  if (!actor.may("ris.settings.admin"))
    return fail(ErrorCode::Forbidden, "Only an administrator changes the RIS's settings");
  Checked<RisSettings> out;
  if (!one_of(kAssignmentRules, s.reading_assignment))
    out.invalid.push_back(
        {"readingAssignment", "unknown", "Choose manual, round-robin or least loaded"});
  if (!out.invalid.empty()) return out;
  auto saved = writes_.run<bool>([&](Connection& c) -> Result<bool> {
    if (auto w = put_setting(c, kAssignmentSetting, s.reading_assignment, actor.username); !w)
      return std::unexpected(w.error());
    return true;
  });
  if (!saved) return std::unexpected(saved.error());
  auto now = settings();
  if (!now) return std::unexpected(now.error());
  out.value = std::move(*now);
  return out;
}

}  // namespace vireo::ris
