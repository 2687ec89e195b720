#include <unistd.h>

#include <nlohmann/json.hpp>

#include "api/query_params.hpp"
#include "api/rest/routes.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"

namespace vireo::api {

namespace {
using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string host_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

// The status page's lists: the newest few are what an administrator acts on.
constexpr int64_t kRecent = 20;

// A list that cannot be read is an error of the page, never an empty list: "none refused"
// would be false comfort.
Result<json> events_json(events::Outbox& outbox) {
  auto counts = outbox.counts();
  if (!counts) return std::unexpected(counts.error());
  auto dead = outbox.dead_letters(kRecent, 0);
  if (!dead) return std::unexpected(dead.error());
  json failures = json::array();
  for (const auto& d : *dead)
    failures.push_back({{"id", d.id},
                        {"topic", d.event.topic},
                        {"consumer", d.consumer},
                        {"at", utc_iso(d.created_at)},
                        {"attempts", d.attempts},
                        {"lastError", d.last_error}});
  return json{{"pending", counts->pending}, {"failed", counts->dead}, {"failures", failures}};
}

Result<json> status_json(archive::Archive& archive, events::Outbox& outbox, const archive::ArchiveStats& s) {
  json storage = {{"archiveBytes", s.bytes}, {"minFreeBytes", archive.min_free_bytes()}};
  if (auto free = archive.free_bytes()) storage["freeBytes"] = *free;
  else storage["freeBytes"] = nullptr;
  auto refused = archive.rejections(kRecent);
  if (!refused) return std::unexpected(refused.error());
  auto conflicted = archive.conflicts(kRecent);
  if (!conflicted) return std::unexpected(conflicted.error());
  json rejections = json::array(), conflicts = json::array();
  for (const auto& r : *refused)
    rejections.push_back({{"at", r.at}, {"source", r.source}, {"SOPInstanceUID", r.sop_instance_uid}, {"reason", r.reason}});
  for (const auto& c : *conflicted)
    conflicts.push_back({{"at", c.at}, {"source", c.source}, {"SOPInstanceUID", c.sop_instance_uid}, {"resolution", c.resolution}});
  auto events = events_json(outbox);
  if (!events) return std::unexpected(events.error());
  return json{{"events", *events},
              {"counts", {{"patients", s.patients}, {"studies", s.studies}, {"series", s.series}, {"instances", s.instances}}},
              {"storage", storage},
              {"rejections", rejections},
              {"conflicts", conflicts}};
}

json peer_json(const net::DicomPeer& p) { return {{"aet", p.aet}, {"host", p.host}, {"port", p.port}}; }
}  // namespace

void register_system_routes(http::Router& router, archive::Archive& archive, events::Outbox& outbox,
                            WriteQueue& writes, const DicomSettings& dicom) {
  router.add("GET", "/healthz", "public", [&archive](const http::HttpRequest&) {
    auto stats = archive.stats();
    if (!stats) return http::problem(stats.error());
    return http::json_response(200, dump(json{{"status", "ok"}}));
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
    return http::json_response(200, dump(json{{"patients", s->patients},
                                              {"studies", s->studies},
                                              {"series", s->series},
                                              {"instances", s->instances},
                                              {"bytes", s->bytes}}));
  });
  router.add("GET", "/api/system/status", "archive.admin", [&archive, &outbox](const http::HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    auto s = archive.stats();
    if (!s) return http::problem(s.error());
    auto status = status_json(archive, outbox, *s);
    if (!status) return http::problem(status.error());
    return http::json_response(200, dump(*status));
  });
  // A delivery given up after its retries (events/dispatcher.hpp), tried again from now.
  router.add("POST", "/api/events/failed/{id}/retry", "archive.admin", [&outbox, &writes](const http::HttpRequest& r) {
    auto id = whole_number("id", r.param("id"), 1, INT64_MAX);
    if (!id) return http::problem(Error{ErrorCode::NotFound, "no such failed delivery"});
    if (auto s = outbox.retry(writes, *id); !s) return http::problem(s.error());
    r.audit.detail = "event delivery " + std::to_string(*id) + " retried";
    return http::no_content();
  });
  router.add("GET", "/api/rejections", "archive.admin", [&archive](const http::HttpRequest& r) {
    if (auto s = only_parameters(r, {"limit"}); !s) return http::problem(s.error());
    auto page = page_of(r, 100, archive::Archive::kKeptRejections);
    if (!page) return http::problem(page.error());
    auto rows = archive.rejections(page->limit);
    if (!rows) return http::problem(rows.error());
    json out = json::array();
    for (const auto& x : *rows)
      out.push_back({{"at", x.at}, {"source", x.source}, {"SOPInstanceUID", x.sop_instance_uid}, {"reason", x.reason}});
    return http::json_response(200, dump(out));
  });

  // The DICOM side as a modality engineer needs it: whom to call, and who may call.
  router.add("GET", "/api/dicom/peers", "archive.admin", [dicom](const http::HttpRequest&) {
    json peers = json::array();
    for (const auto& p : dicom.peers) peers.push_back(peer_json(p));
    json tls = dicom.tls_port ? json(dicom.tls_port) : json(nullptr);
    return http::json_response(200, dump(json{{"aet", dicom.aet},
                                              {"host", host_name()},
                                              {"port", dicom.port},
                                              {"tlsPort", tls},
                                              {"unknownCallers", dicom.unknown_callers},
                                              {"peers", peers}}));
  });
  // A failed echo is an answer, not an error of this request: 200 with ok false and why.
  router.add("POST", "/api/dicom/peers/{aet}/echo", "archive.admin", [dicom](const http::HttpRequest& r) {
    auto peer = std::find_if(dicom.peers.begin(), dicom.peers.end(), [&](const net::DicomPeer& p) { return p.aet == r.param("aet"); });
    if (peer == dicom.peers.end())
      return http::problem(Error{ErrorCode::NotFound, "no configured DICOM peer has this AE title"});
    auto took = dicom.echo(*peer);
    json out = {{"aet", peer->aet}, {"ok", took.has_value()}};
    if (took) out["milliseconds"] = *took;
    else out["detail"] = took.error().detail;
    return http::json_response(200, dump(out));
  });
}

}  // namespace vireo::api
