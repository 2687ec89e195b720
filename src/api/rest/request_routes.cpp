// Appointment requests (/api/ris/appointment-requests): asked for by the staff today (by
// patients and referrers once the portal and their views come), listed for reception, confirmed
// by booking a time, or declined with a reason. Thin: the rules are ris::Schedule's.
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

json request_json(const ris::RequestView& v) {
  const ris::AppointmentRequest& r = v.request;
  return {{"id", r.id},
          {"orderId", r.order_id},
          {"source", r.source},
          {"preferredFrom", r.preferred_from},
          {"preferredTo", r.preferred_to},
          {"preferredTime", r.preferred_time},
          {"note", r.note},
          {"status", r.status},
          {"declineReason", r.decline_reason},
          {"appointmentId", r.appointment_id},
          {"version", r.version},
          {"createdAt", r.created_at},
          {"createdBy", r.created_by},
          {"updatedAt", r.updated_at},
          {"updatedBy", r.updated_by},
          {"accessionNumber", v.accession_number},
          {"priority", v.priority},
          {"orderStatus", v.order_status},
          {"reason", v.reason},
          {"procedureIds", v.procedure_ids},
          {"patient",
           {{"id", r.patient_id},
            {"name", v.patient_name},
            {"mrn", v.mrn},
            {"birthDate", v.birth_date},
            {"sex", v.sex},
            {"phone", v.phone},
            {"contrastAllergy", v.contrast_allergy}}}};
}

HttpResponse no_request() { return http::problem(Error{ErrorCode::NotFound, "no such request"}); }

// The answer to a request's change: 400, 409, or the request as it now is.
HttpResponse answered(const HttpRequest& r, ris::Schedule& schedule,
                      const Result<ris::RequestChange>& done, const std::string& what, int status) {
  if (!done) return http::problem(done.error());
  if (!done->invalid.empty()) return invalid(done->invalid);
  if (done->conflict) return conflict_problem(*done->conflict);
  auto view = schedule.request_view(done->value.id);
  if (!view) return http::problem(view.error());
  if (!*view) return no_request();
  r.audit.patient_id = (*view)->mrn;
  r.audit.detail = what + " appointment request " + std::to_string(done->value.id) +
                   " (accession " + (*view)->accession_number + ")";
  return http::json_response(status, dump(request_json(**view)));
}

std::string source_of(const access::Principal& p) {
  if (p.has_role(access::Role::Patient)) return "patient";
  if (p.has_role(access::Role::ReferringPhysician)) return "referrer";
  return "staff";
}

void read_routes(http::Router& router, ris::Schedule& schedule) {
  router.add("GET", "/api/ris/appointment-requests", "ris.schedule.read",
             [&schedule](const HttpRequest& r) {
               if (auto s = only_parameters(r, {"status", "limit"}); !s)
                 return http::problem(s.error());
               auto limit = whole_number("limit", r.query_value("limit").value_or("200"), 1, 500);
               if (!limit) return http::problem(limit.error());
               auto list = schedule.requests(r.query_value("status").value_or("pending"), *limit);
               if (!list) return http::problem(list.error());
               json out = json::array();
               for (const auto& v : *list) out.push_back(request_json(v));
               r.audit.detail = "read " + std::to_string(list->size()) + " appointment requests";
               return http::json_response(200, dump({{"requests", out}}));
             });
  router.add("GET", "/api/ris/appointment-requests/{id}", "ris.schedule.read",
             [&schedule](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return no_request();
               auto v = schedule.request_view(*id);
               if (!v) return http::problem(v.error());
               if (!*v) return no_request();
               r.audit.patient_id = (*v)->mrn;
               r.audit.detail = "read appointment request " + std::to_string(*id);
               return http::json_response(200, dump(request_json(**v)));
             });
}

void change_routes(http::Router& router, ris::Schedule& schedule) {
  router.add("POST", "/api/ris/appointment-requests", "ris.requests.create",
             [&schedule](const HttpRequest& r) {
               auto body =
                   ris_json::object_body(r, ris_json::kMaxFormBody, "an appointment request");
               if (!body) return http::problem(body.error());
               std::vector<ris::FieldError> errors;
               ris_json::Reader in(*body, errors);
               ris::RequestFields f;
               in.integer("orderId", f.order_id);
               in.text("preferredFrom", f.preferred_from);
               in.text("preferredTo", f.preferred_to);
               in.text("preferredTime", f.preferred_time);
               in.text("note", f.note);
               if (!body->contains("orderId"))
                 errors.push_back({"orderId", "required", "orderId is required"});
               if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
               if (!errors.empty()) return invalid(errors);
               // Staff who book ask for any order; anyone else (a referrer) only for the orders
               // that name them ("-": an account without a physician's name owns none).
               const std::string source = source_of(r.principal);
               const std::string referrer =
                   r.principal.may("ris.schedule.write")
                       ? std::string()
                       : (r.principal.physician_name.empty() ? std::string("-")
                                                             : r.principal.physician_name);
               return answered(r, schedule,
                               schedule.request(f, source, r.principal.username, referrer),
                               "asked for", 201);
             });
  router.add("POST", "/api/ris/appointment-requests/{id}/confirm", "ris.schedule.write",
             [&schedule](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return no_request();
               std::vector<ris::FieldError> errors;
               auto c = read_change(r, {"version", "orderId", "roomId", "startsAt"}, errors);
               if (!c) return http::problem(c.error());
               auto start = parse_instant(c->starts_at);
               if (!start && errors.empty())
                 errors.push_back({"startsAt", c->starts_at.empty() ? "required" : "format",
                                   "startsAt is a date and time with its zone"});
               if (!errors.empty()) return invalid(errors);
               auto done = schedule.confirm_request(*id, c->version, c->order_id, c->room_id,
                                                    *start, r.principal.username);
               if (!done && done.error().code == ErrorCode::NotFound) return no_request();
               return answer(r, schedule, done,
                             "booked, confirming request " + std::to_string(*id) + ",", 201);
             });
  router.add("POST", "/api/ris/appointment-requests/{id}/decline", "ris.schedule.write",
             [&schedule](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return no_request();
               std::vector<ris::FieldError> errors;
               auto c = read_change(r, {"version", "reason"}, errors);
               if (!c) return http::problem(c.error());
               if (!errors.empty()) return invalid(errors);
               auto done =
                   schedule.decline_request(*id, c->version, c->reason, r.principal.username);
               if (!done && done.error().code == ErrorCode::NotFound) return no_request();
               return answered(r, schedule, done, "declined", 200);
             });
}

}  // namespace

void register_request_routes(http::Router& router, ris::Schedule& schedule) {
  read_routes(router, schedule);
  change_routes(router, schedule);
}

}  // namespace vireo::api
