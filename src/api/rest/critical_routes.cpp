// Critical results over HTTP: the clinic's list of critical findings, flagging one on an exam,
// recording whom it was communicated to, how and when they received it, and the list of those
// still open. Thin: the rules are reporting::CriticalResults's.
#include "api/query_params.hpp"
#include "api/rest/reporting_json.hpp"
#include "api/rest/ris_json.hpp"
#include "api/rest/routes.hpp"

namespace vireo::api {

namespace {
using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;
using ris_json::dump;
using ris_json::invalid;

json critical(const reporting::CriticalResult& c) {
  return {{"id", c.id},
          {"orderId", c.order_id},
          {"accessionNumber", c.accession_number},
          {"patientName", c.patient_name},
          {"mrn", c.mrn},
          {"finding", c.finding},
          {"note", c.note},
          {"foundAt", c.found_at},
          {"foundBy", c.found_by},
          {"foundByName", c.found_by_name},
          {"status", c.status},
          {"communicatedTo", c.communicated_to},
          {"method", c.method},
          {"receivedAt", c.received_at},
          {"recordedBy", c.recorded_by},
          {"recordedAt", c.recorded_at},
          {"escalations", c.escalations},
          {"escalatedAt", c.escalated_at}};
}

// A list, its patients named in the audit trail.
HttpResponse list_answer(const HttpRequest& r, const Result<std::vector<reporting::CriticalResult>>& list,
                         const std::string& what) {
  if (!list) return http::problem(list.error());
  json out = json::array();
  std::string mrns;
  for (const auto& c : *list) {
    out.push_back(critical(c));
    if (mrns.find(c.mrn) == std::string::npos) mrns += (mrns.empty() ? " " : ", ") + c.mrn;
  }
  r.audit.detail = what + " (" + std::to_string(list->size()) + (mrns.empty() ? ")" : "; MRN" + mrns + ")");
  return http::json_response(200, dump({{"results", out}}));
}

HttpResponse saved_answer(const HttpRequest& r, const Result<reporting::CriticalSaved>& done, const std::string& what,
                          int status) {
  if (!done) return http::problem(done.error());
  if (!done->invalid.empty()) return invalid(done->invalid);
  if (done->conflict)
    return reporting_json::conflict(*done->conflict);
  r.audit.patient_id = done->value.mrn;
  r.audit.detail = what + " critical result " + std::to_string(done->value.id) + " (" + done->value.finding +
                   ") of exam " + done->value.accession_number;
  return http::json_response(status, dump(critical(done->value)));
}

}  // namespace

void register_critical_routes(http::Router& router, reporting::CriticalResults& results) {
  router.add("GET", "/api/reporting/critical-findings", "reporting.read", [&results](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    json methods = json::array();
    for (const char* m : reporting::kCommunicationMethods) methods.push_back(m);
    return http::json_response(200, dump({{"findings", results.findings()}, {"methods", methods}}));
  });
  router.add("GET", "/api/reporting/critical", "reporting.read", [&results](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"status"}); !s) return http::problem(s.error());
    if (r.query_value("status").value_or("open") != "open")
      return http::problem(Error{ErrorCode::InvalidArgument, "status is open: the results not yet communicated"});
    return list_answer(r, results.open_results(r.principal), "read the critical results not yet communicated");
  });
  router.add("GET", "/api/reading/{orderId}/critical", "reporting.read", [&results](const HttpRequest& r) {
    auto id = row_id(r.param("orderId"));
    if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
    return list_answer(r, results.of_order(*id, r.principal), "read the critical results of order " + std::to_string(*id));
  });
  router.add("POST", "/api/reading/{orderId}/critical", "reporting.write", [&results](const HttpRequest& r) {
    auto id = row_id(r.param("orderId"));
    if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
    auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "the critical result");
    if (!body) return http::problem(body.error());
    std::vector<ris::FieldError> errors;
    ris_json::Reader in(*body, errors);
    std::string finding, note;
    in.text("finding", finding);
    in.text("note", note);
    if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
    if (!errors.empty()) return invalid(errors);
    return saved_answer(r, results.flag(*id, finding, note, r.principal), "flagged", 201);
  });
  router.add("POST", "/api/reading/{orderId}/critical/{id}/communicated", "reporting.write",
             [&results](const HttpRequest& r) {
               auto order = row_id(r.param("orderId"));
               auto id = row_id(r.param("id"));
               if (!order || !id) return http::problem(Error{ErrorCode::NotFound, "no such critical result"});
               auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "the communication");
               if (!body) return http::problem(body.error());
               std::vector<ris::FieldError> errors;
               ris_json::Reader in(*body, errors);
               reporting::Communication how;
               in.text("to", how.to);
               in.text("method", how.method);
               in.text("receivedAt", how.received_at);
               if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
               if (!errors.empty()) return invalid(errors);
               return saved_answer(r, results.communicated(*order, *id, how, r.principal),
                                   "recorded the communication of", 200);
             });
}

}  // namespace vireo::api
