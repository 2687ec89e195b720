// Browser sessions: who a session cookie belongs to, with idle and absolute timeouts.
#include <algorithm>

#include "auth/auth_internal.hpp"
#include "auth/auth_service.hpp"
#include "auth/password.hpp"
#include "auth/totp.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"

namespace vireo::auth {

using namespace detail;

Result<Principal> AuthService::principal_for(Connection& c, int64_t user_id) {
  auto u = load_user(c, "id = ?", user_id);
  if (!u) return std::unexpected(u.error());
  return principal_for(*u);
}

Result<Principal> AuthService::principal_for(const User& u) const {
  if (u.disabled) return std::unexpected(unauthenticated("account disabled"));
  Principal p;
  p.user_id = u.id;
  p.username = u.username;
  p.roles = u.roles;
  p.patient_id = u.patient_id;
  p.physician_name = u.physician_name;
  p.enrolment_only = totp_required(u) && !u.totp_enabled;
  p.totp_enabled = u.totp_enabled;
  p.password_change_only = u.must_change_password;
  return p;
}

Result<Principal> AuthService::authenticate_session(const std::string& session_token) {
  if (session_token.empty() || session_token.size() > 128)
    return std::unexpected(unauthenticated("malformed session"));
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows =
      (*c)->query("SELECT s.id, s.user_fk, s.csrf_token, s.last_seen, s.expires_at, s.revoked, " +
                      user_select() +
                      " FROM sessions s JOIN users u ON u.id = s.user_fk WHERE s.token_hash = ?",
                  {sha256_hex(session_token)});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::unexpected(unauthenticated("unknown session"));
  const Row& r = rows->front();
  int64_t now = clock_.unix_seconds();
  if (r.integer(5) != 0) return std::unexpected(unauthenticated("session ended"));
  if (now >= r.integer(4))
    return std::unexpected(unauthenticated("session expired (absolute timeout)"));
  if (now - r.integer(3) >= policy_.session_idle_seconds)
    return std::unexpected(unauthenticated("session expired (idle timeout)"));
  auto p = principal_for(user_from_row(r, 6));
  if (!p) return std::unexpected(p.error());
  // The idle clock restarts at most once a minute (a tenth of the idle timeout, if shorter):
  // one write per active session and minute, not one per request.
  if (now >= r.integer(3) + std::min<int64_t>(kLastSeenStep, policy_.session_idle_seconds / 10))
    // Not worth refusing the request for: the worst is an idle timeout a little early.
    (void)write([&](Connection& w) {
      return w.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", {now, r.integer(0)});
    });
  p->via = Credential::Session;
  p->credential_id = r.integer(0);
  p->csrf_token = r.text(2);
  return p;
}

Result<bool> AuthService::still_signed_in(const Principal& p) {
  const bool session = p.via == Credential::Session;
  if (!session && p.via != Credential::Token) return false;
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query(
      session ? "SELECT s.revoked, s.expires_at, s.last_seen, u.disabled FROM sessions s JOIN users u "
                "ON u.id = s.user_fk WHERE s.id = ?"
              : "SELECT t.revoked, t.expires_at, 0, u.disabled FROM api_tokens t JOIN users u ON "
                "u.id = t.user_fk WHERE t.id = ?",
      {p.credential_id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return false;
  const Row& r = rows->front();
  const int64_t now = clock_.unix_seconds();
  const bool expired = session ? now >= r.integer(1) || now - r.integer(2) >= policy_.session_idle_seconds
                               : r.integer(1) != 0 && now >= r.integer(1);
  return r.integer(0) == 0 && !expired && r.integer(3) == 0;
}

Status AuthService::logout(int64_t session_id) {
  return write([&](Connection& w) {
    return w.execute("UPDATE sessions SET revoked = 1 WHERE id = ?", {session_id});
  });
}

}  // namespace vireo::auth
