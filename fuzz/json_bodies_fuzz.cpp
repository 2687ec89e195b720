// Fuzz target for the bodies of every route that takes one (POST, PUT, PATCH of the REST API:
// sign-in, tokens, users, roles, annotations, AI findings, OAuth), dispatched through the real
// router and handlers over a real archive (holding one CT study), identity and audit trail, as
// an administrator. The first input byte picks the route (in the order of method and path),
// the rest is the body. Properties: no crash, no exception out of a handler, and never a 5xx:
// bad input is the client's error (4xx), in the protocol's own terms.
#include <algorithm>
#include <cstdint>
#include <tuple>
#include <vector>

#include "api/rest/routes.hpp"
#include "core/strings.hpp"
#include "fuzz/temp_services.hpp"

namespace {
using namespace vireo;

constexpr const char* kStudy = "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322";  // modality/CT_small.dcm

struct Target {
  fuzz::TempServices services;
  http::Router router;
  std::vector<const http::Route*> routes;  // those that take a body
  access::Principal admin;

  Target() {
    api::register_archive_routes(router, *services.archive);
    api::register_study_document_routes(router, *services.archive, *services.annotations, *services.ai_findings);
    api::register_auth_routes(router, *services.auth, *services.audit);
    auto ct = std::filesystem::path(VIREO_TESTDATA) / "dicom/modality/CT_small.dcm";
    fuzz::require(services.archive->import_file(ct, "FUZZ").has_value(), "the CT study is imported");
    auto user = services.auth->add_user({"fuzz-admin", "", "velvet-tractor-on-the-moon", {access::Role::Admin}, "", ""});
    fuzz::require(user.has_value(), "the administrator is created");
    (void)services.auth->add_user({"fuzz-user", "", "velvet-tractor-on-the-moon", {access::Role::Technician}, "", ""});
    admin.user_id = user->id;
    admin.username = user->username;
    admin.roles = user->roles;
    admin.via = access::Credential::Session;
    admin.csrf_token = "x";
    router.set_guard([this](http::HttpRequest& req, const http::Route& route) -> std::optional<http::HttpResponse> {
      if (route.permission != access::kPublic) req.principal = admin;
      return std::nullopt;
    });
    for (const auto& r : router.routes())
      if ((r.method == "POST" || r.method == "PUT" || r.method == "PATCH") && !r.upload) routes.push_back(&r);
    std::sort(routes.begin(), routes.end(), [](const http::Route* a, const http::Route* b) {
      return std::tie(a->method, a->pattern) < std::tie(b->method, b->pattern);
    });
    fuzz::require(!routes.empty(), "routes take bodies");
  }

  static std::string path_of(const std::string& pattern) {
    std::string out;
    for (const auto& segment : split(pattern, '/')) {
      if (segment.empty()) continue;
      out += "/";
      if (segment == "{study}") out += kStudy;
      else if (segment == "{username}") out += "fuzz-user";
      else if (segment.front() == '{') out += "1";
      else out += segment;
    }
    return out;
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Target t;
  if (size == 0) return 0;
  const http::Route& route = *t.routes[data[0] % t.routes.size()];
  http::HttpRequest req;
  req.method = route.method;
  req.path = Target::path_of(route.pattern);
  req.headers["content-type"] = route.pattern == "/oauth/token" ? "application/x-www-form-urlencoded" : "application/json";
  req.remote_address = "10.9.8.7";
  req.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  http::HttpResponse res = t.router.dispatch(req);
  if (res.status >= 500) {
    std::fprintf(stderr, "%s %s answered %d: %s\n", req.method.c_str(), req.path.c_str(), res.status, res.body.c_str());
    fuzz::require(false, "bad input is never a server error");
  }
  fuzz::require(res.status >= 200 && res.status < 500, "an answer has an HTTP status");
  return 0;
}
