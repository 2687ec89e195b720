// Bearer tokens: personal API tokens and the ones issued to OAuth clients.
#include "auth/auth_internal.hpp"
#include "auth/auth_service.hpp"
#include "auth/password.hpp"
#include "auth/totp.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"

namespace vireo::auth {

using namespace detail;

Result<Principal> AuthService::authenticate_bearer(const std::string& token) {
  if (token.empty() || token.size() > 256)
    return std::unexpected(unauthenticated("malformed token"));
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query(
      "SELECT t.id, t.user_fk, t.scopes, t.expires_at, t.revoked, t.last_used, " + user_select() +
          " FROM api_tokens t JOIN users u ON u.id = t.user_fk WHERE t.token_hash = ?",
      {sha256_hex(token)});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::unexpected(unauthenticated("unknown token"));
  const Row& r = rows->front();
  int64_t now = clock_.unix_seconds();
  if (r.integer(4) != 0) return std::unexpected(unauthenticated("token revoked"));
  if (r.integer(3) != 0 && now >= r.integer(3))
    return std::unexpected(unauthenticated("token expired"));
  auto p = principal_for(user_from_row(r, 6));
  if (!p) return std::unexpected(p.error());
  if (now >= r.integer(5) + kLastSeenStep)
    // Not worth refusing the request for: the worst is a "last used" a little old.
    (void)write([&](Connection& w) {
      return w.execute("UPDATE api_tokens SET last_used = ? WHERE id = ?", {now, r.integer(0)});
    });
  p->via = Credential::Token;
  p->credential_id = r.integer(0);
  p->token_scopes = split_scopes(r.text(2));
  // A token is for scripts: it cannot be used to finish a TOTP enrolment, and a role that
  // requires TOTP keeps its tokens working (they were created by an admin or a signed-in user).
  p->enrolment_only = false;
  p->password_change_only = false;
  return p;
}

Result<CreatedToken> AuthService::create_token(const std::string& username, const std::string& name,
                                               const std::vector<std::string>& scopes,
                                               int64_t expires_at) {
  if (name.empty() || name.size() > 100)
    return fail(ErrorCode::InvalidArgument, "a token needs a name (1 to 100 characters)");
  if (auto s = check_scopes(scopes); !s) return std::unexpected(s.error());
  int64_t now = clock_.unix_seconds();
  if (expires_at != 0 && expires_at <= now)
    return fail(ErrorCode::InvalidArgument, "the expiry is in the past");
  CreatedToken out;
  out.token = "vireo_" + random_token(32);
  auto written = write([&](Connection& c) -> Status {
    auto u = load_user(c, "username = ?", username);
    if (!u) return std::unexpected(u.error());
    auto ins = c.query(
        "INSERT INTO api_tokens (token_hash, user_fk, name, scopes, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        {sha256_hex(out.token), u->id, name, join(scopes, ' '), now, expires_at});
    if (!ins || ins->empty())
      return std::unexpected(ins ? Error{ErrorCode::DatabaseError, "insert token"} : ins.error());
    out.info =
        TokenInfo{ins->front().integer(0), u->username, name, scopes, now, expires_at, 0, false};
    return {};
  });
  if (!written) return std::unexpected(written.error());
  return out;
}

Result<std::vector<TokenInfo>> AuthService::tokens(const std::string& username) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  std::string sql =
      "SELECT t.id, u.username, t.name, t.scopes, t.created_at, t.expires_at, t.last_used, "
      "t.revoked "
      "FROM api_tokens t JOIN users u ON u.id = t.user_fk WHERE t.client_fk IS NULL";
  std::vector<SqlValue> params;
  if (!username.empty()) {
    sql += " AND u.username = ?";
    params.emplace_back(username);
  }
  sql += " ORDER BY t.id";
  auto rows = (*c)->query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty() && !username.empty()) {
    // No tokens, or no such user: an unknown user is NotFound, like every unknown resource.
    auto known = (*c)->query("SELECT 1 FROM users WHERE username = ?", {username});
    if (!known) return std::unexpected(known.error());
    if (known->empty()) return fail(ErrorCode::NotFound, "no such user");
  }
  std::vector<TokenInfo> out;
  for (const auto& r : *rows)
    out.push_back(TokenInfo{r.integer(0), r.text(1), r.text(2), split_scopes(r.text(3)),
                            r.integer(4), r.integer(5), r.integer(6), r.integer(7) != 0});
  return out;
}

Status AuthService::revoke_token(int64_t id, int64_t owner_id) {
  return write([&](Connection& c) -> Status {
    Status s = owner_id == 0
                   ? c.execute("UPDATE api_tokens SET revoked = 1 WHERE id = ?", {id})
                   : c.execute("UPDATE api_tokens SET revoked = 1 WHERE id = ? AND user_fk = ?",
                               {id, owner_id});
    if (!s) return s;
    if (c.changes() == 0) return fail(ErrorCode::NotFound, "no such token");
    return {};
  });
}

}  // namespace vireo::auth
