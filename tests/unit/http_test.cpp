#include <gtest/gtest.h>

#include <set>

#include "api/dicomweb/multipart.hpp"
#include "api/dicomweb/routes.hpp"
#include "api/rest/routes.hpp"
#include "net/http/credentials.hpp"
#include "core/clock.hpp"
#include "dicom/dicom_file.hpp"
#include "store/fs_blob_store.hpp"
#include "store/sqlite_database.hpp"

namespace vireo::http {
namespace {

TEST(Router, MatchesPlaceholdersAndAnswers404And405) {
  Router r;
  r.add("GET", "/api/studies/{study}", "archive.read", [](const HttpRequest& req) {
    return json_response(200, req.param("study"));
  });
  HttpRequest req;
  req.method = "GET";
  req.path = "/api/studies/1.2.3";
  EXPECT_EQ(r.dispatch(req).body, "1.2.3");
  HttpRequest post = req;
  post.method = "POST";
  EXPECT_EQ(r.dispatch(post).status, 405);
  HttpRequest none = req;
  none.path = "/api/nothing";
  auto res = r.dispatch(none);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.content_type, "application/problem+json");
}

TEST(Router, AThrowingHandlerIsAnswered500NotACrash) {
  Router r;
  r.add("GET", "/boom", "public", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("bad utf-8"); });
  HttpRequest req;
  req.method = "GET";
  req.path = "/boom";
  auto res = r.dispatch(req);
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.content_type, "application/problem+json");
}

TEST(Target, PercentDecodingAndMalformedTargets) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(parse_target("/api/studies?PatientName=M%C3%BCller%2A&limit=5&flag", path, query));
  EXPECT_EQ(path, "/api/studies");
  EXPECT_EQ(query["PatientName"], "Müller*");
  EXPECT_EQ(query["limit"], "5");
  EXPECT_TRUE(query.contains("flag"));
  EXPECT_FALSE(parse_target("no-slash", path, query));
  EXPECT_FALSE(parse_target("/a%00b", path, query));
}

// Every route declares its permission where it is registered (DESIGN.md "Security"), and
// that permission is one the role table knows; only a short list is open to anyone.
TEST(RouteTable, EveryRouteDeclaresAKnownPermission) {
  namespace fs = std::filesystem;
  dicom::initialize("error");
  auto dir = fs::temp_directory_path() / ("vireo-routes-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    SqliteDatabase db(dir / "index.sqlite");
    auto blobs = FsBlobStore::open(dir / "blobs");
    auto archive = archive::Archive::open(db, **blobs, DuplicatePolicy::KeepFirst);
    ASSERT_TRUE(archive);
    auto auth = auth::AuthService::open(db, {}, system_clock());
    ASSERT_TRUE(auth);
    auto audit = audit::AuditLog::open(db);
    ASSERT_TRUE(audit);
    Router router;
    api::register_system_routes(router, **archive);
    api::register_archive_routes(router, **archive);
    api::register_auth_routes(router, **auth, **audit);
    api::dicomweb::register_qido_routes(router, **archive, {});
    api::dicomweb::register_wado_routes(router, **archive, {});
    api::dicomweb::register_rendered_routes(router, **archive);
    api::dicomweb::register_stow_routes(router, **archive, {});
    api::dicomweb::register_capabilities_route(router, {});
    ASSERT_GT(router.routes().size(), 30u);
    const std::set<std::string> open_to_all = {"/healthz", "/metrics", "/api/auth/login", "/oauth/token"};
    for (const auto& route : router.routes()) {
      EXPECT_FALSE(route.permission.empty()) << route.method << " " << route.pattern;
      EXPECT_TRUE(auth::is_known_permission(route.permission)) << route.method << " " << route.pattern;
      if (route.permission == "public") {
        EXPECT_TRUE(open_to_all.contains(route.pattern)) << route.pattern;
      }
    }
  }
  fs::remove_all(dir);
}

TEST(Credentials, CookiesAndBearerTokensParseStrictly) {
  EXPECT_EQ(cookie_value("a=1; vireo_session=abc_DEF-9; b=2", "vireo_session"), "abc_DEF-9");
  EXPECT_EQ(cookie_value("vireo_session=\"quoted\"", "vireo_session"), "quoted");
  EXPECT_EQ(cookie_value(";;; ===; vireo_session=ok", "vireo_session"), "ok") << "junk around it is skipped";
  EXPECT_FALSE(cookie_value("other=1", "vireo_session"));
  EXPECT_FALSE(cookie_value("vireo_session=", "vireo_session"));
  EXPECT_FALSE(cookie_value("vireo_session=a b", "vireo_session"));
  EXPECT_FALSE(cookie_value("vireo_session=" + std::string(600, 'a'), "vireo_session"));
  EXPECT_FALSE(cookie_value("xvireo_session=abc", "vireo_session"));
  EXPECT_EQ(bearer_token("Bearer vireo_abc-DEF"), "vireo_abc-DEF");
  EXPECT_EQ(bearer_token("bearer   x.y~z+/="), "x.y~z+/=");
  EXPECT_FALSE(bearer_token("Basic YWRtaW46YWRtaW4="));
  EXPECT_FALSE(bearer_token("Bearer"));
  EXPECT_FALSE(bearer_token("Bearer a b"));
  EXPECT_FALSE(bearer_token("Bearer x' OR '1'='1"));
  EXPECT_FALSE(bearer_token("Bearer " + std::string(513, 'a')));
  auto basic = basic_credentials("Basic Y2xpZW50OnNlOmNyZXQ=");  // client:se:cret
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->first, "client");
  EXPECT_EQ(basic->second, "se:cret");
  EXPECT_FALSE(basic_credentials("Basic bm9jb2xvbg=="));  // "nocolon"
  EXPECT_FALSE(basic_credentials("Basic !!!!"));
  EXPECT_FALSE(basic_credentials("Bearer Y2xpZW50OnNlY3JldA=="));
}

TEST(Router, CorsForConfiguredOriginsAndPreflightBeforeAuthentication) {
  Router r;
  r.add("GET", "/dicom-web/studies", "archive.read", [](const HttpRequest&) { return json_response(200, "[]"); });
  r.set_guard([](HttpRequest& req, const Route&) -> std::optional<HttpResponse> {
    if (req.headers.contains("authorization")) return std::nullopt;
    return problem(401, "Unauthorized", "");
  });
  r.set_cors_origins({"https://viewer.example.org"});
  auto header = [](const HttpResponse& res, const std::string& name) {
    for (const auto& [k, v] : res.headers)
      if (k == name) return v;
    return std::string();
  };
  HttpRequest pre;
  pre.method = "OPTIONS";
  pre.path = "/dicom-web/studies";
  pre.headers = {{"origin", "https://viewer.example.org"}, {"access-control-request-method", "GET"}};
  auto res = r.dispatch(pre);
  EXPECT_EQ(res.status, 204) << "no credential needed for a preflight";
  EXPECT_EQ(header(res, "Access-Control-Allow-Origin"), "https://viewer.example.org");
  EXPECT_NE(header(res, "Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
  pre.headers["origin"] = "https://evil.example";
  EXPECT_EQ(r.dispatch(pre).status, 403);
  HttpRequest get;
  get.method = "GET";
  get.path = "/dicom-web/studies";
  get.headers = {{"origin", "https://viewer.example.org"}, {"authorization", "Bearer x"}};
  res = r.dispatch(get);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(header(res, "Access-Control-Allow-Origin"), "https://viewer.example.org");
  EXPECT_EQ(header(res, "Vary"), "Origin");
  get.headers["origin"] = "https://evil.example";
  EXPECT_EQ(header(r.dispatch(get), "Access-Control-Allow-Origin"), "") << "other origins get no CORS grant";
}

TEST(Multipart, PartsHeadersAndMalformedBodies) {
  using api::dicomweb::parse_multipart;
  std::string body = "preamble\r\n--b1\r\nContent-Type: application/dicom\r\n\r\nAB\r\nC\r\n--b1\r\n"
                     "content-type: x/y\r\n\r\n\r\n--b1--\r\nepilogue";
  auto parts = parse_multipart(body, "b1");
  ASSERT_TRUE(parts) << parts.error().detail;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].body, "AB\r\nC");
  EXPECT_EQ((*parts)[0].headers.at("content-type"), "application/dicom");
  EXPECT_EQ((*parts)[1].body, "");
  EXPECT_FALSE(parse_multipart("--b1\r\n\r\nunterminated", "b1"));
  EXPECT_FALSE(parse_multipart("no boundary here", "b1"));
  EXPECT_FALSE(parse_multipart("--b1xx", "b1"));
  EXPECT_FALSE(parse_multipart(body, ""));
  EXPECT_EQ(api::dicomweb::header_parameter("multipart/related; type=\"application/dicom\"; boundary=abc", "boundary"),
            "abc");
  EXPECT_EQ(api::dicomweb::header_parameter("multipart/related; TYPE=\"a/b\"", "type"), "a/b");
}

TEST(Router, TheGuardRunsBeforeEveryHandlerAndCanRefuse) {
  Router r;
  int handled = 0;
  r.add("GET", "/api/x", "archive.read", [&](const HttpRequest&) {
    ++handled;
    return json_response(200, "{}");
  });
  std::vector<int> seen;
  r.set_guard([](HttpRequest& req, const Route& route) -> std::optional<HttpResponse> {
    if (req.headers.contains("authorization")) return std::nullopt;
    return problem(401, "Unauthorized", route.permission);
  });
  r.set_after([&](const HttpRequest&, const Route*, const HttpResponse& res) { seen.push_back(res.status); });
  HttpRequest req;
  req.method = "GET";
  req.path = "/api/x";
  EXPECT_EQ(r.dispatch(req).status, 401);
  EXPECT_EQ(handled, 0);
  req.headers["authorization"] = "Bearer t";
  EXPECT_EQ(r.dispatch(req).status, 200);
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(seen, (std::vector<int>{401, 200}));
}

}  // namespace
}  // namespace vireo::http
