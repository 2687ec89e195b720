// The appointment book (/api/ris/clinic, /slots, /calendar, /appointments): the clinic's zone, free
// slots for an order, the calendar of rooms and bookings, booking, moving, cancelling,
// check-in and no-show. Thin: JSON in and out, the rules are ris::Schedule's. A booking that
// someone else's holds the time of is a 409 naming the rule and the booking in the way.
#include <algorithm>

#include "api/query_params.hpp"
#include "api/rest/appointment_answers.hpp"
#include "api/rest/ris_json.hpp"
#include "api/rest/routes.hpp"

namespace vireo::api {

namespace {
using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;
using ris_json::dump;
using ris_json::invalid;

json span_json(const ris::Span& s) {
  return {{"start", instant_text(s.start)}, {"end", instant_text(s.end)}};
}

// ?name= as a row id, or `fallback` when absent; nullopt (with the problem) when malformed.
std::optional<int64_t> id_parameter(const HttpRequest& r, const char* name, int64_t fallback,
                                    HttpResponse& problem) {
  auto v = r.query_value(name);
  if (!v) return fallback;
  auto id = row_id(*v);
  if (!id)
    problem = http::problem(
        Error{ErrorCode::InvalidArgument, std::string(name) + " is a positive whole number"});
  return id;
}

std::optional<Instant> starts_at(const Change& c, std::vector<ris::FieldError>& errors) {
  auto t = parse_instant(c.starts_at);
  const bool named =
      std::ranges::any_of(errors, [](const auto& e) { return e.field == "startsAt"; });
  if (!t && !named)
    errors.push_back({"startsAt", c.starts_at.empty() ? "required" : "format",
                      "startsAt is a date and time with its zone: 2027-03-01T09:30:00+01:00"});
  return t;
}

void read_routes(http::Router& router, ris::Schedule& schedule, const std::string& region) {
  // Anyone signed in: every screen that shows a time (a referrer's, the patient's) shows it in
  // the clinic's zone, and the zone is no one's data.
  router.add("GET", "/api/ris/clinic", "authenticated", [&schedule, region](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    const Instant now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return http::json_response(200, dump({{"timeZone", schedule.zone().name()},
                                          {"today", schedule.zone().local_of(now).day},
                                          {"slotStepMinutes", ris::kSlotStep.count()},
                                          {"region", region}}));
  });
  router.add("GET", "/api/ris/slots", "ris.schedule.read", [&schedule](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"order", "from", "days", "room"}); !s)
      return http::problem(s.error());
    HttpResponse problem;
    auto order = id_parameter(r, "order", 0, problem);
    auto room = id_parameter(r, "room", 0, problem);
    if (!order || !room) return problem;
    if (*order == 0)
      return http::problem(Error{ErrorCode::InvalidArgument, "order (an order's id) is required"});
    auto days = whole_number("days", r.query_value("days").value_or("7"), 1, ris::kMaxCalendarDays);
    if (!days) return http::problem(days.error());
    auto slots = schedule.free_slots(
        {*order, r.query_value("from").value_or(""), static_cast<int>(*days), *room});
    if (!slots && slots.error().code == ErrorCode::NotFound)
      return http::problem(Error{ErrorCode::NotFound, "no such order"});
    if (!slots) return http::problem(slots.error());
    if (!slots->saved()) return invalid(slots->invalid);
    json windows = json::array();
    for (const auto& w : slots->value.windows)
      windows.push_back({{"roomId", w.room_id},
                         {"first", instant_text(w.first)},
                         {"last", instant_text(w.last)}});
    return http::json_response(200, dump({{"timeZone", schedule.zone().name()},
                                          {"durationMinutes", slots->value.duration.count()},
                                          {"stepMinutes", ris::kSlotStep.count()},
                                          {"modality", slots->value.modality},
                                          {"windows", windows},
                                          {"fullDays", slots->value.full_days}}));
  });
  router.add("GET", "/api/ris/calendar", "ris.schedule.read", [&schedule](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"from", "days", "room"}); !s) return http::problem(s.error());
    HttpResponse problem;
    auto room = id_parameter(r, "room", 0, problem);
    if (!room) return problem;
    auto days = whole_number("days", r.query_value("days").value_or("1"), 1, ris::kMaxCalendarDays);
    if (!days) return http::problem(days.error());
    const std::string from = r.query_value("from").value_or("");
    auto cal = schedule.calendar(from, static_cast<int>(*days), *room);
    if (!cal) return http::problem(cal.error());
    json rooms = json::array(), room_days = json::array(), appointments = json::array();
    for (const auto& rm : cal->rooms)
      rooms.push_back({{"id", rm.id},
                       {"name", rm.name},
                       {"modality", rm.modality},
                       {"bufferMinutes", rm.buffer_minutes}});
    for (const auto& d : cal->days) {
      json open = json::array();
      for (const auto& s : d.open) open.push_back(span_json(s));
      room_days.push_back({{"roomId", d.room_id},
                           {"day", d.day},
                           {"open", open},
                           {"closedReason", d.closed_reason}});
    }
    for (const auto& a : cal->appointments) appointments.push_back(appointment_json(a));
    r.audit.detail = "read the calendar from " + from + " for " + std::to_string(*days) +
                     " days (" + std::to_string(cal->appointments.size()) + " appointments)";
    return http::json_response(200, dump({{"timeZone", schedule.zone().name()},
                                          {"rooms", rooms},
                                          {"days", room_days},
                                          {"appointments", appointments}}));
  });
  router.add("GET", "/api/ris/appointments", "ris.schedule.read",
             [&schedule](const HttpRequest& r) {
               if (auto s = only_parameters(r, {"order"}); !s) return http::problem(s.error());
               HttpResponse problem;
               auto order = id_parameter(r, "order", 0, problem);
               if (!order) return problem;
               if (*order == 0)
                 return http::problem(
                     Error{ErrorCode::InvalidArgument, "order (an order's id) is required"});
               auto list = schedule.of_order(*order);
               if (!list) return http::problem(list.error());
               json out = json::array();
               for (const auto& a : *list) out.push_back(appointment_json(a));
               if (!list->empty()) r.audit.patient_id = list->front().mrn;
               r.audit.detail = "read appointments of order " + std::to_string(*order);
               return http::json_response(200, dump({{"appointments", out}}));
             });
  router.add("GET", "/api/ris/appointments/{id}", "ris.schedule.read",
             [&schedule](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return no_appointment();
               auto v = schedule.get(*id);
               if (!v) return http::problem(v.error());
               if (!*v) return no_appointment();
               r.audit.patient_id = (*v)->mrn;
               r.audit.detail = "read appointment " + std::to_string(*id);
               return http::json_response(200, dump(appointment_json(**v)));
             });
}

void change_routes(http::Router& router, ris::Schedule& schedule) {
  router.add("POST", "/api/ris/appointments", "ris.schedule.write",
             [&schedule](const HttpRequest& r) {
               std::vector<ris::FieldError> errors;
               auto c = read_change(r, {"orderId", "roomId", "startsAt"}, errors);
               if (!c) return http::problem(c.error());
               auto start = starts_at(*c, errors);
               if (!errors.empty()) return invalid(errors);
               auto done = schedule.book(c->order_id, c->room_id, *start, r.principal.username);
               return answer(r, schedule, done, "booked", 201);
             });
  router.add("POST", "/api/ris/appointments/{id}/move", "ris.schedule.write",
             [&schedule](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return no_appointment();
               std::vector<ris::FieldError> errors;
               auto c = read_change(r, {"version", "roomId", "startsAt"}, errors);
               if (!c) return http::problem(c.error());
               auto start = starts_at(*c, errors);
               if (!errors.empty()) return invalid(errors);
               auto done = schedule.move(*id, c->version, c->room_id, *start, r.principal.username);
               return answer(r, schedule, done, "moved", 200);
             });
  router.add("POST", "/api/ris/appointments/{id}/cancel", "ris.schedule.write",
             [&schedule](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return no_appointment();
               std::vector<ris::FieldError> errors;
               auto c = read_change(r, {"version", "reason"}, errors);
               if (!c) return http::problem(c.error());
               if (!errors.empty()) return invalid(errors);
               auto done = schedule.cancel(*id, c->version, c->reason, r.principal.username);
               return answer(r, schedule, done, "cancelled", 200);
             });
  auto transition = [&schedule](bool arrival) {
    return [&schedule, arrival](const HttpRequest& r) {
      auto id = row_id(r.param("id"));
      if (!id) return no_appointment();
      std::vector<ris::FieldError> errors;
      auto c = read_change(r, {"version"}, errors);
      if (!c) return http::problem(c.error());
      if (!errors.empty()) return invalid(errors);
      auto done = arrival ? schedule.arrive(*id, c->version, r.principal.username)
                          : schedule.no_show(*id, c->version, r.principal.username);
      return answer(r, schedule, done, arrival ? "checked in" : "recorded no-show of", 200);
    };
  };
  router.add("POST", "/api/ris/appointments/{id}/arrive", "ris.checkin", transition(true));
  router.add("POST", "/api/ris/appointments/{id}/no-show", "ris.schedule.write", transition(false));
}

}  // namespace

void register_schedule_routes(http::Router& router, ris::Schedule& schedule,
                              const std::string& region) {
  read_routes(router, schedule, region);
  change_routes(router, schedule);
}

}  // namespace vireo::api
