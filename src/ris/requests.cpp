// Appointment requests: asked for (checked), listed for reception, confirmed by booking the
// order in the same job, or declined with a reason. Part of the appointment book (Schedule).
#include <algorithm>
#include <iterator>

#include "core/strings.hpp"
#include "ris/appointment_rows.hpp"
#include "ris/field_checks.hpp"
#include "ris/orders.hpp"
#include "ris/schedule.hpp"

namespace vireo::ris {

namespace {

using std::chrono::days;

constexpr int kMaxPreferredDays = 92;

constexpr const char* kRequestColumns =
    "r.id, r.order_id, r.patient_id, r.source, r.preferred_from, r.preferred_to, "
    "r.preferred_time, r.note, r.status, r.decline_reason, r.appointment_id, r.version, "
    "r.created_at, r.created_by, r.updated_at, r.updated_by, o.accession_number, o.priority, "
    "o.status, o.reason, p.family_name, p.given_name, p.mrn, p.birth_date, p.sex, p.phone, "
    "p.contrast_allergy";

RequestView request_of(const Row& row) {
  RequestView v;
  AppointmentRequest& r = v.request;
  r.id = row.integer(0);
  r.order_id = row.integer(1);
  r.patient_id = row.integer(2);
  r.source = row.text(3);
  r.preferred_from = row.text(4);
  r.preferred_to = row.text(5);
  r.preferred_time = row.text(6);
  r.note = row.text(7);
  r.status = row.text(8);
  r.decline_reason = row.text(9);
  r.appointment_id = row.integer(10);
  r.version = row.integer(11);
  r.created_at = row.text(12);
  r.created_by = row.text(13);
  r.updated_at = row.text(14);
  r.updated_by = row.text(15);
  v.accession_number = row.text(16);
  v.priority = row.text(17);
  v.order_status = row.text(18);
  v.reason = row.text(19);
  v.patient_name = row.text(20) + ", " + row.text(21);
  v.mrn = row.text(22);
  v.birth_date = row.text(23);
  v.sex = row.text(24);
  v.phone = row.text(25);
  v.contrast_allergy = row.integer(26) != 0;
  return v;
}

Result<std::vector<RequestView>> requests_where(Connection& c, const std::string& where,
                                                std::vector<SqlValue> args) {
  auto rows = c.query(std::string("SELECT ") + kRequestColumns +
                          " FROM ris_appointment_requests r JOIN ris_orders o ON o.id = "
                          "r.order_id JOIN ris_patients p ON p.id = r.patient_id " +
                          where,
                      std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  std::vector<RequestView> out;
  for (const auto& r : *rows) out.push_back(request_of(r));
  for (auto& v : out) {
    auto steps = c.query(
        "SELECT procedure_id FROM ris_order_procedures WHERE order_id = ? ORDER BY position",
        {v.request.order_id});
    if (!steps) return std::unexpected(steps.error());
    for (const auto& s : *steps) v.procedure_ids.push_back(s.integer(0));
  }
  return out;
}

Result<std::optional<RequestView>> read_request(Connection& c, int64_t id) {
  auto found = requests_where(c, "WHERE r.id = ?", {id});
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<RequestView>();
  return std::optional<RequestView>(std::move(found->front()));
}

events::Event request_event(const char* topic, const AppointmentRequest& r) {
  return {topic,
          {{"request", std::to_string(r.id)},
           {"order", std::to_string(r.order_id)},
           {"patient", std::to_string(r.patient_id)}}};
}

template <class List>
bool one_of(const List& list, const std::string& value) {
  return std::ranges::find(list, value) != std::end(list);
}

// Why a request cannot change as seen at `seen_version`, or nullopt.
std::optional<Conflict> unchangeable(const AppointmentRequest& r, int64_t seen_version) {
  if (r.version != seen_version)
    return Conflict{"stale", "Someone else changed this request since it was opened; reload it", 0};
  if (r.status != "pending")
    return Conflict{"request_state", "The request is " + r.status + " already", r.appointment_id};
  return std::nullopt;
}

}  // namespace

Result<RequestChange> Schedule::request(const RequestFields& f, const std::string& source,
                                        const std::string& actor, std::string_view referrer) {
  RequestChange out;
  checks::Checker check;
  const std::string today = zone_.local_of(now()).day;
  auto from = parse_day(f.preferred_from), to = parse_day(f.preferred_to);
  if (!f.preferred_from.empty() && !from)
    check.add("preferredFrom", "format", "The first day is a date YYYY-MM-DD");
  else if (from && f.preferred_from < today)
    check.add("preferredFrom", "past", "The first day has passed");
  if (!f.preferred_to.empty() && !to)
    check.add("preferredTo", "format", "The last day is a date YYYY-MM-DD");
  else if (to && !from && f.preferred_to < today)  // (with a first day, its own checks say it)
    check.add("preferredTo", "past", "The last day has passed");
  if (from && to && *to < *from)
    check.add("preferredTo", "order", "The last day is before the first");
  else if (from && to && *to - *from > days(kMaxPreferredDays))
    check.add("preferredTo", "range", "Ask for three months at most");
  if (!one_of(kPreferredTimes, f.preferred_time))
    check.add("preferredTime", "unknown", "The time of day is any, morning or afternoon");
  check.text("note", "The note", f.note, 1000, true);
  if (!one_of(kRequestSources, source)) return fail(ErrorCode::InvalidArgument, "unknown source");
  out.invalid = std::move(check.errors);
  if (!out.invalid.empty()) return out;
  // (A one-word name would name too many physicians: such an account owns no order.)
  const std::string own_key = physician_key(referrer);
  const bool by_referrer = !referrer.empty();
  return writes_.run<RequestChange>([&](Connection& c) -> Result<RequestChange> {
    auto order = c.query("SELECT patient_id, status, referring_key FROM ris_orders WHERE id = ?",
                         {f.order_id});
    if (!order) return std::unexpected(order.error());
    if (order->empty() || (by_referrer && (own_key.find(' ') == std::string::npos ||
                                           (*order)[0].text(2) != own_key))) {
      out.invalid.push_back({"orderId", "unknown", "No such order"});
      return out;
    }
    const std::string status = (*order)[0].text(1);
    if (status != "requested" && status != "no_show") {
      out.conflict = Conflict{"order_state", "An order that is " + status + " is not requested", 0};
      return out;
    }
    auto pending =
        c.query("SELECT id FROM ris_appointment_requests WHERE order_id = ? AND status = 'pending'",
                {f.order_id});
    if (!pending) return std::unexpected(pending.error());
    if (!pending->empty()) {
      out.conflict =
          Conflict{"request_pending", "This order has a request waiting for an answer already", 0};
      return out;
    }
    const std::string now_text = utc_now_iso();
    auto made = c.query(
        "INSERT INTO ris_appointment_requests (order_id, patient_id, source, preferred_from, "
        "preferred_to, preferred_time, note, status, decline_reason, appointment_id, version, "
        "created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, "
        "'pending', '', 0, 1, ?, ?, ?, ?) RETURNING id",
        {f.order_id, (*order)[0].integer(0), source, f.preferred_from, f.preferred_to,
         f.preferred_time, f.note, now_text, actor, now_text, actor});
    if (!made) return std::unexpected(made.error());
    auto saved = read_request(c, (*made)[0].integer(0));
    if (!saved) return std::unexpected(saved.error());
    if (!*saved) return fail(ErrorCode::Internal, "the request just written is not there");
    out.value = (*saved)->request;
    if (auto s = outbox_.enqueue(c, request_event(kRequestCreated, out.value)); !s)
      return std::unexpected(s.error());
    return out;
  });
}

Result<Booked> Schedule::confirm_request(int64_t id, int64_t seen_version, int64_t order_id,
                                         int64_t room_id, Instant start, const std::string& actor) {
  return writes_.run<Booked>([&](Connection& c) -> Result<Booked> {
    Booked out;
    auto current = read_request(c, id);
    if (!current) return std::unexpected(current.error());
    if (!*current) return fail(ErrorCode::NotFound, "no such request");
    const AppointmentRequest& r = (*current)->request;
    // The order the person booking sees must be the one booked.
    if (r.order_id != order_id) {
      out.invalid.push_back({"orderId", "mismatch", "This request is for another order"});
      return out;
    }
    if ((out.conflict = unchangeable(r, seen_version))) return out;
    auto placed = place(c, r.order_id, room_id, start, 0, actor, out);
    if (!placed) return placed;
    if (!out.saved()) return out;
    if (auto s = rows::set_order_status(c, r.order_id, "scheduled", actor); !s)
      return std::unexpected(s.error());
    // (the booking closes the order's pending request: this one)
    if (auto s = rows::close_requests(c, r.order_id, out.value.id, "", actor, outbox_); !s)
      return std::unexpected(s.error());
    return published(c, out.value.id, kAppointmentBooked, out);
  });
}

Result<RequestChange> Schedule::decline_request(int64_t id, int64_t seen_version,
                                                const std::string& typed,
                                                const std::string& actor) {
  RequestChange out;
  const std::string reason(trim(typed));
  checks::Checker check;
  if (reason.empty()) check.add("reason", "required", "Say why the request is declined");
  check.text("reason", "The reason", reason, 500, true);
  out.invalid = std::move(check.errors);
  if (!out.invalid.empty()) return out;
  return writes_.run<RequestChange>([&](Connection& c) -> Result<RequestChange> {
    auto current = read_request(c, id);
    if (!current) return std::unexpected(current.error());
    if (!*current) return fail(ErrorCode::NotFound, "no such request");
    if ((out.conflict = unchangeable((*current)->request, seen_version))) return out;
    if (auto s = rows::close_requests(c, (*current)->request.order_id, 0, reason, actor, outbox_);
        !s)
      return std::unexpected(s.error());
    auto saved = read_request(c, id);
    if (!saved) return std::unexpected(saved.error());
    if (!*saved) return fail(ErrorCode::Internal, "the request just written is not there");
    out.value = (*saved)->request;
    return out;
  });
}

Result<std::vector<RequestView>> Schedule::requests(const std::string& status, int64_t limit) {
  if (!status.empty() && !one_of(kRequestStates, status))
    return fail(ErrorCode::InvalidArgument, "status: pending, confirmed or declined");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  if (status.empty())
    return requests_where(**c, "ORDER BY r.id DESC LIMIT ?", {std::clamp<int64_t>(limit, 1, 500)});
  // Pending ones stat, then urgent, then routine, each oldest first: an urgent exam is not
  // answered after a week of routine ones, and among equals who has waited longest goes first.
  return requests_where(**c,
                        status == "pending"
                            ? "WHERE r.status = ? ORDER BY CASE o.priority WHEN 'stat' THEN 0 "
                              "WHEN 'urgent' THEN 1 ELSE 2 END, r.id LIMIT ?"
                            : "WHERE r.status = ? ORDER BY r.id DESC LIMIT ?",
                        {status, std::clamp<int64_t>(limit, 1, 500)});
}

Result<std::optional<RequestView>> Schedule::request_view(int64_t id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return read_request(**c, id);
}

}  // namespace vireo::ris
