// Report turnaround over HTTP, for the reading room's dashboard. Thin: the counting is
// reporting::ReportingStats's.
#include "api/query_params.hpp"
#include "api/rest/ris_json.hpp"
#include "api/rest/routes.hpp"

namespace vireo::api {

namespace {
using http::HttpRequest;
using nlohmann::json;
using ris_json::dump;

json span(const reporting::Span& s) {
  return {{"count", s.count}, {"medianMinutes", s.median_min}, {"p90Minutes", s.p90_min}};
}

json group(const reporting::TurnaroundGroup& g) {
  return {{"key", g.key},
          {"reports", g.reports},
          {"orderToAcquired", span(g.to_acquired)},
          {"acquiredToSigned", span(g.to_signed)},
          {"signedToReleased", span(g.to_released)},
          {"orderToReleased", span(g.total)}};
}

json groups(const std::vector<reporting::TurnaroundGroup>& list) {
  json out = json::array();
  for (const auto& g : list) out.push_back(group(g));
  return out;
}

}  // namespace

void register_turnaround_routes(http::Router& router, reporting::ReportingStats& stats) {
  router.add("GET", "/api/reporting/turnaround", "reporting.stats", [&stats](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"days"}); !s) return http::problem(s.error());
    auto days = whole_number("days", r.query_value("days").value_or("30"), 1, reporting::kMaxTurnaroundDays);
    if (!days) return http::problem(days.error());
    auto t = stats.turnaround(static_cast<int>(*days), r.principal);
    if (!t) return http::problem(t.error());
    json pending = json::array();
    for (const auto& p : t->pending)
      pending.push_back({{"modality", p.modality},
                         {"priority", p.priority},
                         {"count", p.count},
                         {"oldestAcquiredAt", p.oldest_acquired_at}});
    r.audit.detail = "read report turnaround of the last " + std::to_string(*days) + " days";
    return http::json_response(200, dump({{"from", t->from},
                                          {"to", t->to},
                                          {"overall", group(t->overall)},
                                          {"byModality", groups(t->by_modality)},
                                          {"byRadiologist", groups(t->by_radiologist)},
                                          {"byPriority", groups(t->by_priority)},
                                          {"pending", pending},
                                          {"held", t->held}}));
  });
}

}  // namespace vireo::api
