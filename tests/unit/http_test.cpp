#include <gtest/gtest.h>

#include <set>

#include "api/rest/routes.hpp"
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

// Every route declares its permission where it is registered (DESIGN.md "Security").
TEST(RouteTable, EveryRouteDeclaresAPermission) {
  namespace fs = std::filesystem;
  dicom::initialize("error");
  auto dir = fs::temp_directory_path() / ("vireo-routes-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    SqliteDatabase db(dir / "index.sqlite");
    auto blobs = FsBlobStore::open(dir / "blobs");
    auto archive = archive::Archive::open(db, **blobs, DuplicatePolicy::KeepFirst);
    ASSERT_TRUE(archive);
    Router router;
    Config config;
    api::register_system_routes(router, **archive);
    api::register_archive_routes(router, **archive, config);
    ASSERT_GT(router.routes().size(), 10u);
    const std::set<std::string> known = {"public", "archive.read", "archive.export", "archive.delete",
                                         "archive.admin"};
    for (const auto& route : router.routes()) {
      EXPECT_TRUE(known.contains(route.permission)) << route.method << " " << route.pattern;
      if (route.permission == "public") {
        EXPECT_FALSE(route.pattern.starts_with("/api/")) << route.pattern;
      }
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vireo::http
