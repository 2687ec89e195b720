#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "access/roles.hpp"
#include "auth/auth_service.hpp"
#include "auth/password.hpp"
#include "auth/totp.hpp"
#include "manual_clock.hpp"
#include "store/sqlite_database.hpp"
#include "test_database.hpp"
#include "test_dir.hpp"

namespace vireo::auth {
namespace {

namespace fs = std::filesystem;

using testing::ManualClock;

TEST(Roles, OneTableDecidesAndEveryPermissionIsGrantedToSomeone) {
  EXPECT_TRUE(grants(std::vector{Role::Admin}, "archive.delete"));
  EXPECT_FALSE(grants(std::vector{Role::Radiologist}, "archive.delete"));
  EXPECT_FALSE(grants(std::vector{Role::Patient}, "users.admin"));
  EXPECT_FALSE(grants(std::vector{Role::Billing}, "archive.export"));
  EXPECT_TRUE(grants(std::vector{Role::Billing, Role::Technician}, "archive.export"))
      << "any role may grant";
  EXPECT_FALSE(grants(std::vector<Role>{}, "authenticated")) << "no roles, no access";
  EXPECT_TRUE(grants(std::vector<Role>{}, "public"));
  for (const auto& p : access::all_permissions()) {
    bool someone = false;
    for (Role r : access::all_roles()) someone = someone || grants(std::vector{r}, p.name);
    EXPECT_TRUE(someone) << p.name;
    // Writing and signing reports are a radiologist's clinical acts: an administrator who reads
    // images is given the radiologist role too.
    const bool clinical = p.name == "reporting.write" || p.name == "reporting.sign" || p.name == "reporting.peer_review";
    EXPECT_EQ(grants(std::vector{Role::Admin}, p.name), !clinical) << "admin and " << p.name;
  }
  EXPECT_EQ(access::parse_role("referring"), Role::ReferringPhysician);
  EXPECT_FALSE(access::parse_role("root"));
}

// The access model written out: changing who may do what must change this test too, on
// purpose (docs/SECURITY.md has the same table).
TEST(Roles, TheRoleTableIsExactlyTheDocumentedOne) {
  const std::map<std::string, std::set<std::string>> expected = {
      {"admin",
       {"archive.read", "archive.export", "archive.store", "archive.delete", "archive.admin",
        "users.admin", "audit.read", "ris.patients.read", "ris.patients.write",
        "ris.patients.merge", "ris.patients.unmerge", "ris.catalogue.read", "ris.catalogue.admin", "ris.orders.read", "ris.orders.write",
        "ris.schedule.read", "ris.schedule.write", "ris.checkin", "ris.requests.create",
        "ris.worklist.read", "ris.exam.perform", "ris.reading.assign", "ris.settings.admin",
        "ris.referrals.read", "reporting.read", "reporting.stats", "reporting.peer_results", "reporting.templates"}},
      {"receptionist", {"archive.read", "ris.patients.read", "ris.patients.write", "ris.patients.merge",
                        "ris.catalogue.read",
                        "ris.orders.read", "ris.orders.write", "ris.schedule.read", "ris.schedule.write",
                        "ris.checkin", "ris.requests.create", "ris.worklist.read"}},
      {"technician", {"archive.read", "archive.export", "archive.store", "ris.patients.read", "ris.catalogue.read",
                      "ris.orders.read", "ris.schedule.read", "ris.checkin", "ris.worklist.read",
                      "ris.exam.perform", "ris.reading.assign"}},
      {"radiologist", {"archive.read", "archive.export", "archive.store", "ris.patients.read", "ris.catalogue.read",
                       "ris.orders.read", "ris.schedule.read", "ris.worklist.read", "ris.exam.perform",
                       "ris.reading.assign", "reporting.read", "reporting.write", "reporting.sign",
                       "reporting.stats", "reporting.peer_review"}},
      {"referring", {"archive.read", "archive.export", "ris.referrals.read", "ris.requests.create"}},
      {"billing", {}},
      {"patient", {"archive.read", "archive.export"}},
  };
  for (Role r : access::all_roles()) {
    std::set<std::string> actual;
    for (auto p : access::permissions_of(r)) actual.emplace(p);
    EXPECT_EQ(actual, expected.at(std::string(access::role_name(r)))) << access::role_name(r);
  }
}

TEST(Principal, TokenScopesNarrowTheRolesAndEnrolmentBlocksAllButAuth) {
  Principal p;
  p.roles = {Role::Radiologist};
  p.via = Credential::Token;
  p.token_scopes = {"archive.read"};
  EXPECT_TRUE(p.may("archive.read"));
  EXPECT_FALSE(p.may("archive.export")) << "granted by the role but outside the token's scope";
  EXPECT_TRUE(p.may("authenticated"));
  p.token_scopes = {"*", "users.admin"};
  EXPECT_TRUE(p.may("archive.export"));
  EXPECT_FALSE(p.may("users.admin")) << "a scope never adds to the role";
  p.via = Credential::Session;
  p.enrolment_only = true;
  EXPECT_FALSE(p.may("archive.read"));
  EXPECT_TRUE(p.may("authenticated"));
  Principal anonymous;
  EXPECT_FALSE(anonymous.may("authenticated"));
  EXPECT_TRUE(anonymous.may("public"));
}

TEST(PasswordGeneration, AnyMinimumLengthIsMetWithoutEndlessRetries) {
  for (size_t min : {size_t{8}, size_t{12}, size_t{24}, size_t{64}, size_t{128}}) {
    auto pw = generate_password("tech", min);
    ASSERT_TRUE(pw) << min;
    EXPECT_GE(pw->size(), min);
    EXPECT_TRUE(check_password_policy("tech", *pw, min));
  }
  // A one-letter user name is in almost every long random string: an error, not a hang.
  auto pathological = generate_password("a", 128);
  if (!pathological) {
    EXPECT_EQ(pathological.error().code, ErrorCode::InvalidArgument);
  }
}

TEST(Password, Argon2idHashesVerifyAndNeverRepeat) {
  auto a = hash_password("correct horse battery staple");
  auto b = hash_password("correct horse battery staple");
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->starts_with("$argon2id$"));
  EXPECT_NE(*a, *b) << "salted";
  EXPECT_TRUE(verify_password(*a, "correct horse battery staple"));
  EXPECT_FALSE(verify_password(*a, "correct horse battery stapl"));
  EXPECT_FALSE(verify_password("garbage", "x"));
}

TEST(Password, PolicyRefusesShortDictionaryAndUserNamePasswords) {
  EXPECT_TRUE(check_password_policy("alice", "velvet-tractor-on-the-moon", 12));
  EXPECT_FALSE(check_password_policy("alice", "short", 12));
  EXPECT_FALSE(check_password_policy("alice", "Password1234", 12))
      << "a dictionary word with digits";
  EXPECT_FALSE(check_password_policy("alice", "Summer2024!!!", 12));
  EXPECT_FALSE(check_password_policy("alice", "qwertyuiop123", 12));
  EXPECT_FALSE(check_password_policy("bartholomew", "xBartholomew-99", 12));
  EXPECT_FALSE(check_password_policy("alice", std::string(129, 'k'), 12));
  // Common breached passwords that a dictionary alone lets through.
  for (const char* weak :
       {"passwordpassword", "iloveyouiloveyou", "letmeinletmein", "qwertyuiopasdf", "zaq12wsxcde3",
        "1qaz2wsx3edc", "123456789012", "aaaaaaaaaaaa", "abcdefghijkl"})
    EXPECT_FALSE(check_password_policy("alice", weak, 12)) << weak;
  for (const char* fine :
       {"velvet-tractor-on-the-moon", "Granite owl sings 4 tides", "plum;harbor;quietly;seven"})
    EXPECT_TRUE(check_password_policy("alice", fine, 12)) << fine;
}

TEST(Totp, AcceptsTheCurrentStepAndItsNeighbourOnceAndRefusesOthers) {
  std::string secret = new_totp_secret();
  int64_t now = 1'790'000'000;
  auto code = totp_code(secret, now);
  auto step = verify_totp(secret, code, now, 0);
  ASSERT_TRUE(step);
  EXPECT_EQ(*step, static_cast<uint64_t>(now / 30));
  EXPECT_FALSE(verify_totp(secret, code, now, *step)) << "replay of a used step";
  EXPECT_TRUE(verify_totp(secret, code, now + 30, 0)) << "one step of drift";
  EXPECT_FALSE(verify_totp(secret, code, now + 120, 0));
  EXPECT_FALSE(verify_totp(secret, "12345a", now, 0));
  EXPECT_FALSE(verify_totp(secret, "", now, 0));
  EXPECT_TRUE(
      totp_uri("Vireo", "dr smith", secret).starts_with("otpauth://totp/Vireo:dr%20smith?secret="));
  // RFC 6238 appendix B, SHA-1, 59 s: 94287082 (8 digits) -> the last six.
  EXPECT_EQ(totp_code("12345678901234567890", 59), "287082");
}

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("vireo-auth");
    db_ = testing::test_database(dir_);
    policy_.max_failures_per_account = 3;
    policy_.lockout_seconds = 600;
    policy_.max_failures_per_address = 50;
    policy_.session_idle_seconds = 100;
    policy_.session_absolute_seconds = 1000;
    writes_ = testing::started_writes(*db_);
    auto a = AuthService::open(*db_, *writes_, policy_, clock_);
    ASSERT_TRUE(a) << a.error().message();
    auth_ = std::move(*a);
  }
  void TearDown() override {
    auth_.reset();
    fs::remove_all(dir_);
  }
  User add(const std::string& name, Role role, std::string patient_id = {}) {
    auto u = auth_->add_user({name,
                              "",
                              kPassword,
                              {role},
                              std::move(patient_id),
                              role == Role::ReferringPhysician ? "DOE^JANE" : ""});
    EXPECT_TRUE(u) << u.error().message();
    return u ? *u : User{};
  }
  Result<LoginResult> login(const std::string& name, const std::string& pw,
                            const std::string& totp = {}, const std::string& address = "10.0.0.1") {
    return auth_->login({name, pw, totp, "", address, "test"});
  }
  static constexpr const char* kPassword = "velvet-tractor-on-the-moon";
  fs::path dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<WriteQueue> writes_;
  ManualClock clock_;
  AuthPolicy policy_;
  std::unique_ptr<AuthService> auth_;
};

TEST_F(AuthServiceTest, UsersNeedValidNamesRolesLinksAndUniqueNames) {
  add("tech1", Role::Technician);
  EXPECT_EQ(auth_->add_user({"tech1", "", kPassword, {Role::Technician}, "", ""}).error().code,
            ErrorCode::AlreadyExists);
  EXPECT_FALSE(auth_->add_user({"bad name", "", kPassword, {Role::Technician}, "", ""}));
  EXPECT_FALSE(auth_->add_user({"nobody", "", kPassword, {}, "", ""}));
  EXPECT_FALSE(auth_->add_user({"pat", "", kPassword, {Role::Patient}, "", ""}))
      << "a patient needs a Patient ID";
  EXPECT_FALSE(auth_->add_user({"pat", "", kPassword, {Role::Patient, Role::Admin}, "P1", ""}));
  EXPECT_FALSE(auth_->add_user({"ref", "", kPassword, {Role::ReferringPhysician}, "", ""}));
  EXPECT_FALSE(auth_->add_user({"weak", "", "password1234", {Role::Technician}, "", ""}));
  EXPECT_EQ(*auth_->count_users(), 1);
}

TEST_F(AuthServiceTest, RolesChangeWithTheSameRulesAndEndSessions) {
  add("tech", Role::Technician);
  auto s = login("tech", kPassword);
  ASSERT_TRUE(s);
  ASSERT_TRUE(auth_->set_roles("tech", {Role::Technician, Role::Receptionist}));
  EXPECT_FALSE(auth_->authenticate_session(s->session_token)) << "no session keeps old privileges";
  EXPECT_EQ(auth_->user("tech")->roles.size(), 2u);
  EXPECT_FALSE(auth_->set_roles("tech", {}));
  EXPECT_FALSE(auth_->set_roles("tech", {Role::Patient})) << "a patient needs a Patient ID";
  EXPECT_EQ(auth_->set_roles("ghost", {Role::Technician}).error().code, ErrorCode::NotFound);
}

TEST_F(AuthServiceTest, EveryFailureIsTheSameErrorAndTheAccountLocksThenUnlocks) {
  add("rad", Role::Technician);
  auto unknown = login("ghost", kPassword);
  auto wrong = login("rad", "wrong-password-here");
  ASSERT_FALSE(unknown);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(unknown.error().code, ErrorCode::Unauthenticated);
  EXPECT_EQ(wrong.error().code, ErrorCode::Unauthenticated);
  EXPECT_FALSE(login("rad", "wrong-password-here"));
  EXPECT_FALSE(login("rad", "wrong-password-here"));  // third failure: locked
  auto locked = login("rad", kPassword);
  ASSERT_FALSE(locked) << "the right password does not open a locked account";
  EXPECT_EQ(locked.error().code, ErrorCode::Unauthenticated);
  EXPECT_EQ(locked.error().detail, "account locked");
  ASSERT_TRUE(auth_->unlock("rad"));
  EXPECT_TRUE(login("rad", kPassword)) << "an admin lifted the lockout";
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(login("rad", "wrong-password-here"));
  EXPECT_FALSE(login("rad", kPassword));
  clock_.now += 601;
  EXPECT_TRUE(login("rad", kPassword)) << "the lockout ends by itself";
}

TEST_F(AuthServiceTest, AnAddressWithTooManyFailuresWaits) {
  add("tech", Role::Technician);
  for (int i = 0; i < 50; ++i)
    EXPECT_FALSE(login("user" + std::to_string(i), "whatever-it-is", "", "10.9.9.9"));
  EXPECT_FALSE(login("tech", kPassword, "", "10.9.9.9")) << "throttled address";
  EXPECT_TRUE(login("tech", kPassword, "", "10.1.1.1")) << "other addresses are not";
  clock_.now += 901;
  EXPECT_TRUE(login("tech", kPassword, "", "10.9.9.9"));
}

TEST_F(AuthServiceTest, SessionsEndOnIdleAbsoluteTimeoutLogoutPasswordChangeAndDisable) {
  add("tech", Role::Technician);
  auto s = login("tech", kPassword);
  ASSERT_TRUE(s);
  EXPECT_TRUE(auth_->authenticate_session(s->session_token));
  EXPECT_FALSE(auth_->authenticate_session(s->session_token + "x"));
  clock_.now += 99;
  EXPECT_TRUE(auth_->authenticate_session(s->session_token)) << "activity keeps it alive";
  clock_.now += 100;
  EXPECT_FALSE(auth_->authenticate_session(s->session_token)) << "idle timeout";

  auto s2 = login("tech", kPassword);
  ASSERT_TRUE(s2);
  for (int i = 0; i < 12; ++i) {
    clock_.now += 90;  // 90 s steps: never idle; the 12th step passes the 1000 s absolute limit
    if (i < 11) {
      EXPECT_TRUE(auth_->authenticate_session(s2->session_token)) << i;
    }
  }
  EXPECT_FALSE(auth_->authenticate_session(s2->session_token))
      << "absolute timeout despite activity";

  auto s3 = login("tech", kPassword);
  ASSERT_TRUE(s3);
  ASSERT_TRUE(auth_->logout(s3->principal.credential_id));
  EXPECT_FALSE(auth_->authenticate_session(s3->session_token));

  auto s4 = login("tech", kPassword);
  ASSERT_TRUE(auth_->set_password("tech", "another-long-pass-phrase"));
  EXPECT_FALSE(auth_->authenticate_session(s4->session_token)) << "a password change ends sessions";
  auto s5 = login("tech", "another-long-pass-phrase");
  ASSERT_TRUE(s5);
  ASSERT_TRUE(auth_->set_disabled("tech", true));
  EXPECT_FALSE(auth_->authenticate_session(s5->session_token));
  EXPECT_FALSE(login("tech", "another-long-pass-phrase"));
}

// What stays open after its request (an event stream) asks whether its session still holds,
// without keeping it alive by asking.
TEST_F(AuthServiceTest, AnOpenStreamsSessionIsCheckedWithoutCountingAsActivity) {
  add("tech", Role::Technician);
  auto s = login("tech", kPassword);
  ASSERT_TRUE(s);
  auto who = auth_->authenticate_session(s->session_token);
  ASSERT_TRUE(who);
  EXPECT_TRUE(*auth_->still_signed_in(*who));
  for (int i = 0; i < 3; ++i) {
    clock_.now += 30;  // (the idle timeout here: 100 s)
    EXPECT_TRUE(*auth_->still_signed_in(*who)) << i;
  }
  clock_.now += 20;
  EXPECT_FALSE(*auth_->still_signed_in(*who)) << "asking is not activity: the idle timeout came";
  auto again = login("tech", kPassword);
  auto second = auth_->authenticate_session(again->session_token);
  ASSERT_TRUE(auth_->logout(second->credential_id));
  EXPECT_FALSE(*auth_->still_signed_in(*second)) << "signed out";
  EXPECT_FALSE(*auth_->still_signed_in(Principal{})) << "nobody";
}

TEST_F(AuthServiceTest, AResetPasswordMustBeChangedBeforeAnythingElse) {
  add("tech", Role::Technician);
  auto before = login("tech", kPassword);
  ASSERT_TRUE(before);
  auto minted = auth_->create_token("tech", "script", {"*"}, 0);
  ASSERT_TRUE(minted);
  auto temporary = auth_->reset_password("tech");
  ASSERT_TRUE(temporary) << temporary.error().message();
  EXPECT_FALSE(auth_->authenticate_session(before->session_token)) << "a reset ends the sessions";
  EXPECT_FALSE(auth_->authenticate_bearer(minted->token))
      << "and the tokens made while the old password held";
  EXPECT_FALSE(login("tech", kPassword)) << "the old password is gone";
  auto s = login("tech", *temporary);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->principal.password_change_only);
  EXPECT_TRUE(s->principal.may(access::kAuthenticated));
  EXPECT_FALSE(s->principal.may("archive.read")) << "nothing but the change until it is made";
  auto other = login("tech", *temporary, {}, "10.0.0.2");
  ASSERT_TRUE(other);

  const int64_t id = s->principal.user_id, session = s->principal.credential_id;
  auto wrong = auth_->change_own_password(id, session, "not-the-password",
                                          "orbit-lantern-meadow-quill", "10.0.0.1");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().detail, "the current password is not right");
  EXPECT_EQ(auth_->user("tech")->failed_logins, 1)
      << "a wrong current password counts as a failed sign-in";
  EXPECT_FALSE(auth_->change_own_password(id, session, *temporary, "short", "10.0.0.1"))
      << "the policy holds";
  EXPECT_FALSE(auth_->change_own_password(id, session, *temporary, *temporary, "10.0.0.1"));
  ASSERT_TRUE(auth_->change_own_password(id, session, *temporary, "orbit-lantern-meadow-quill",
                                         "10.0.0.1"));
  auto now = auth_->authenticate_session(s->session_token);
  ASSERT_TRUE(now) << "the session that changed it goes on";
  EXPECT_FALSE(now->password_change_only);
  EXPECT_TRUE(now->may("archive.read"));
  EXPECT_FALSE(auth_->authenticate_session(other->session_token)) << "the others end";
  EXPECT_FALSE(auth_->user("tech")->must_change_password);
}

TEST_F(AuthServiceTest, ALockedAccountCannotTryItsPasswordFromAnOpenSession) {
  add("tech", Role::Technician);
  auto s = login("tech", kPassword);
  ASSERT_TRUE(s);
  const int64_t id = s->principal.user_id, session = s->principal.credential_id;
  for (int i = 0; i < 5; ++i)
    (void)auth_->change_own_password(id, session, "guess-" + std::to_string(i),
                                     "orbit-lantern-meadow-quill", "10.0.0.1");
  ASSERT_GT(auth_->user("tech")->locked_until, clock_.now)
      << "five wrong current passwords lock the account";
  auto right =
      auth_->change_own_password(id, session, kPassword, "orbit-lantern-meadow-quill", "10.0.0.1");
  ASSERT_FALSE(right) << "not even the right one is tried while locked";
  EXPECT_EQ(right.error().code, ErrorCode::TooManyAttempts);
  EXPECT_FALSE(login("tech", "orbit-lantern-meadow-quill"));
}

TEST_F(AuthServiceTest, TokensAreScopedExpireAndRevoke) {
  add("script", Role::Technician);
  EXPECT_FALSE(auth_->create_token("script", "ci", {"archive.everything"}, 0));
  EXPECT_FALSE(auth_->create_token("script", "ci", {"archive.read"}, clock_.now - 1));
  auto t = auth_->create_token("script", "ci", {"archive.read"}, clock_.now + 100);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->token.starts_with("vireo_"));
  auto p = auth_->authenticate_bearer(t->token);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->may("archive.read"));
  EXPECT_FALSE(p->may("archive.export"));
  std::string tampered = t->token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(auth_->authenticate_bearer(tampered));
  clock_.now += 100;
  EXPECT_FALSE(auth_->authenticate_bearer(t->token)) << "expired";
  auto forever = auth_->create_token("script", "ci2", {"*"}, 0);
  ASSERT_TRUE(forever);
  auto other = add("other", Role::Technician);
  EXPECT_EQ(auth_->revoke_token(forever->info.id, other.id).error().code, ErrorCode::NotFound)
      << "a user revokes only their own";
  ASSERT_TRUE(auth_->revoke_token(forever->info.id, 0));
  EXPECT_FALSE(auth_->authenticate_bearer(forever->token));
  auto list = auth_->tokens("script");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 2u);
}

// The tokens of a user who has none are an empty list; of a user who does not exist, NotFound
// (GET /api/users/{username}/tokens answers 404 like any unknown resource).
TEST_F(AuthServiceTest, TokensOfAnUnknownUserAreNotFound) {
  add("quiet", Role::Technician);
  auto none = auth_->tokens("quiet");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto missing = auth_->tokens("nobody");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
}

TEST_F(AuthServiceTest, OAuthClientsGetShortLivedScopedTokensUntilRevoked) {
  add("pipeline", Role::Radiologist);
  EXPECT_FALSE(auth_->create_client("pipeline", "ai", {"archive.nothing"}));
  auto client = auth_->create_client("pipeline", "ai", {"archive.read"});
  ASSERT_TRUE(client);
  EXPECT_EQ(auth_->issue_client_token(client->info.client_id, "wrong", {}, "10.0.0.5").error().code,
            ErrorCode::Unauthenticated);
  EXPECT_EQ(auth_->issue_client_token("nobody", client->secret, {}, "10.0.0.5").error().code,
            ErrorCode::Unauthenticated);
  EXPECT_EQ(auth_
                ->issue_client_token(client->info.client_id, client->secret, {"archive.export"},
                                     "10.0.0.5")
                .error()
                .code,
            ErrorCode::InvalidArgument)
      << "no more than the client was given";
  auto issued = auth_->issue_client_token(client->info.client_id, client->secret, {}, "10.0.0.5");
  ASSERT_TRUE(issued);
  EXPECT_EQ(issued->expires_in, 3600);
  auto p = auth_->authenticate_bearer(issued->access_token);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->username, "pipeline");
  EXPECT_TRUE(p->may("archive.read"));
  EXPECT_FALSE(p->may("archive.export")) << "the radiologist may, the client may not";
  clock_.now += 3600;
  EXPECT_FALSE(auth_->authenticate_bearer(issued->access_token)) << "an hour, then it expires";
  auto again = auth_->issue_client_token(client->info.client_id, client->secret, {"archive.read"},
                                         "10.0.0.5");
  ASSERT_TRUE(again);
  ASSERT_TRUE(auth_->revoke_client(client->info.client_id));
  EXPECT_FALSE(auth_->authenticate_bearer(again->access_token))
      << "revoking the client ends its tokens";
  EXPECT_FALSE(auth_->issue_client_token(client->info.client_id, client->secret, {}, "10.0.0.5"));
}

// Signing a report asks the person at the keyboard to prove who they are again: the password, or
// for a TOTP account a fresh code (each good once); guesses count towards the lockout, and a
// locked account signs nothing whatever it types.
TEST_F(AuthServiceTest, ReauthenticationTakesThePasswordOrAFreshCodeAndCountsGuesses) {
  User tech = add("tech9", Role::Technician);
  auto who = login("tech9", kPassword);
  ASSERT_TRUE(who);
  const Principal& p = who->principal;
  EXPECT_EQ(auth_->reauthenticate(p, "wrong-password-here", "10.0.0.1").error().code, ErrorCode::Forbidden);
  EXPECT_TRUE(auth_->reauthenticate(p, kPassword, "10.0.0.1"));
  auto failures = [&](int64_t id) {
    auto rows = (*db_->connect())->query("SELECT failed_logins FROM users WHERE id = ?", {id});
    return (*rows)[0].integer(0);
  };
  EXPECT_EQ(failures(tech.id), 0) << "a success ends the count";
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(auth_->reauthenticate(p, "wrong-password-here", "10.0.0.1"));
  EXPECT_EQ(auth_->reauthenticate(p, kPassword, "10.0.0.1").error().code, ErrorCode::TooManyAttempts)
      << "locked: the right password signs nothing";
  clock_.now += 601;

  User dr = add("drre", Role::Radiologist);
  ASSERT_TRUE(login("drre", kPassword));
  ASSERT_TRUE(auth_->begin_totp(dr.id));
  std::string secret;
  {
    auto rows = (*db_->connect())->query("SELECT totp_pending FROM users WHERE id = ?", {dr.id});
    std::string hex = (*rows)[0].text(0);
    for (size_t i = 0; i < hex.size(); i += 2)
      secret.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  ASSERT_TRUE(auth_->confirm_totp(dr.id, totp_code(secret, clock_.now)));
  clock_.now += 30;
  auto signed_in = login("drre", kPassword, totp_code(secret, clock_.now));
  ASSERT_TRUE(signed_in) << signed_in.error().message();
  const Principal& radiologist = signed_in->principal;
  EXPECT_EQ(auth_->reauthenticate(radiologist, kPassword, "10.0.0.1").error().code, ErrorCode::InvalidArgument)
      << "a password where the code goes is said, not counted";
  EXPECT_EQ(failures(dr.id), 0);
  EXPECT_EQ(auth_->reauthenticate(radiologist, totp_code(secret, clock_.now), "10.0.0.1").error().code,
            ErrorCode::Forbidden)
      << "the code of the sign-in is used";
  clock_.now += 30;
  const std::string fresh = totp_code(secret, clock_.now);
  EXPECT_TRUE(auth_->reauthenticate(radiologist, fresh, "10.0.0.1"));
  EXPECT_EQ(auth_->reauthenticate(radiologist, fresh, "10.0.0.1").error().code, ErrorCode::Forbidden) << "once";
}

TEST_F(AuthServiceTest, TotpEnrolmentThenCodesAndOneTimeRecoveryCodes) {
  User u = add("drx", Role::Radiologist);
  auto first = login("drx", kPassword);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->principal.enrolment_only) << "radiologists must set up TOTP";
  EXPECT_FALSE(first->principal.may("archive.read"));
  auto e = auth_->begin_totp(u.id);
  ASSERT_TRUE(e);
  // The app derives codes from the base32 secret; so does the test, through the URI's secret.
  std::string secret;
  {
    auto rows = (*db_->connect())->query("SELECT totp_pending FROM users WHERE id = ?", {u.id});
    std::string hex = (*rows)[0].text(0);
    for (size_t i = 0; i < hex.size(); i += 2)
      secret.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  EXPECT_EQ(base32(secret), e->secret_base32);
  EXPECT_FALSE(auth_->confirm_totp(u.id, "000000"));
  auto codes = auth_->confirm_totp(u.id, totp_code(secret, clock_.now));
  ASSERT_TRUE(codes);
  EXPECT_EQ(codes->size(), 10u);
  auto again = auth_->authenticate_session(first->session_token);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->enrolment_only) << "the open session is complete now";

  EXPECT_FALSE(login("drx", kPassword)) << "the code is required now";
  EXPECT_FALSE(login("drx", kPassword, totp_code(secret, clock_.now)))
      << "that step was used at enrolment";
  clock_.now += 30;
  auto ok = login("drx", kPassword, totp_code(secret, clock_.now));
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->principal.may("archive.read"));
  auto by_recovery = auth_->login({"drx", kPassword, "", (*codes)[3], "10.0.0.1", "t"});
  EXPECT_TRUE(by_recovery);
  EXPECT_FALSE(auth_->login({"drx", kPassword, "", (*codes)[3], "10.0.0.1", "t"}))
      << "each recovery code once";
  std::string lower = (*codes)[4];
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  lower.erase(5, 1);
  EXPECT_TRUE(auth_->login({"drx", kPassword, "", lower, "10.0.0.1", "t"}))
      << "typed without dash, lower case";
  ASSERT_TRUE(auth_->reset_totp("drx"));
  auto after_reset = login("drx", kPassword);
  ASSERT_TRUE(after_reset);
  EXPECT_TRUE(after_reset->principal.enrolment_only);
}

// Two nodes given the same TOTP code at the same moment (a replayed code, or a double submit):
// one of them lets the user in, never both.
TEST_F(AuthServiceTest, ATotpCodeLetsInOnceAcrossTwoNodes) {
  User u = add("drz", Role::Radiologist);
  ASSERT_TRUE(auth_->begin_totp(u.id));
  std::string secret;
  {
    auto rows = (*db_->connect())->query("SELECT totp_pending FROM users WHERE id = ?", {u.id});
    std::string hex = (*rows)[0].text(0);
    for (size_t i = 0; i < hex.size(); i += 2)
      secret.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  ASSERT_TRUE(auth_->confirm_totp(u.id, totp_code(secret, clock_.now)));
  auto other_writes = testing::started_writes(*db_);
  auto other_node = AuthService::open(*db_, *other_writes, policy_, clock_);
  ASSERT_TRUE(other_node);
  for (int round = 0; round < 5; ++round) {
    clock_.now += 30;
    const std::string code = totp_code(secret, clock_.now);
    std::atomic<int> in = 0;
    std::thread a([&] { in += login("drz", kPassword, code).has_value(); });
    std::thread b([&] {
      in += (*other_node)->login({"drz", kPassword, code, "", "10.0.0.2", "test"}).has_value();
    });
    a.join();
    b.join();
    EXPECT_EQ(in, 1) << "round " << round;
  }
}

}  // namespace
}  // namespace vireo::auth
