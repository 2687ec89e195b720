// Peer review over HTTP: the reports offered to the caller for review, scoring one, and the
// results per radiologist for the administrator. Thin: the rules are reporting::PeerReviews's.
#include "api/query_params.hpp"
#include "api/rest/reporting_json.hpp"
#include "api/rest/ris_json.hpp"
#include "api/rest/routes.hpp"

namespace vireo::api {

namespace {
using http::HttpRequest;
using nlohmann::json;
using ris_json::dump;
using ris_json::invalid;

json review(const reporting::PeerReview& p) {
  return {{"id", p.id},
          {"orderId", p.order_id},
          {"version", p.number},
          {"accessionNumber", p.accession_number},
          {"modality", p.modality},
          {"procedures", p.procedures},
          {"readerName", p.reader_name},
          {"signedAt", p.signed_at},
          {"offeredAt", p.offered_at},
          {"status", p.status},
          {"reviewerName", p.reviewer_name},
          {"score", p.score},
          {"comment", p.comment},
          {"reviewedAt", p.reviewed_at}};
}

}  // namespace

void register_peer_review_routes(http::Router& router, reporting::PeerReviews& reviews) {
  router.add("GET", "/api/reporting/peer-reviews", "reporting.peer_review", [&reviews](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    auto open = reviews.offered(r.principal);
    if (!open) return http::problem(open.error());
    json items = json::array();
    for (const auto& p : *open) items.push_back(review(p));
    r.audit.detail = "listed " + std::to_string(open->size()) + " reports offered for peer review";
    return http::json_response(200, dump({{"items", items}}));
  });
  router.add("POST", "/api/reading/{orderId}/peer-review", "reporting.peer_review", [&reviews](const HttpRequest& r) {
    auto id = row_id(r.param("orderId"));
    if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
    auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "the review");
    if (!body) return http::problem(body.error());
    std::vector<ris::FieldError> errors;
    ris_json::Reader in(*body, errors);
    reporting::PeerScore score;
    in.text("score", score.score);
    in.text("comment", score.comment);
    if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
    if (!errors.empty()) return invalid(errors);
    auto done = reviews.score(*id, score, r.principal);
    if (!done) return http::problem(done.error());
    if (!done->invalid.empty()) return invalid(done->invalid);
    if (done->conflict)
      return reporting_json::conflict(*done->conflict);
    r.audit.patient_id = done->value.mrn;
    r.audit.study_uid = done->value.study_uid;
    r.audit.detail = "scored " + done->value.score + " in peer review the report of exam " +
                     done->value.accession_number + " signed by " + done->value.reader;
    return http::json_response(200, dump(review(done->value)));
  });
  router.add("GET", "/api/reporting/peer-review/summary", "reporting.peer_results", [&reviews](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"days"}); !s) return http::problem(s.error());
    auto days = whole_number("days", r.query_value("days").value_or("365"), 1, 3660);
    if (!days) return http::problem(days.error());
    auto summary = reviews.summary(static_cast<int>(*days), r.principal);
    if (!summary) return http::problem(summary.error());
    json items = json::array();
    for (const auto& s : *summary) {
      json scores = json::object();
      for (const auto& [score, n] : s.scores) scores[score] = n;
      items.push_back({{"reader", s.reader},
                       {"readerName", s.reader_name},
                       {"reviewed", s.reviewed},
                       {"scores", scores},
                       {"significant", s.significant}});
    }
    r.audit.detail = "read peer review results of the last " + std::to_string(*days) + " days";
    return http::json_response(200, dump({{"items", items}}));
  });
}

}  // namespace vireo::api
