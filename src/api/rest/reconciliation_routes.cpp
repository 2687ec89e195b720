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
          {"createdAt", u.created_at}};
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
}

}  // namespace vireo::api
