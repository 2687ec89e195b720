#include <nlohmann/json.hpp>

#include "api/rest/routes.hpp"
#include "core/metrics.hpp"

namespace vireo::api {

void register_system_routes(http::Router& router, archive::Archive& archive) {
  router.add("GET", "/healthz", "public", [&archive](const http::HttpRequest&) {
    auto stats = archive.stats();
    if (!stats) return http::problem(stats.error());
    return http::json_response(200, nlohmann::json{{"status", "ok"}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  });
  router.add("GET", "/metrics", "public", [](const http::HttpRequest&) {
    http::HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = Metrics::render();
    return r;
  });
  router.add("GET", "/api/stats", "archive.admin", [&archive](const http::HttpRequest&) {
    auto s = archive.stats();
    if (!s) return http::problem(s.error());
    return http::json_response(200, nlohmann::json{{"patients", s->patients},
                                                   {"studies", s->studies},
                                                   {"series", s->series},
                                                   {"instances", s->instances},
                                                   {"bytes", s->bytes}}
                                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  });
}

}  // namespace vireo::api
