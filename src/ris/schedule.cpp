#include "ris/schedule.hpp"

#include <algorithm>
#include <set>

#include "core/strings.hpp"
#include "core/uid.hpp"
#include "ris/appointment_rows.hpp"
#include "ris/catalogue_store.hpp"
#include "ris/field_checks.hpp"
#include "ris/schema.hpp"

namespace vireo::ris {

namespace {

using rows::read_view;
using rows::set_order_status;
using rows::views_where;
using std::chrono::days;
using std::chrono::sys_days;

// The statuses that hold a room and its staff.
constexpr const char* kHolding = "a.status IN ('booked', 'arrived')";

// What the schedule needs to know of an order.
struct OrderFacts {
  int64_t id = 0, patient_id = 0;
  std::string status, accession;
  std::vector<Procedure> procedures;
};

Result<std::optional<OrderFacts>> order_facts(Connection& c, int64_t id) {
  auto rows =
      c.query("SELECT id, patient_id, status, accession_number FROM ris_orders WHERE id = ?", {id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<OrderFacts>();
  OrderFacts f{
      (*rows)[0].integer(0), (*rows)[0].integer(1), (*rows)[0].text(2), (*rows)[0].text(3), {}};
  auto steps = c.query(
      "SELECT procedure_id FROM ris_order_procedures WHERE order_id = ? ORDER BY position", {id});
  if (!steps) return std::unexpected(steps.error());
  for (const auto& s : *steps) {
    auto p = rows::procedure(c, s.integer(0));
    if (!p) return std::unexpected(p.error());
    if (*p) f.procedures.push_back(std::move(**p));
  }
  return std::optional<OrderFacts>(std::move(f));
}

Needs needs_of(const OrderFacts& o) {
  Needs n;
  for (const auto& p : o.procedures) {
    n.duration += minutes(p.duration_minutes);
    n.radiologist = n.radiologist || p.needs_radiologist;
    n.contrast_technician = n.contrast_technician || p.needs_contrast_technician;
  }
  return n;
}

// The one modality of the order's procedures, or empty when they are of several (they are
// booked together, in one room).
std::string modality_of(const OrderFacts& o) {
  std::set<std::string> m;
  for (const auto& p : o.procedures) m.insert(p.modality);
  return m.size() == 1 ? *m.begin() : "";
}

bool bookable(const std::string& status) { return status == "requested" || status == "no_show"; }

Conflict order_state(const OrderFacts& o) {
  return {"order_state",
          o.status == "scheduled" ? "The order is booked already: move its appointment instead"
                                  : "An order that is " + o.status + " cannot be booked",
          0};
}

// A booking that holds a room, as the rules see it.
struct Holding {
  int64_t id = 0, room_id = 0, radiologist_id = 0, technician_id = 0, patient_id = 0;
  Span exam, kept;  // [start, end) and [start, busy_until)
};

// Bookings that touch `range`, except `excluding` (the one being moved).
Result<std::vector<Holding>> holdings(Connection& c, Span range, int64_t excluding) {
  // Lower bound on the start, so that the index on starts_at bounds the scan: no booking is
  // longer than two days.
  auto rows = c.query(std::string("SELECT a.id, a.room_id, a.radiologist_id, a.technician_id, "
                                  "o.patient_id, a.starts_at, a.ends_at, a.busy_until FROM "
                                  "ris_appointments a JOIN ris_orders o ON o.id = a.order_id "
                                  "WHERE ") +
                          kHolding +
                          " AND a.starts_at >= ? AND a.starts_at < ? AND a.busy_until > ? AND "
                          "a.id <> ?",
                      {instant_text(range.start - days(2)), instant_text(range.end),
                       instant_text(range.start), excluding});
  if (!rows) return std::unexpected(rows.error());
  std::vector<Holding> out;
  for (const auto& r : *rows) {
    auto start = parse_instant(r.text(5)), end = parse_instant(r.text(6)),
         until = parse_instant(r.text(7));
    if (!start || !end || !until) continue;
    out.push_back({r.integer(0),
                   r.integer(1),
                   r.integer(2),
                   r.integer(3),
                   r.integer(4),
                   {*start, *end},
                   {*start, *until}});
  }
  return out;
}

Taken taken_of(const std::vector<Holding>& held, const std::vector<StaffMember>& staff,
               int64_t patient_id) {
  Taken t;
  // One person is busy with every exam they are booked for, whatever as.
  std::map<int64_t, std::vector<Span>> busy;
  for (const auto& h : held) {
    t.rooms[h.room_id].push_back(h.kept);
    if (h.radiologist_id != 0) busy[h.radiologist_id].push_back(h.exam);
    if (h.technician_id != 0 && h.technician_id != h.radiologist_id)
      busy[h.technician_id].push_back(h.exam);
    if (h.patient_id == patient_id) t.patient.push_back(h.exam);
  }
  for (const auto& m : staff) {
    if (m.radiologist) t.radiologists[m.id] = busy[m.id];
    if (m.contrast_technician) t.technicians[m.id] = busy[m.id];
  }
  t.sort();
  return t;
}

Span day_span(const TimeZone& zone, sys_days day) {
  return {zone.utc_at_or_after(day_text(day), 0), zone.utc_at_or_after(day_text(day + days(1)), 0)};
}

// The name of a procedure of the order whose daily limit is reached on that day, or empty.
Result<std::string> limit_reached(Connection& c, const OrderFacts& o, Span day, int64_t excluding) {
  for (const auto& p : o.procedures) {
    if (p.daily_limit <= 0) continue;
    auto n = c.query(std::string("SELECT COUNT(*) FROM ris_appointments a JOIN "
                                 "ris_order_procedures s ON s.order_id = a.order_id WHERE "
                                 "s.procedure_id = ? AND ") +
                         kHolding + " AND a.starts_at >= ? AND a.starts_at < ? AND a.id <> ?",
                     {p.id, instant_text(day.start), instant_text(day.end), excluding});
    if (!n) return std::unexpected(n.error());
    if ((*n)[0].integer(0) >= p.daily_limit) return p.name;
  }
  return std::string();
}

const char* conflict_message(const std::string& rule) {
  if (rule == "slot_taken") return "The room is booked at that time";
  if (rule == "patient_busy") return "The patient has another appointment at that time";
  if (rule == "radiologist_busy") return "No radiologist is free at that time";
  if (rule == "technician_busy") return "No contrast-trained technician is free at that time";
  return "That time cannot be booked";
}

// The booking in the way of `rule` at `exam`/`kept` in the room, for the conflict's answer.
int64_t in_the_way(const std::vector<Holding>& held, const std::string& rule, int64_t room_id,
                   int64_t patient_id, Span exam, Span kept) {
  for (const auto& h : held) {
    bool hit = rule == "slot_taken"
                   ? h.room_id == room_id && h.kept.start < kept.end && h.kept.end > kept.start
                   : rule == "patient_busy" && h.patient_id == patient_id &&
                         h.exam.start < exam.end && h.exam.end > exam.start;
    if (hit) return h.id;
  }
  return 0;
}


// Why a booked appointment cannot be changed as seen at `seen_version` (someone else changed it,
// or it is no longer booked), or nullopt.
std::optional<Conflict> unchangeable(const Appointment& a, int64_t seen_version, const char* done) {
  if (a.version != seen_version)
    return Conflict{"stale", "Someone else changed this appointment since it was opened; reload it",
                    a.id};
  if (a.status != "booked")
    return Conflict{"appointment_state",
                    "The appointment is " + a.status + " already; it cannot be " + done, a.id};
  return std::nullopt;
}


}  // namespace

Result<std::unique_ptr<Schedule>> Schedule::open(Database& db, WriteQueue& writes,
                                                 const events::Outbox& outbox, TimeZone zone,
                                                 const Clock& clock,
                                                 const MigrationProgress& progress) {
  if (auto s = migrate(db, "ris", migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<Schedule>(new Schedule(db, writes, outbox, std::move(zone), clock));
}

Instant Schedule::now() const { return Instant{std::chrono::seconds(clock_.unix_seconds())}; }

Result<Checked<Slots>> Schedule::free_slots(const SlotRequest& r) {
  Checked<Slots> out;
  auto first = parse_day(r.from_day);
  if (!first) out.invalid.push_back({"from", "format", "The first day is a date YYYY-MM-DD"});
  if (r.days < 1 || r.days > kMaxCalendarDays)
    out.invalid.push_back({"days", "range", "Ask for 1 to 31 days"});
  if (!out.invalid.empty()) return out;
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto order = order_facts(**c, r.order_id);
  if (!order) return std::unexpected(order.error());
  if (!*order) return fail(ErrorCode::NotFound, "no such order");
  const OrderFacts& o = **order;
  if (!bookable(o.status) && o.status != "scheduled")
    return fail(ErrorCode::StateConflict, order_state(o).message);
  // Its own booking does not stand in its way when it is moved.
  int64_t own = 0;
  if (o.status == "scheduled") {
    auto mine = (*c)->query(std::string("SELECT a.id FROM ris_appointments a WHERE a.order_id = ? "
                                        "AND ") +
                                kHolding,
                            {o.id});
    if (!mine) return std::unexpected(mine.error());
    if (!mine->empty()) own = (*mine)[0].integer(0);
  }
  Slots& s = out.value;
  s.modality = modality_of(o);
  const Needs needs = needs_of(o);
  s.duration = needs.duration;
  auto all_rooms = rows::rooms(**c);
  if (!all_rooms) return std::unexpected(all_rooms.error());
  std::vector<Room> rooms;
  for (auto& room : *all_rooms)
    if (room.modality == s.modality && (r.room_id == 0 || room.id == r.room_id))
      rooms.push_back(std::move(room));
  const sys_days last = *first + days(r.days - 1);
  auto closures = rows::closures(**c, 0, r.from_day, day_text(last));
  auto staff = rows::staff(**c);
  if (!closures) return std::unexpected(closures.error());
  if (!staff) return std::unexpected(staff.error());
  const Span range{day_span(zone_, *first).start, day_span(zone_, last).end + days(1)};
  auto held = holdings(**c, range, own);
  if (!held) return std::unexpected(held.error());
  const Taken taken = taken_of(*held, *staff, o.patient_id);
  const Instant not_before = now();
  for (sys_days day = *first; day <= last; day += days(1)) {
    if (day_span(zone_, day).end <= not_before) continue;
    auto full = limit_reached(**c, o, day_span(zone_, day), own);
    if (!full) return std::unexpected(full.error());
    if (!full->empty()) {
      s.full_days.push_back(day_text(day));
      continue;
    }
    for (const auto& room : rooms) {
      auto open = open_spans(room, *closures, day, zone_);
      if (open.empty()) continue;
      auto windows = free_windows(room, open, taken, needs, not_before);
      s.windows.insert(s.windows.end(), windows.begin(), windows.end());
    }
  }
  std::ranges::sort(s.windows, [](const Window& a, const Window& b) {
    return std::tie(a.first, a.room_id) < std::tie(b.first, b.room_id);
  });
  return out;
}

// Checks that the order can be in `room_id` at `start` (a new booking: that it can be booked at
// all) and writes it there: a new booking, or `moving` moved. The order's lifecycle and the
// event are the caller's. The order is read once, in the job.
Result<Booked> Schedule::place(Connection& c, int64_t order_id, int64_t room_id, Instant start,
                               int64_t moving, const std::string& actor, Booked& out) {
  auto order = order_facts(c, order_id);
  if (!order) return std::unexpected(order.error());
  if (!*order) return fail(ErrorCode::NotFound, "no such order");
  const OrderFacts& o = **order;
  if (moving == 0 && !bookable(o.status)) {
    out.conflict = order_state(o);
    return out;
  }
  auto room = rows::room(c, room_id);
  if (!room) return std::unexpected(room.error());
  if (!*room || !(*room)->active) {
    out.invalid.push_back({"roomId", "unknown", "There is no such room (or it is retired)"});
    return out;
  }
  const Room& rm = **room;
  const std::string modality = modality_of(o);
  if (modality.empty()) {
    out.invalid.push_back({"orderId", "modality",
                           "The order's procedures are of several modalities; they cannot be "
                           "done in one room"});
    return out;
  }
  if (rm.modality != modality) {
    out.invalid.push_back(
        {"roomId", "modality",
         "The room is for " + rm.modality + "; the order's procedures are " + modality});
    return out;
  }
  if (start < now()) {
    out.invalid.push_back({"startsAt", "past", "That time has passed"});
    return out;
  }
  const LocalTime local = zone_.local_of(start);
  const sys_days day = *parse_day(local.day);
  auto closures = rows::closures(c, rm.id, local.day, local.day);
  if (!closures) return std::unexpected(closures.error());
  for (const auto& cl : *closures) {
    out.invalid.push_back({"startsAt", "closed",
                           "The room is closed that day" +
                               (cl.reason.empty() ? std::string() : " (" + cl.reason + ")")});
    return out;
  }
  const Needs needs = needs_of(o);
  const Span exam{start, start + needs.duration};
  const Span kept{start, exam.end + minutes(rm.buffer_minutes)};
  const Span today = day_span(zone_, day);
  auto staff = rows::staff(c);
  if (!staff) return std::unexpected(staff.error());
  auto held = holdings(c, {today.start, std::max(today.end, kept.end)}, moving);
  if (!held) return std::unexpected(held.error());
  const Taken taken = taken_of(*held, *staff, o.patient_id);
  const auto open = open_spans(rm, *closures, day, zone_);
  if (std::string why = open.empty() ? "outside_hours" : why_not(rm, open, taken, needs, start);
      why == "outside_hours") {
    out.invalid.push_back(
        {"startsAt", "outside_hours", "The room is not open for the whole exam at that time"});
    return out;
  } else if (!why.empty()) {
    out.conflict = Conflict{why, conflict_message(why),
                            in_the_way(*held, why, rm.id, o.patient_id, exam, kept)};
    return out;
  }
  auto full = limit_reached(c, o, today, moving);
  if (!full) return std::unexpected(full.error());
  if (!full->empty()) {
    out.conflict =
        Conflict{"daily_limit", "The daily limit of " + *full + " is reached that day", 0};
    return out;
  }
  const Staffing staffing = staff_for(taken, needs, exam, today);
  const int64_t radiologist = staffing.radiologist, technician = staffing.technician;
  const std::string now_text = utc_now_iso();
  int64_t id = moving;
  if (moving == 0) {
    auto made = c.query(
        "INSERT INTO ris_appointments (order_id, room_id, starts_at, ends_at, busy_until, "
        "radiologist_id, technician_id, status, cancel_reason, arrived_at, version, created_at, "
        "created_by, updated_at, updated_by, workitem_uid) VALUES (?, ?, ?, ?, ?, ?, ?, 'booked', "
        "'', '', 1, ?, ?, ?, ?, ?) RETURNING id",
        {o.id, rm.id, instant_text(exam.start), instant_text(exam.end), instant_text(kept.end),
         radiologist, technician, now_text, actor, now_text, actor, new_uid()});
    if (!made) return std::unexpected(made.error());
    id = (*made)[0].integer(0);
  } else if (auto s = c.execute(
                 "UPDATE ris_appointments SET room_id = ?, starts_at = ?, ends_at = ?, "
                 "busy_until = ?, radiologist_id = ?, technician_id = ?, updated_at = ?, "
                 "updated_by = ?, "
                 "version = version + 1 WHERE id = ?",
                 {rm.id, instant_text(exam.start), instant_text(exam.end), instant_text(kept.end),
                  radiologist, technician, now_text, actor, moving});
             !s) {
    return std::unexpected(s.error());
  }
  out.value.id = id;
  return out;
}

// The change's answer: the appointment as saved, its event in the outbox of the same job.
Result<Booked> Schedule::published(Connection& c, int64_t id, const char* topic, Booked& out) {
  auto saved = read_view(c, id);
  if (!saved) return std::unexpected(saved.error());
  if (!*saved) return fail(ErrorCode::Internal, "the appointment just written is not there");
  out.value = (*saved)->appointment;
  if (auto s = outbox_.enqueue(c, rows::appointment_event(topic, **saved)); !s) return std::unexpected(s.error());
  return out;
}

Result<Booked> Schedule::book(int64_t order_id, int64_t room_id, Instant start,
                              const std::string& actor) {
  return writes_.run<Booked>([&](Connection& c) -> Result<Booked> {
    Booked out;
    auto placed = place(c, order_id, room_id, start, 0, actor, out);
    if (!placed) return placed;
    if (!out.saved()) return out;
    if (auto s = set_order_status(c, order_id, "scheduled", actor); !s)
      return std::unexpected(s.error());
    // Booked by other means than its request (a phone call): the request is answered too.
    if (auto s = rows::close_requests(c, order_id, out.value.id, "", actor, outbox_); !s)
      return std::unexpected(s.error());
    return published(c, out.value.id, kAppointmentBooked, out);
  });
}

Result<Booked> Schedule::move(int64_t id, int64_t seen_version, int64_t room_id, Instant start,
                              const std::string& actor) {
  return writes_.run<Booked>([&](Connection& c) -> Result<Booked> {
    Booked out;
    auto current = read_view(c, id);
    if (!current) return std::unexpected(current.error());
    if (!*current) return fail(ErrorCode::NotFound, "no such appointment");
    const Appointment& a = (*current)->appointment;
    if ((out.conflict = unchangeable(a, seen_version, "moved"))) return out;
    auto placed = place(c, a.order_id, room_id, start, a.id, actor, out);
    if (!placed) return placed;
    if (!out.saved()) return out;
    return published(c, id, kAppointmentMoved, out);
  });
}

Result<Booked> Schedule::cancel(int64_t id, int64_t seen_version, const std::string& typed,
                                const std::string& actor) {
  const std::string reason(trim(typed));
  checks::Checker check;
  if (reason.empty()) check.add("reason", "required", "Say why the appointment is cancelled");
  check.text("reason", "The reason", reason, 200);
  if (!check.errors.empty()) {
    Booked out;
    out.invalid = std::move(check.errors);
    return out;
  }
  return transition(id, seen_version, "cancelled", reason, actor);
}

Result<Booked> Schedule::arrive(int64_t id, int64_t seen_version, const std::string& actor) {
  return transition(id, seen_version, "arrived", "", actor);
}

Result<Booked> Schedule::no_show(int64_t id, int64_t seen_version, const std::string& actor) {
  return transition(id, seen_version, "no_show", "", actor);
}

// booked → cancelled (the order back to requested), arrived (the order too), no_show (too).
Result<Booked> Schedule::transition(int64_t id, int64_t seen_version, const char* to,
                                    const std::string& reason, const std::string& actor) {
  return writes_.run<Booked>([&](Connection& c) -> Result<Booked> {
    Booked out;
    auto current = read_view(c, id);
    if (!current) return std::unexpected(current.error());
    if (!*current) return fail(ErrorCode::NotFound, "no such appointment");
    const Appointment& a = (*current)->appointment;
    const std::string target = to;
    if ((out.conflict = unchangeable(a, seen_version,
                                     target == "arrived"     ? "checked in"
                                     : target == "cancelled" ? "cancelled"
                                                             : "marked as not attended")))
      return out;
    const Instant start = parse_instant(a.starts_at).value_or(Instant{});
    const Instant t = now();
    if (target == "arrived" && zone_.local_of(start).day != zone_.local_of(t).day) {
      out.conflict = Conflict{"appointment_day",
                              "The appointment is on " + zone_.local_of(start).day +
                                  "; check the patient in on that day, or move it to today",
                              a.id};
      return out;
    }
    if (target == "no_show" && t < start) {
      out.conflict = Conflict{"appointment_time",
                              "The appointment's time has not come yet; it is not missed", a.id};
      return out;
    }
    const std::string now_text = utc_now_iso();
    if (auto s = c.execute(
            "UPDATE ris_appointments SET status = ?, cancel_reason = ?, arrived_at = ?, "
            "updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ? AND version = ?",
            {target, reason, target == "arrived" ? instant_text(t) : std::string(), now_text, actor,
             id, seen_version});
        !s)
      return std::unexpected(s.error());
    const char* order_status = target == "cancelled" ? "requested" : to;
    if (auto s = set_order_status(c, a.order_id, order_status, actor); !s)
      return std::unexpected(s.error());
    // A booking that answered a request, cancelled: the request waits for an answer again.
    if (target == "cancelled")
      if (auto s = rows::reopen_requests(c, id, actor, outbox_); !s)
        return std::unexpected(s.error());
    return published(c, id,
                     target == "arrived"     ? kPatientArrived
                     : target == "cancelled" ? kAppointmentCancelled
                                             : kPatientNoShow,
                     out);
  });
}

Result<std::optional<AppointmentView>> Schedule::get(int64_t id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return read_view(**c, id);
}

Result<std::vector<AppointmentView>> Schedule::of_order(int64_t order_id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return views_where(**c, "WHERE a.order_id = ? ORDER BY a.id DESC", {order_id});
}

Result<Calendar> Schedule::calendar(const std::string& from_day, int count, int64_t room_id) {
  auto first = parse_day(from_day);
  if (!first) return fail(ErrorCode::InvalidArgument, "from: a date YYYY-MM-DD is required");
  if (count < 1 || count > kMaxCalendarDays)
    return fail(ErrorCode::InvalidArgument, "days: 1 to 31");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  Calendar out;
  auto rooms = rows::rooms(**c);
  if (!rooms) return std::unexpected(rooms.error());
  for (auto& r : *rooms)
    if (room_id == 0 || r.id == room_id) out.rooms.push_back(std::move(r));
  const sys_days last = *first + days(count - 1);
  auto closures = rows::closures(**c, 0, from_day, day_text(last));
  if (!closures) return std::unexpected(closures.error());
  for (sys_days day = *first; day <= last; day += days(1))
    for (const auto& r : out.rooms) {
      RoomDay d{r.id, day_text(day), open_spans(r, *closures, day, zone_), ""};
      for (const auto& cl : *closures)
        if ((cl.room_id == 0 || cl.room_id == r.id) && cl.starts_on <= d.day && d.day <= cl.ends_on)
          d.closed_reason = cl.reason.empty() ? "closed" : cl.reason;
      out.days.push_back(std::move(d));
    }
  std::vector<SqlValue> args{instant_text(day_span(zone_, *first).start),
                             instant_text(day_span(zone_, last).end)};
  std::string where =
      "WHERE a.status IN ('booked', 'arrived', 'no_show') AND a.starts_at >= ? AND a.starts_at "
      "< ?";
  if (room_id != 0) {
    where += " AND a.room_id = ?";
    args.emplace_back(room_id);
  }
  auto list = views_where(**c, where + " ORDER BY a.starts_at, a.room_id", std::move(args));
  if (!list) return std::unexpected(list.error());
  out.appointments = std::move(*list);
  return out;
}

}  // namespace vireo::ris
