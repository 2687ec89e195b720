// The studies to reconcile (/api/ris/unmatched-studies): those that arrived without an order to
// link them to, or naming another patient than the order their accession number names. Thin:
// the matching is ris::ImageLinks's.
#include "api/query_params.hpp"
#include "api/rest/ris_json.hpp"
#include "api/rest/routes.hpp"

namespace vireo::api {

namespace {
using http::HttpRequest;
using nlohmann::json;

json unmatched_json(const ris::UnmatchedStudy& u) {
  return {{"id", u.id},
          {"studyInstanceUid", u.study.study_uid},
          {"patientId", u.study.patient_id},
          {"issuer", u.study.issuer},
          {"accessionNumber", u.study.accession},
          {"patientName", u.study.patient_name},
          {"birthDate", u.study.birth_date},
          {"modalities", u.study.modalities},
          {"studyDate", u.study.study_date},
          {"reason", u.reason},
          {"orderId", u.order_id},
          {"createdAt", u.created_at},
          {"reconciledTo", u.reconciled_to}};
}
}  // namespace

void register_reconciliation_routes(http::Router& router, ris::ImageLinks& links) {
  router.add("GET", "/api/ris/unmatched-studies", "ris.worklist.read", [&links](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"limit"}); !s) return http::problem(s.error());
    int64_t limit = 100;
    if (auto v = r.query_value("limit")) {
      auto n = row_id(*v);
      if (!n || *n > 1000) return http::problem(Error{ErrorCode::InvalidArgument, "limit: 1 to 1000"});
      limit = *n;
    }
    auto list = links.unmatched(limit);
    if (!list) return http::problem(list.error());
    // Whose studies were shown: their Patient IDs, as the study list's reads are audited.
    std::string ids;
    for (const auto& u : *list)
      if (ids.size() < 1500) ids += (ids.empty() ? "" : ", ") + u.study.patient_id;
    r.audit.detail = "read " + std::to_string(list->size()) + " studies to reconcile" +
                     (ids.empty() ? "" : " (patients " + ids + ")");
    json out = json::array();
    for (const auto& u : *list) out.push_back(unmatched_json(u));
    return http::json_response(200, ris_json::dump({{"studies", out}}));
  });
  router.add("POST", "/api/ris/unmatched-studies/{id}/link", "ris.exam.perform", [&links](const HttpRequest& r) {
    auto id = row_id(r.param("id"));
    if (!id) return http::problem(Error{ErrorCode::NotFound, "no such study to reconcile"});
    auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "a link to an order");
    if (!body) return http::problem(body.error());
    std::vector<ris::FieldError> errors;
    ris_json::Reader in(*body, errors);
    int64_t order = 0;
    in.integer("orderId", order);
    if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
    if (order <= 0 && errors.empty()) errors.push_back({"orderId", "required", "orderId (the order's id) is required"});
    if (!errors.empty()) return ris_json::invalid(errors);
    auto done = links.reconcile(*id, order, r.principal.username);
    if (!done) return http::problem(done.error());
    if (!done->saved()) return ris_json::invalid(done->invalid);
    r.audit.patient_id = done->mrn;
    r.audit.study_uid = done->study.study_uid;
    r.audit.detail = "linked study " + done->study.study_uid + " (MRN " + done->study.patient_id + ", accession '" +
                     done->study.accession + "') to order " + std::to_string(order) + " (accession " +
                     done->accession + ", MRN " + done->mrn + "): its images will be corrected";
    return http::json_response(202, ris_json::dump({{"studyInstanceUid", done->study.study_uid},
                                                    {"orderId", done->order_id},
                                                    {"patientId", done->mrn},
                                                    {"accessionNumber", done->accession}}));
  });
}

}  // namespace vireo::api
