// Sign-in: passwords with per-account lockout and per-address throttling, TOTP and its
// recovery codes, and TOTP enrolment.
#include <algorithm>
#include <optional>

#include "auth/auth_internal.hpp"
#include "auth/auth_service.hpp"
#include "auth/password.hpp"
#include "auth/totp.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"

namespace vireo::auth {

using namespace detail;

bool AuthService::totp_required(const User& u) const {
  return std::ranges::any_of(u.roles, [&](Role r) {
    return std::ranges::find(policy_.totp_required_roles, r) != policy_.totp_required_roles.end();
  });
}

Result<bool> AuthService::address_blocked(Connection& c, const std::string& address) {
  auto rows = c.query("SELECT COUNT(*) FROM login_failures WHERE address = ? AND at > ?",
                      {address, clock_.unix_seconds() - policy_.address_window_seconds});
  if (!rows) return std::unexpected(rows.error());
  return rows->front().integer(0) >= policy_.max_failures_per_address;
}

Status AuthService::record_failure(const LoginRequest& req, const User* u) {
  return write([&](Connection& c) -> Status {
    int64_t now = clock_.unix_seconds();
    if (auto s = c.execute("DELETE FROM login_failures WHERE at < ?",
                           {now - 4 * int64_t{policy_.address_window_seconds}});
        !s)
      return s;
    if (auto s = c.execute("INSERT INTO login_failures (at, address, username) VALUES (?, ?, ?)",
                           {now, req.address, req.username.substr(0, 64)});
        !s)
      return s;
    if (!u) return {};
    // One statement, so that failures counted on several nodes at once all count.
    return c.execute(
        "UPDATE users SET failed_logins = failed_logins + 1, locked_until = CASE WHEN "
        "failed_logins + 1 >= ? "
        "THEN ? ELSE locked_until END WHERE id = ?",
        {int64_t{policy_.max_failures_per_account}, now + policy_.lockout_seconds, u->id});
  });
}

Result<LoginResult> AuthService::login(const LoginRequest& req) {
  auto failed = [&](const User* u, std::string why) -> Result<LoginResult> {
    if (auto s = record_failure(req, u); !s) return std::unexpected(s.error());
    return std::unexpected(unauthenticated(std::move(why)));
  };
  // Reads and the password check (slow on purpose) happen outside the write queue; what they
  // decided is checked again in the write job, as another node may have acted meanwhile.
  std::optional<User> user;
  std::string hash, totp_secret;
  uint64_t last_step = 0;
  {
    auto c = pool_.acquire();
    if (!c) return std::unexpected(c.error());
    auto blocked = address_blocked(**c, req.address);
    if (!blocked) return std::unexpected(blocked.error());
    if (*blocked) {
      verify_password_dummy(req.password);
      return failed(nullptr, "too many failed sign-ins from this address");
    }
    auto u = load_user(**c, "username = ?", req.username);
    if (!u) {
      if (u.error().code != ErrorCode::NotFound) return std::unexpected(u.error());
      verify_password_dummy(req.password);
      return failed(nullptr, "unknown user");
    }
    auto secret_rows = (*c)->query(
        "SELECT password_hash, totp_secret, totp_last_step FROM users WHERE id = ?", {u->id});
    if (!secret_rows || secret_rows->empty())
      return std::unexpected(Error{ErrorCode::DatabaseError, "user vanished"});
    hash = secret_rows->front().text(0);
    totp_secret = from_hex(secret_rows->front().text(1));
    last_step = static_cast<uint64_t>(secret_rows->front().integer(2));
    user = std::move(*u);
  }
  const User& u = *user;
  const int64_t now = clock_.unix_seconds();
  if (u.locked_until > now) {
    verify_password_dummy(req.password);
    return failed(nullptr, "account locked");
  }
  if (!verify_password(hash, req.password)) return failed(&u, "wrong password");
  if (u.disabled) return failed(nullptr, "account disabled");
  std::optional<uint64_t> step;
  if (u.totp_enabled && req.recovery_code.empty()) {
    step = verify_totp(totp_secret, req.totp, now, last_step);
    if (!step)
      return failed(&u, req.totp.empty() ? "TOTP code missing" : "wrong or reused TOTP code");
  }

  LoginResult out;
  out.session_token = random_token(32);
  out.expires_at = now + policy_.session_absolute_seconds;
  const std::string csrf = random_token(24);
  std::string refused;  // a second factor or lock that did not hold in the write job
  int64_t session_id = 0;
  auto written = write([&](Connection& c) -> Status {
    // What was checked outside must still hold: locked by failures counted on another node, a
    // password reset, disabled, or TOTP reset meanwhile means no session (and no recovery code
    // used up), or the reset's "every session ends" would miss this one.
    auto now_row = c.query(
        "SELECT locked_until, password_hash, disabled, totp_enabled, totp_secret FROM users WHERE "
        "id = ?",
        {u.id});
    if (!now_row) return std::unexpected(now_row.error());
    if (now_row->empty()) {
      refused = "unknown user";
      return {};
    }
    const Row& r = now_row->front();
    if (r.integer(0) > now) {
      refused = "account locked";
      return {};
    }
    if (r.text(1) != hash || (r.integer(2) != 0) != u.disabled ||
        (r.integer(3) != 0) != u.totp_enabled || from_hex(r.text(4)) != totp_secret) {
      refused = "the account changed during sign-in";
      return {};
    }
    if (u.totp_enabled && !req.recovery_code.empty()) {
      std::string code_hash = sha256_hex(normalise_recovery_code(req.recovery_code));
      if (auto s = c.execute("UPDATE recovery_codes SET used_at = ? WHERE user_fk = ? AND "
                             "code_hash = ? AND used_at = 0",
                             {now, u.id, code_hash});
          !s)
        return s;
      if (c.changes() != 1) {
        refused = "wrong or used recovery code";
        return {};
      }
    } else if (step) {
      // A code is good once: two nodes given the same code at the same moment let one in.
      if (auto s =
              c.execute("UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
                        {static_cast<int64_t>(*step), u.id, static_cast<int64_t>(*step)});
          !s)
        return s;
      if (c.changes() != 1) {
        refused = "wrong or reused TOTP code";
        return {};
      }
    }
    if (auto s =
            c.execute("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?", {u.id});
        !s)
      return s;
    auto ins = c.query(
        "INSERT INTO sessions (token_hash, user_fk, csrf_token, created_at, last_seen, expires_at, "
        "address, user_agent) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {sha256_hex(out.session_token), u.id, csrf, now, now, out.expires_at, req.address,
         req.user_agent.substr(0, 256)});
    if (!ins || ins->empty())
      return std::unexpected(ins ? Error{ErrorCode::DatabaseError, "insert session"} : ins.error());
    session_id = ins->front().integer(0);
    return {};
  });
  if (!written) return std::unexpected(written.error());
  // Only a wrong second factor counts against the account; a lock or a change made meanwhile
  // is not the user's failure.
  if (!refused.empty()) return failed(refused.starts_with("wrong") ? &u : nullptr, refused);
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto p = principal_for(**c, u.id);
  if (!p) return std::unexpected(p.error());
  out.principal = std::move(*p);
  out.principal.via = Credential::Session;
  out.principal.credential_id = session_id;
  out.principal.csrf_token = csrf;
  return out;
}

Status AuthService::reauthenticate(const Principal& who, const std::string& secret, const std::string& address) {
  std::optional<User> user;
  std::string hash, totp_secret;
  uint64_t last_step = 0;
  {
    auto c = pool_.acquire();
    if (!c) return std::unexpected(c.error());
    auto blocked = address_blocked(**c, address);
    if (!blocked) return std::unexpected(blocked.error());
    if (*blocked) return fail(ErrorCode::TooManyAttempts);
    auto u = load_user(**c, "id = ?", who.user_id);
    if (!u) return std::unexpected(u.error());
    auto rows = (*c)->query("SELECT password_hash, totp_secret, totp_last_step FROM users WHERE id = ?", {u->id});
    if (!rows || rows->empty()) return std::unexpected(Error{ErrorCode::DatabaseError, "user vanished"});
    hash = rows->front().text(0);
    totp_secret = from_hex(rows->front().text(1));
    last_step = static_cast<uint64_t>(rows->front().integer(2));
    user = std::move(*u);
  }
  const User& u = *user;
  const int64_t now = clock_.unix_seconds();
  if (u.locked_until > now) return fail(ErrorCode::TooManyAttempts);
  // A password typed where the authenticator's code goes is a slip, not a guess: said so, not counted.
  if (u.totp_enabled && (secret.size() != 6 || !std::ranges::all_of(secret, [](char c) { return c >= '0' && c <= '9'; })))
    return fail(ErrorCode::InvalidArgument, "Type the 6-digit code your authenticator app shows now");
  const LoginRequest attempt{.username = u.username, .password = {}, .totp = {}, .recovery_code = {},
                             .address = address, .user_agent = {}};
  auto refuse = [&](const char* why) -> Status {
    if (auto s = record_failure(attempt, &u); !s) return s;
    return fail(ErrorCode::Forbidden, why);
  };
  std::optional<uint64_t> step;
  if (u.totp_enabled) {
    step = verify_totp(totp_secret, secret, now, last_step);
    if (!step) return refuse("The code is not right, or was used already; wait for the next one");
  } else if (!verify_password(hash, secret)) {
    return refuse("The password is not right");
  }
  // What was checked outside holds still, in one statement on every node: not locked meanwhile by
  // guesses made at the same time, the code not used meanwhile; the failures counted so far end.
  bool held = false;
  auto written = write([&](Connection& c) -> Status {
    const int64_t used = step ? static_cast<int64_t>(*step) : 0;
    if (auto s = c.execute("UPDATE users SET failed_logins = 0, totp_last_step = CASE WHEN ? > 0 THEN ? ELSE "
                           "totp_last_step END WHERE id = ? AND locked_until <= ? AND (? = 0 OR totp_last_step < ?)",
                           {used, used, u.id, now, used, used});
        !s)
      return s;
    held = c.changes() == 1;
    return {};
  });
  if (!written) return written;
  if (!held) return refuse("The code was used already, or the account was locked meanwhile; wait for the next code");
  return {};
}

Result<TotpEnrolment> AuthService::begin_totp(int64_t user_id) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto u = load_user(**c, "id = ?", user_id);
  if (!u) return std::unexpected(u.error());
  if (u->totp_enabled)
    return fail(ErrorCode::AlreadyExists,
                "TOTP is already set up; an admin can reset it (vireo user reset-totp)");
  std::string secret = new_totp_secret();
  if (auto s = write([&](Connection& w) {
        return w.execute("UPDATE users SET totp_pending = ? WHERE id = ?",
                         {to_hex(secret), user_id});
      });
      !s)
    return std::unexpected(s.error());
  return TotpEnrolment{base32(secret), totp_uri("Vireo", u->username, secret)};
}

Result<std::vector<std::string>> AuthService::confirm_totp(int64_t user_id,
                                                           const std::string& code) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT totp_pending, totp_enabled FROM users WHERE id = ?", {user_id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::NotFound, "no such user");
  if (rows->front().integer(1) != 0)
    return fail(ErrorCode::AlreadyExists, "TOTP is already set up");
  std::string secret = from_hex(rows->front().text(0));
  if (secret.empty()) return fail(ErrorCode::InvalidArgument, "start the TOTP set-up first");
  auto step = verify_totp(secret, code, clock_.unix_seconds(), 0);
  if (!step)
    return fail(ErrorCode::InvalidArgument,
                "the code does not match; check the authenticator app's clock");
  std::vector<std::string> codes;
  auto enabled = write([&](Connection& w) -> Status {
    // Only the secret this user confirmed, and only once (a second confirmation races it).
    if (auto s = w.execute(
            "UPDATE users SET totp_enabled = 1, totp_secret = totp_pending, totp_pending = '', "
            "totp_last_step = ? WHERE id = ? AND totp_enabled = 0 AND totp_pending = ?",
            {static_cast<int64_t>(*step), user_id, rows->front().text(0)});
        !s)
      return s;
    if (w.changes() != 1)
      return fail(ErrorCode::AlreadyExists, "TOTP was set up or restarted meanwhile");
    if (auto s = w.execute("DELETE FROM recovery_codes WHERE user_fk = ?", {user_id}); !s) return s;
    for (int i = 0; i < kRecoveryCodes; ++i) {
      codes.push_back(new_recovery_code());
      if (auto s = w.execute("INSERT INTO recovery_codes (user_fk, code_hash) VALUES (?, ?)",
                             {user_id, sha256_hex(codes.back())});
          !s)
        return s;
    }
    return {};
  });
  if (!enabled) return std::unexpected(enabled.error());
  return codes;
}

}  // namespace vireo::auth
