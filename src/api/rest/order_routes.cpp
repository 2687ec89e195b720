// The RIS's orders (/api/ris/orders): created for a registered patient with the catalogue's
// procedures and given their accession number, read, cancelled with a reason. Thin: JSON in
// and out, the rules are ris::Orders'.
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

json order_json(const ris::Order& o) {
  return {{"id", o.id},
          {"patientId", o.patient_id},
          {"accessionNumber", o.accession_number},
          {"procedureIds", o.procedure_ids},
          {"priority", o.priority},
          {"reason", o.reason},
          {"clinicalInfo", o.clinical_info},
          {"referringPhysician", o.referring_physician},
          {"requestingDepartment", o.requesting_department},
          {"status", o.status},
          {"cancelReason", o.cancel_reason},
          {"studyInstanceUid", o.study_instance_uid},
          {"version", o.version},
          {"createdAt", o.created_at},
          {"createdBy", o.created_by},
          {"updatedAt", o.updated_at}};
}

json referral_json(const ris::Referral& v) {
  json booking = nullptr;
  if (!v.starts_at.empty())
    booking = {{"startsAt", v.starts_at}, {"status", v.appointment_status}, {"room", v.room}};
  return {{"order", order_json(v.order)},
          {"procedures", v.procedures},
          {"patient",
           {{"name", v.patient_name},
            {"mrn", v.mrn},
            {"mrnIssuer", v.mrn_issuer},
            {"birthDate", v.birth_date},
            {"sex", v.sex},
            {"contrastAllergy", v.contrast_allergy}}},
          {"appointment", booking},
          {"request", v.request_status.empty()
                          ? json(nullptr)
                          : json{{"status", v.request_status},
                                 {"declineReason", v.request_decline_reason}}}};
}

// A referring physician's orders: the rows are theirs by their account's physician name, never
// by a parameter (a physician cannot ask for another's).
HttpResponse referrals(ris::Orders& orders, const HttpRequest& r) {
  if (auto s = only_parameters(r, {"status", "limit"}); !s) return http::problem(s.error());
  const std::string status = r.query_value("status").value_or("open");
  if (status != "open" && status != "all")
    return http::problem(Error{ErrorCode::InvalidArgument, "status is open or all"});
  auto limit = whole_number("limit", r.query_value("limit").value_or("200"), 1, 500);
  if (!limit) return http::problem(limit.error());
  auto list = orders.referrals(r.principal.physician_name, status == "open", *limit);
  if (!list) return http::problem(list.error());
  json out = json::array();
  for (const auto& v : *list) out.push_back(referral_json(v));
  // Whose records went to a physician outside the clinic: each patient's MRN, once.
  std::string mrns;
  for (const auto& v : *list)
    if (mrns.find(" " + v.mrn + ",") == std::string::npos) mrns += " " + v.mrn + ",";
  if (!mrns.empty()) mrns.pop_back();
  r.audit.detail = "read " + std::to_string(list->size()) + " of their referrals (MRN" + mrns + ")";
  return http::json_response(200, dump({{"referrals", out}}));
}

HttpResponse no_order() { return http::problem(Error{ErrorCode::NotFound, "no such order"}); }

// The audit names the patient by MRN, as every other RIS record does.
void audit(const HttpRequest& r, ris::Patients& patients, const ris::Order& o,
           const std::string& what) {
  if (auto p = patients.get(o.patient_id); p && *p) r.audit.patient_id = (*p)->mrn;
  r.audit.detail =
      what + " order " + std::to_string(o.id) + " (accession " + o.accession_number + ")";
}

HttpResponse create(ris::Orders& orders, ris::Patients& patients, const HttpRequest& r) {
  auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "an order's fields");
  if (!body) return http::problem(body.error());
  std::vector<ris::FieldError> errors;
  ris_json::Reader in(*body, errors);
  ris::OrderFields f;
  in.integer("patientId", f.patient_id);
  if (const json* ids = in.member("procedureIds")) {
    bool ok = ids->is_array() && ids->size() <= 20;
    for (const auto& id : ok ? *ids : json::array()) ok = ok && id.is_number_integer();
    if (ok)
      for (const auto& id : *ids) f.procedure_ids.push_back(id.get<int64_t>());
    else
      errors.push_back({"procedureIds", "type", "procedureIds must be a list of procedure ids"});
  }
  in.text("priority", f.priority);
  in.text("reason", f.reason);
  in.text("clinicalInfo", f.clinical_info);
  in.text("referringPhysician", f.referring_physician);
  in.text("requestingDepartment", f.requesting_department);
  in.text("accessionNumber", f.accession_number);
  if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
  if (!errors.empty()) return invalid(errors);
  auto made = orders.create(f, r.principal.username);
  if (!made) return http::problem(made.error());
  if (!made->saved()) return invalid(made->invalid);
  audit(r, patients, made->value, "created");
  return http::json_response(201, dump(order_json(made->value)));
}

HttpResponse cancel(ris::Orders& orders, ris::Patients& patients, const HttpRequest& r) {
  auto id = row_id(r.param("id"));
  if (!id) return no_order();
  auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "a cancellation");
  if (!body) return http::problem(body.error());
  std::vector<ris::FieldError> errors;
  ris_json::Reader in(*body, errors);
  std::string reason;
  int64_t version = -1;
  in.text("reason", reason);
  in.integer("version", version);
  if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
  if (version < 0 && errors.empty())
    errors.push_back({"version", "required", "version (the one read) is required"});
  if (!errors.empty()) return invalid(errors);
  auto done = orders.cancel(*id, version, reason, r.principal.username);
  if (!done && done.error().code == ErrorCode::NotFound) return no_order();
  // Conflicts name their rule, for the screen to say in the reader's words.
  if (!done && done.error().code == ErrorCode::AlreadyExists)
    return conflict_problem({"stale", done.error().detail, 0});
  if (!done && done.error().code == ErrorCode::StateConflict)
    return conflict_problem({"order_state", done.error().detail, 0});
  if (!done) return http::problem(done.error());
  if (!done->saved()) return invalid(done->invalid);
  audit(r, patients, done->value, "cancelled");
  return http::json_response(200, dump(order_json(done->value)));
}


json performed_json(const ris::PerformedStep& p) {
  json series = json::array();
  for (const auto& s : p.series)
    series.push_back({{"seriesInstanceUid", s.series_uid}, {"modality", s.modality}, {"description", s.description},
                      {"images", s.images}});
  return {{"uid", p.uid},
          {"status", p.status},
          {"stationAeTitle", p.station_aet},
          {"series", series},
          {"discontinuedReason", p.discontinued_reason},
          {"createdAt", p.created_at},
          {"updatedAt", p.updated_at}};
}

}  // namespace

void register_order_routes(http::Router& router, ris::Orders& orders, ris::Patients& patients,
                           ris::PerformedSteps& performed) {
  router.add("GET", "/api/ris/orders", "ris.orders.read",
             [&orders, &patients](const HttpRequest& r) {
               if (auto s = only_parameters(r, {"patient"}); !s) return http::problem(s.error());
               auto patient = row_id(r.query_value("patient").value_or(""));
               if (!patient)
                 return http::problem(
                     Error{ErrorCode::InvalidArgument, "patient (a patient's id) is required"});
               auto list = orders.of_patient(*patient);
               if (!list) return http::problem(list.error());
               // Whose orders were read: the patient by MRN, as every other RIS read.
               if (auto p = patients.get(*patient); p && *p) r.audit.patient_id = (*p)->mrn;
               r.audit.detail = "read orders of RIS patient " + std::to_string(*patient);
               json out = json::array();
               for (const auto& o : *list) out.push_back(order_json(o));
               return http::json_response(200, dump({{"orders", out}}));
             });
  router.add("POST", "/api/ris/orders", "ris.orders.write",
             [&orders, &patients](const HttpRequest& r) { return create(orders, patients, r); });
  router.add("GET", "/api/ris/orders/{id}", "ris.orders.read",
             [&orders, &patients](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return no_order();
               auto o = orders.get(*id);
               if (!o) return http::problem(o.error());
               if (!*o) return no_order();
               audit(r, patients, **o, "read");
               return http::json_response(200, dump(order_json(**o)));
             });
  router.add("GET", "/api/ris/orders/{id}/performed-steps", "ris.orders.read",
             [&orders, &patients, &performed](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return no_order();
               auto o = orders.get(*id);
               if (!o) return http::problem(o.error());
               if (!*o) return no_order();
               auto steps = performed.of_order(*id);
               if (!steps) return http::problem(steps.error());
               audit(r, patients, **o, "read the performed steps of");
               json out = json::array();
               for (const auto& p : *steps) out.push_back(performed_json(p));
               return http::json_response(200, dump({{"steps", out}}));
             });
  router.add("POST", "/api/ris/orders/{id}/cancel", "ris.orders.write",
             [&orders, &patients](const HttpRequest& r) { return cancel(orders, patients, r); });
  router.add("GET", "/api/ris/referrals", "ris.referrals.read",
             [&orders](const HttpRequest& r) { return referrals(orders, r); });
}

}  // namespace vireo::api
