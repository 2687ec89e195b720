// The technicians' worklist and the exam's steps (/api/ris/worklist, /api/ris/appointments/{id}/
// start, /acquired, /reader), the RIS's settings (/api/ris/settings), and the live stream of
// changes every open screen listens to (/api/ris/events, server-sent events). Thin: the rules,
// the role checks included, are ris::Exams's.
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

json settings_json(const ris::RisSettings& s) {
  return {{"readingAssignment", s.reading_assignment},
          {"updatedAt", s.updated_at},
          {"updatedBy", s.updated_by}};
}

// An event as a screen hears it: what changed, by its ids, never whose it is.
std::string event_text(const events::LiveEvent& e) {
  if (e.resync) return "event: resync\ndata: {}\n\n";
  json data = {{"topic", e.event.topic}};
  for (const char* id : {"appointment", "order", "room"}) {
    const std::string v = e.event.id(id);
    if (auto n = row_id(v)) data[std::string(id) + "Id"] = *n;
  }
  return "event: change\ndata: " + dump(data) + "\n\n";
}

json activity_json(const ris::ExamActivity& a) {
  json out = json::object();
  auto put = [&](const char* name, const std::string& v) {
    if (!v.empty()) out[name] = v;
  };
  put("claimedBy", a.claimed_by);
  put("claimedAt", a.claimed_at);
  put("reportedBy", a.reported_by);
  put("reportedStatus", a.reported_status);
  put("cancelRequestedBy", a.cancel_requested_by);
  put("cancelReason", a.cancel_reason);
  put("cancelRequestedAt", a.cancel_requested_at);
  return out;
}

void worklist_route(http::Router& router, ris::Exams& exams) {
  router.add("GET", "/api/ris/worklist", "ris.worklist.read", [&exams](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"day", "room", "modality", "status", "priority"}); !s)
      return http::problem(s.error());
    int64_t room = 0;
    if (auto v = r.query_value("room")) {
      auto id = row_id(*v);
      if (!id)
        return http::problem(Error{ErrorCode::InvalidArgument, "room is a positive whole number"});
      room = *id;
    }
    auto day = exams.worklist(
        {r.query_value("day").value_or(""), room, r.query_value("modality").value_or(""),
         r.query_value("status").value_or(""), r.query_value("priority").value_or("")});
    if (!day) return http::problem(day.error());
    if (!day->saved()) return invalid(day->invalid);
    json items = json::array();
    for (const auto& v : day->value.items) {
      json item = appointment_json(v);
      if (auto a = day->value.activity.find(v.appointment.id); a != day->value.activity.end())
        item["activity"] = activity_json(a->second);
      items.push_back(std::move(item));
    }
    r.audit.detail = "read the worklist of " + day->value.day + " (" +
                     std::to_string(day->value.items.size()) + " exams)";
    return http::json_response(200, dump({{"day", day->value.day}, {"items", items}}));
  });
}

void step_routes(http::Router& router, ris::Schedule& schedule, ris::Exams& exams) {
  auto step = [&schedule, &exams](bool start) {
    return [&schedule, &exams, start](const HttpRequest& r) {
      auto id = row_id(r.param("id"));
      if (!id) return no_appointment();
      std::vector<ris::FieldError> errors;
      auto c = read_change(r, {"version"}, errors);
      if (!c) return http::problem(c.error());
      if (!errors.empty()) return invalid(errors);
      auto done = start ? exams.start(*id, c->version, r.principal)
                        : exams.acquired(*id, c->version, r.principal);
      return answer(r, schedule, done, start ? "started the exam of" : "acquired the images of",
                    200);
    };
  };
  router.add("POST", "/api/ris/appointments/{id}/start", "ris.exam.perform", step(true));
  router.add("POST", "/api/ris/appointments/{id}/acquired", "ris.exam.perform", step(false));
  router.add("POST", "/api/ris/appointments/{id}/reader", "ris.reading.assign",
             [&schedule, &exams](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return no_appointment();
               std::vector<ris::FieldError> errors;
               auto c = read_change(r, {"version", "radiologistId"}, errors);
               if (!c) return http::problem(c.error());
               if (c->radiologist_id < 0)
                 errors.push_back({"radiologistId", "range", "A staff id, or 0 for nobody"});
               if (!errors.empty()) return invalid(errors);
               auto done = exams.assign_reader(*id, c->version, c->radiologist_id, r.principal);
               return answer(r, schedule, done,
                             "assigned radiologist " + std::to_string(c->radiologist_id) + " to",
                             200);
             });
}

void settings_routes(http::Router& router, ris::Exams& exams) {
  router.add("GET", "/api/ris/settings", "ris.worklist.read", [&exams](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    auto s = exams.settings();
    if (!s) return http::problem(s.error());
    return http::json_response(200, dump(settings_json(*s)));
  });
  router.add("PUT", "/api/ris/settings", "ris.settings.admin", [&exams](const HttpRequest& r) {
    auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "the RIS's settings");
    if (!body) return http::problem(body.error());
    std::vector<ris::FieldError> errors;
    ris_json::Reader in(*body, errors);
    ris::RisSettings wanted;
    in.text("readingAssignment", wanted.reading_assignment);
    if (!body->contains("readingAssignment"))
      errors.push_back({"readingAssignment", "required", "readingAssignment is required"});
    if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
    if (!errors.empty()) return invalid(errors);
    auto saved = exams.save_settings(wanted, r.principal);
    if (!saved) return http::problem(saved.error());
    if (!saved->saved()) return invalid(saved->invalid);
    r.audit.detail = "set reading assignment to " + saved->value.reading_assignment;
    return http::json_response(200, dump(settings_json(saved->value)));
  });
}

void events_route(http::Router& router, events::LiveFeed& feed, auth::AuthService& auth) {
  router.add("GET", "/api/ris/events", "ris.schedule.read", [&feed, &auth](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    r.audit.detail = "opened the stream of changes";
    HttpResponse res;
    res.content_type = "text/event-stream";
    // A stream outlives its request: it ends when its session or token no longer holds
    // (signed out, expired, idle, disabled), which the feed asks now and then on its own thread
    // without keeping the session alive by asking.
    res.event_stream = [&feed, &auth, who = r.principal](http::EventSender send) {
      return feed.subscribe(
          [send = std::move(send)](const events::LiveEvent& e) {
            send(e.closing ? std::string() : event_text(e));
          },
          [&auth, who] {
            auto still = auth.still_signed_in(who);
            return !still || *still;  // (a database away says nothing about the session)
          });
    };
    return res;
  });
}

}  // namespace

void register_worklist_routes(http::Router& router, ris::Schedule& schedule, ris::Exams& exams,
                              events::LiveFeed& feed, auth::AuthService& auth) {
  worklist_route(router, exams);
  step_routes(router, schedule, exams);
  settings_routes(router, exams);
  events_route(router, feed, auth);
}

}  // namespace vireo::api
