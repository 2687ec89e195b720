#include <gtest/gtest.h>

#include <set>

#include "api/dicomweb/dicom_json.hpp"
#include "api/dicomweb/multipart.hpp"
#include "api/dicomweb/routes.hpp"
#include "api/rest/routes.hpp"
#include "net/http/credentials.hpp"
#include "net/http/http_server.hpp"
#include "core/clock.hpp"
#include "dicom/dicom_file.hpp"
#include "store/fs_blob_store.hpp"
#include "store/sqlite_database.hpp"
#include "store/write_queue.hpp"

namespace vireo::http {
namespace {

TEST(ClientAddress, AProxysForwardedForIsBelievedOnlyFromATrustedProxyAndOnlyIfWellFormed) {
  const std::vector<std::string> proxies = {"10.0.0.2", "10.0.0.3", "::1"};
  const std::string chain = "203.0.113.9, 198.51.100.7, 10.0.0.3";
  // From a trusted proxy: the nearest address it (and the proxies before it) forwarded for.
  EXPECT_EQ(client_address("10.0.0.2", &chain, proxies), "198.51.100.7");
  const std::string v6 = "2001:db8::5";
  EXPECT_EQ(client_address("::1", &v6, proxies), "2001:db8::5");
  // From anyone else, the header is what they say: ignored.
  EXPECT_EQ(client_address("192.0.2.1", &chain, proxies), "192.0.2.1");
  EXPECT_EQ(client_address("10.0.0.2", &chain, {}), "10.0.0.2");
  EXPECT_EQ(client_address("10.0.0.2", nullptr, proxies), "10.0.0.2");
  // A garbled or forged entry before reaching a client: only the proxy is known.
  for (const std::string bad : {"not-an-address", "198.51.100.7, evil", "", " , ", "10.0.0.3"})
    EXPECT_EQ(client_address("10.0.0.2", &bad, proxies), "10.0.0.2") << bad;
}

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

TEST(Router, TheFallbackAnswersOnlyGetsOfUnknownPathsWithoutTheGuard) {
  Router r;
  r.add("GET", "/api/studies/{study}", "archive.read", [](const HttpRequest&) { return json_response(200, "route"); });
  int guarded = 0;
  r.set_guard([&](HttpRequest&, const Route&) -> std::optional<HttpResponse> {
    ++guarded;
    return std::nullopt;
  });
  r.set_fallback([](const HttpRequest& req) { return json_response(200, "page " + req.path); });
  HttpRequest req;
  req.method = "GET";
  req.path = "/viewer/1.2.3";
  EXPECT_EQ(r.dispatch(req).body, "page /viewer/1.2.3");
  req.method = "HEAD";
  EXPECT_EQ(r.dispatch(req).body, "page /viewer/1.2.3");
  EXPECT_EQ(guarded, 0) << "the application's files are public";
  req.method = "POST";
  EXPECT_EQ(r.dispatch(req).status, 404);
  req.method = "GET";
  req.path = "/api/studies/1.2";
  EXPECT_EQ(r.dispatch(req).body, "route") << "routes come first";
  req.method = "DELETE";
  EXPECT_EQ(r.dispatch(req).status, 405) << "a known path with another method is not the application's";
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
    WriteQueue writes(db, blobs->get());
    ASSERT_TRUE(writes.start());
    auto outbox = events::Outbox::open(db);
    ASSERT_TRUE(outbox);
    auto archive = archive::Archive::open(db, **blobs, writes, **outbox, archive::DuplicatePolicy::KeepFirst);
    ASSERT_TRUE(archive);
    auto auth = auth::AuthService::open(db, writes, {}, system_clock());
    ASSERT_TRUE(auth);
    auto audit = audit::AuditLog::open(db, writes);
    ASSERT_TRUE(audit);
    auto notes = annotations::Annotations::open(db, writes);
    ASSERT_TRUE(notes);
    auto findings = ai::Findings::open(db, writes);
    ASSERT_TRUE(findings);
    Router router;
    api::register_system_routes(router, **archive, **outbox, writes, {});
    api::register_archive_routes(router, **archive);
    api::register_study_document_routes(router, **archive, **notes, **findings);
    api::register_auth_routes(router, **auth, **audit);
    api::dicomweb::register_qido_routes(router, **archive, {});
    api::dicomweb::register_wado_routes(router, **archive, {});
    api::dicomweb::register_rendered_routes(router, **archive, nullptr);
    api::dicomweb::register_stow_routes(router, **archive, {});
    api::dicomweb::register_capabilities_route(router, {});
    ASSERT_GT(router.routes().size(), 30u);
    const std::set<std::string> open_to_all = {"/healthz", "/metrics", "/api/auth/login", "/oauth/token"};
    for (const auto& route : router.routes()) {
      EXPECT_FALSE(route.permission.empty()) << route.method << " " << route.pattern;
      EXPECT_TRUE(access::is_known_permission(route.permission)) << route.method << " " << route.pattern;
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

namespace {
struct ReadParts {
  std::vector<std::pair<api::dicomweb::MultipartReader::Headers, std::string>> parts;
  int open = 0;  // begin_part without end_part
};
// Feeds `body` in pieces of `piece` bytes (the first `first` bytes long, when not 0); the
// parts, or the first error.
Result<ReadParts> read_multipart(std::string_view body, const std::string& boundary, size_t piece, size_t first = 0) {
  using api::dicomweb::MultipartReader;
  ReadParts out;
  auto reader = MultipartReader::create(
      boundary, {[&](const MultipartReader::Headers& h) -> Status {
                   out.parts.push_back({h, ""});
                   ++out.open;
                   return {};
                 },
                 [&](std::string_view d) -> Status {
                   out.parts.back().second.append(d);
                   return {};
                 },
                 [&]() -> Status {
                   --out.open;
                   return {};
                 }});
  if (!reader) return std::unexpected(reader.error());
  for (size_t at = 0; at < body.size();) {
    size_t n = at == 0 && first > 0 ? first : piece;
    if (auto s = reader->feed(body.substr(at, n)); !s) return std::unexpected(s.error());
    at += n;
  }
  if (auto s = reader->finish(); !s) return std::unexpected(s.error());
  return out;
}
}  // namespace

TEST(DicomJson, TheDirectWriterWritesWhatTheJsonModelWould) {
  using api::dicomweb::append_attribute_json;
  using api::dicomweb::attribute_json;
  const std::pair<const char*, std::string> cases[] = {
      {"PN", "Yamada^Tarou=山田^太郎=やまだ^たろう"}, {"PN", "Doe^John\\Roe^Jane"}, {"PN", "==x"},
      {"IS", "12\\ 7 \\x"}, {"US", "512"}, {"DS", "5.000000\\1e3\\x"}, {"DA", "20240102"},
      {"LO", "with \"quotes\" and \\\\ back"}, {"LO", "tab\there"}, {"LO", "M\xc3\xbcller"}, {"LO", "bad \xff byte"},
      {"CS", "CT\\MR"}, {"UI", ""}, {"SH", "\\"}, {"IS", ""}};
  for (const auto& [vr, value] : cases) {
    std::string direct;
    append_attribute_json(direct, vr, value);
    EXPECT_EQ(direct, attribute_json(vr, value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        << vr << " " << value;
  }
}

TEST(Multipart, PartsHeadersAndMalformedBodiesInPiecesOfAnySize) {
  std::string body = "preamble\r\n--b1\r\nContent-Type: application/dicom\r\n\r\nAB\r\nC\r\n--b1\r\n"
                     "content-type: x/y\r\n\r\n\r\n--b1\r\n\r\n\r\n--b\r\n--b1--\r\nepilogue --b1\r\nX";
  // Every piece size, and a first piece ending at every position.
  std::vector<std::pair<size_t, size_t>> cuts;
  for (size_t piece = 1; piece <= body.size(); ++piece) cuts.emplace_back(piece, 0);
  for (size_t first = 1; first < body.size(); ++first)
    for (size_t piece : {size_t{1}, size_t{4}, body.size()}) cuts.emplace_back(piece, first);
  for (auto [piece, first] : cuts) {
    auto read = read_multipart(body, "b1", piece, first);
    ASSERT_TRUE(read) << read.error().detail << " with pieces of " << piece << " after " << first;
    ASSERT_EQ(read->parts.size(), 3u) << piece << " after " << first;
    EXPECT_EQ(read->open, 0);
    EXPECT_EQ(read->parts[0].second, "AB\r\nC");
    EXPECT_EQ(read->parts[0].first.at("content-type"), "application/dicom");
    EXPECT_EQ(read->parts[1].second, "");
    EXPECT_EQ(read->parts[1].first.at("content-type"), "x/y");
    EXPECT_TRUE(read->parts[2].first.empty()) << "a part may have no headers";
    EXPECT_EQ(read->parts[2].second, "\r\n--b") << "a prefix of the delimiter is data";
  }
  // Binary data holding every byte, CR LF and dashes, split at every position.
  std::string data;
  for (int i = 0; i < 4096; ++i) data.push_back(static_cast<char>(i % 256));
  data += "\r\n--b\r\n--bX\r\n-";
  std::string framed = "--b2\r\n\r\n" + data + "\r\n--b2--";
  for (size_t piece : {size_t{1}, size_t{13}, size_t{4099}, framed.size()}) {
    for (size_t first : {size_t{0}, size_t{3}, size_t{9}, size_t{4100}, size_t{4102}, size_t{4106}, size_t{4110}}) {
      auto read = read_multipart(framed, "b2", piece, first);
      ASSERT_TRUE(read) << read.error().detail;
      ASSERT_EQ(read->parts.size(), 1u);
      EXPECT_EQ(read->parts[0].second, data) << piece << " after " << first;
    }
  }
  // Part headers and transport padding cut anywhere; headers over 16 KiB are refused.
  std::string padded = "--b3  \t\r\nX-Long: " + std::string(3000, 'h') + "\r\n\r\nbody\r\n--b3--";
  for (size_t first = 1; first < 3100; first += 7) {
    auto read = read_multipart(padded, "b3", 64, first);
    ASSERT_TRUE(read) << read.error().detail << " after " << first;
    ASSERT_EQ(read->parts.size(), 1u);
    EXPECT_EQ(read->parts[0].first.at("x-long").size(), 3000u);
    EXPECT_EQ(read->parts[0].second, "body");
  }
  std::string long_headers = "--b3\r\nX-Long: " + std::string(17000, 'h') + "\r\n\r\nbody\r\n--b3--";
  EXPECT_FALSE(read_multipart(long_headers, "b3", 1000, 7));
  EXPECT_FALSE(read_multipart("--b1\r\n\r\nunterminated", "b1", 4)) << "no closing delimiter";
  EXPECT_FALSE(read_multipart("no boundary here", "b1", 4));
  EXPECT_FALSE(read_multipart("--b1xx\r\n\r\n\r\n--b1--", "b1", 4)) << "another boundary";
  EXPECT_FALSE(read_multipart("--b1\r\nno colon\r\n\r\nx\r\n--b1--", "b1", 4));
  EXPECT_FALSE(read_multipart("--b1--", "b1", 4)) << "no parts";
  EXPECT_FALSE(read_multipart(body, "", 4));
  EXPECT_FALSE(read_multipart(body, std::string(71, 'x'), 4));
  EXPECT_EQ(api::dicomweb::header_parameter("multipart/related; type=\"application/dicom\"; boundary=abc", "boundary"),
            "abc");
  EXPECT_EQ(api::dicomweb::header_parameter("multipart/related; TYPE=\"a/b\"", "type"), "a/b");
}

TEST(Router, UploadsAreAdmittedByTheGuardBeforeTheirBodyAndAnsweredOnce) {
  struct Sink : BodySink {
    std::string* got;
    bool* destroyed;
    Sink(std::string* g, bool* d) : got(g), destroyed(d) {}
    ~Sink() override { *destroyed = true; }
    Status write(std::string_view piece) override {
      if (piece == "bad") return fail(ErrorCode::InvalidArgument, "bad piece");
      got->append(piece);
      return {};
    }
    HttpResponse finish() override { return json_response(200, *got); }
  };
  Router r;
  std::string got;
  bool destroyed = false;
  int opened = 0;
  r.add_upload("POST", "/up/{id}", "archive.store", 1 << 20, [&](const HttpRequest& req) -> Result<std::unique_ptr<BodySink>> {
    ++opened;
    if (req.param("id") == "refuse") return fail(ErrorCode::UnsupportedMediaType, "no");
    return std::make_unique<Sink>(&got, &destroyed);
  });
  r.set_guard([](HttpRequest& req, const Route&) -> std::optional<HttpResponse> {
    if (req.headers.contains("authorization")) return std::nullopt;
    return problem(401, "Unauthorized", "");
  });
  std::vector<int> seen;
  r.set_after([&](const HttpRequest&, const Route*, const HttpResponse& res) { seen.push_back(res.status); });
  HttpRequest req;
  req.method = "POST";
  req.path = "/up/1";
  auto refused = r.open_upload(req);
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(refused));
  EXPECT_EQ(std::get<HttpResponse>(refused).status, 401);
  EXPECT_EQ(opened, 0) << "no sink before the guard admits the request";
  req.headers["authorization"] = "Bearer t";
  req.path = "/up/refuse";
  auto wrong = r.open_upload(req);
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(wrong));
  EXPECT_EQ(std::get<HttpResponse>(wrong).status, 415);
  req.path = "/up/1";
  auto ok = r.open_upload(req);
  ASSERT_TRUE(std::holds_alternative<Router::Upload>(ok));
  auto& up = std::get<Router::Upload>(ok);
  EXPECT_TRUE(up.sink->write("ab"));
  EXPECT_TRUE(up.sink->write("cd"));
  auto res = r.close_upload(req, up, {});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "abcd");
  EXPECT_TRUE(destroyed);
  destroyed = false;
  auto again = r.open_upload(req);
  auto& up2 = std::get<Router::Upload>(again);
  Status bad = up2.sink->write("bad");
  ASSERT_FALSE(bad);
  EXPECT_EQ(r.close_upload(req, up2, bad).status, 400);
  EXPECT_TRUE(destroyed) << "an unfinished sink is destroyed, undoing its work";
  EXPECT_EQ(seen, (std::vector<int>{401, 415, 200, 400})) << "every answer reaches the audit hook";
  req.method = "GET";
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r.open_upload(req))) << "other routes read their body first";
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
