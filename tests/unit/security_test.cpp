#include <gtest/gtest.h>

#include "test_dir.hpp"
#include "test_database.hpp"

#include <filesystem>

#include "api/rest/security.hpp"
#include "core/clock.hpp"
#include "store/sqlite_database.hpp"

namespace vireo::api {
namespace {

namespace fs = std::filesystem;
using http::HttpRequest;

// The route guard itself, without sockets: a browser session may change nothing without the
// CSRF token it was given at sign-in, whatever the method (DESIGN.md "Security").
class SecurityGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("vireo-guard");
    db_ = testing::test_database(dir_);
    writes_ = testing::started_writes(*db_);
    auto a = auth::AuthService::open(*db_, *writes_, {}, system_clock());
    ASSERT_TRUE(a);
    auth_ = std::move(*a);
    auto l = audit::AuditLog::open(*db_, *writes_);
    ASSERT_TRUE(l);
    audit_ = std::move(*l);
    ASSERT_TRUE(auth_->add_user({"tech", "", kPassword, {access::Role::Technician}, "", ""}));
    auto login = auth_->login({"tech", kPassword, "", "", "10.0.0.1", "test"});
    ASSERT_TRUE(login);
    session_ = login->session_token;
    csrf_ = login->principal.csrf_token;
    ASSERT_FALSE(csrf_.empty());
    install_security(router_, *auth_, *audit_);
    for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"})
      router_.add(method, "/api/thing", "archive.read", [this](const HttpRequest&) {
        ++handled_;
        return http::json_response(200, "{}");
      });
  }
  void TearDown() override {
    audit_.reset();
    auth_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  int call(const std::string& method, std::optional<std::string> csrf, bool with_cookie = true) {
    HttpRequest req;
    req.method = method;
    req.path = "/api/thing";
    if (with_cookie) req.headers["cookie"] = std::string(kSessionCookie) + "=" + session_;
    if (csrf) req.headers["x-csrf-token"] = *csrf;
    return router_.dispatch(req).status;
  }
  static constexpr const char* kPassword = "velvet-tractor-on-the-moon";
  fs::path dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<WriteQueue> writes_;
  std::unique_ptr<auth::AuthService> auth_;
  std::unique_ptr<audit::AuditLog> audit_;
  http::Router router_;
  std::string session_, csrf_;
  int handled_ = 0;
};

TEST_F(SecurityGuardTest, EveryStateChangingMethodFromASessionNeedsItsCsrfToken) {
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    SCOPED_TRACE(method);
    int before = handled_;
    EXPECT_EQ(call(method, std::nullopt), 403) << "no token";
    EXPECT_EQ(call(method, std::string("")), 403) << "an empty token";
    EXPECT_EQ(call(method, csrf_.substr(1) + "x"), 403) << "a wrong token";
    EXPECT_EQ(handled_, before) << "the handler never ran";
    EXPECT_EQ(call(method, csrf_), 200);
    EXPECT_EQ(handled_, before + 1);
  }
  EXPECT_EQ(call("GET", std::nullopt), 200) << "reading needs no token";
  ASSERT_TRUE(audit_->flush());
  audit::AuditFilter refused;
  refused.action = "refused";
  auto events = audit_->search(refused);
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 12u);
  for (const auto& e : *events) EXPECT_EQ(e.detail, "missing or wrong CSRF token");
}

// A bearer token is not sent by a browser on its own, so it needs no CSRF token.
TEST_F(SecurityGuardTest, BearerTokensNeedNoCsrfToken) {
  auto token = auth_->create_token("tech", "script", {"archive.read"}, 0);
  ASSERT_TRUE(token);
  HttpRequest req;
  req.method = "DELETE";
  req.path = "/api/thing";
  req.headers["authorization"] = "Bearer " + token->token;
  EXPECT_EQ(router_.dispatch(req).status, 200);
  EXPECT_EQ(call("DELETE", std::nullopt, false), 401) << "and no credential at all is 401";
}

}  // namespace
}  // namespace vireo::api
