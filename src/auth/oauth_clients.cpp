// OAuth 2.0 clients (client credentials grant, RFC 6749 4.4): a client acts as its user,
// limited to its scopes, with one-hour tokens.
#include <algorithm>

#include "auth/auth_internal.hpp"
#include "auth/auth_service.hpp"
#include "auth/password.hpp"
#include "auth/totp.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"

namespace vireo::auth {

using namespace detail;

Result<CreatedClient> AuthService::create_client(const std::string& username,
                                                 const std::string& name,
                                                 const std::vector<std::string>& scopes) {
  if (name.empty() || name.size() > 100)
    return fail(ErrorCode::InvalidArgument, "a client needs a name (1 to 100 characters)");
  if (auto s = check_scopes(scopes); !s) return std::unexpected(s.error());
  CreatedClient out;
  out.info.client_id = "vireo-client-" + random_token(12);
  out.secret = random_token(32);
  int64_t now = clock_.unix_seconds();
  auto written = write([&](Connection& c) -> Status {
    auto u = load_user(c, "username = ?", username);
    if (!u) return std::unexpected(u.error());
    auto ins = c.query(
        "INSERT INTO oauth_clients (client_id, secret_hash, user_fk, name, scopes, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        {out.info.client_id, sha256_hex(out.secret), u->id, name, join(scopes, ' '), now});
    if (!ins || ins->empty())
      return std::unexpected(ins ? Error{ErrorCode::DatabaseError, "insert client"} : ins.error());
    out.info.id = ins->front().integer(0);
    return {};
  });
  if (!written) return std::unexpected(written.error());
  out.info.username = username;
  out.info.name = name;
  out.info.scopes = scopes;
  out.info.created_at = now;
  return out;
}

Result<std::vector<OAuthClient>> AuthService::clients() {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query(
      "SELECT o.id, o.client_id, u.username, o.name, o.scopes, o.created_at, o.revoked "
      "FROM oauth_clients o JOIN users u ON u.id = o.user_fk ORDER BY o.id",
      {});
  if (!rows) return std::unexpected(rows.error());
  std::vector<OAuthClient> out;
  for (const auto& r : *rows)
    out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), split_scopes(r.text(4)),
                   r.integer(5), r.integer(6) != 0});
  return out;
}

Status AuthService::revoke_client(const std::string& client_id) {
  return write([&](Connection& c) -> Status {
    if (auto s = c.execute("UPDATE oauth_clients SET revoked = 1 WHERE client_id = ?", {client_id});
        !s)
      return s;
    if (c.changes() == 0) return fail(ErrorCode::NotFound, "no such client");
    return c.execute(
        "UPDATE api_tokens SET revoked = 1 WHERE client_fk = (SELECT id FROM oauth_clients WHERE "
        "client_id = ?)",
        {client_id});
  });
}

Result<IssuedToken> AuthService::issue_client_token(const std::string& client_id,
                                                    const std::string& secret,
                                                    const std::vector<std::string>& requested,
                                                    const std::string& address) {
  auto c = pool_.acquire();
  if (!c) return std::unexpected(c.error());
  LoginRequest as_login{client_id.substr(0, 64), "", "", "", address, ""};
  auto blocked = address_blocked(**c, address);
  if (!blocked) return std::unexpected(blocked.error());
  if (*blocked)
    return std::unexpected(unauthenticated("too many failed sign-ins from this address"));
  auto rows = (*c)->query(
      "SELECT o.id, o.secret_hash, o.scopes, o.revoked, o.user_fk FROM oauth_clients o "
      "WHERE o.client_id = ?",
      {client_id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty() || !equal_secrets(rows->front().text(1), sha256_hex(secret)) ||
      rows->front().integer(3) != 0) {
    if (auto s = record_failure(as_login, nullptr); !s) return std::unexpected(s.error());
    return std::unexpected(
        unauthenticated(rows->empty() ? "unknown client" : "wrong secret or revoked client"));
  }
  const Row& r = rows->front();
  auto p = principal_for(**c, r.integer(4));
  if (!p) return std::unexpected(p.error());
  std::vector<std::string> allowed = split_scopes(r.text(2));
  std::vector<std::string> granted;
  for (const auto& s : requested.empty() ? allowed : requested) {
    bool ok = std::ranges::find(allowed, "*") != allowed.end() ||
              std::ranges::find(allowed, s) != allowed.end();
    if (!ok || (s != "*" && !access::is_known_permission(s)))
      return fail(ErrorCode::InvalidArgument, "scope '" + s + "' is not granted to this client");
    granted.push_back(s);
  }
  IssuedToken out;
  out.access_token = "vireo_" + random_token(32);
  out.expires_in = kClientTokenSeconds;
  out.scopes = granted;
  out.username = p->username;
  int64_t now = clock_.unix_seconds();
  auto s = write([&](Connection& w) -> Status {
    // Revoked on another node since we read it: no token outlives the revocation.
    auto live = w.query("SELECT 1 FROM oauth_clients WHERE id = ? AND revoked = 0", {r.integer(0)});
    if (!live) return std::unexpected(live.error());
    if (live->empty()) return std::unexpected(unauthenticated("wrong secret or revoked client"));
    return w.execute(
        "INSERT INTO api_tokens (token_hash, user_fk, name, scopes, created_at, expires_at, "
        "client_fk) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        {sha256_hex(out.access_token), r.integer(4), "oauth client " + client_id,
         join(granted, ' '), now, now + kClientTokenSeconds, r.integer(0)});
  });
  if (!s) return std::unexpected(s.error());
  // Issued tokens expire within the hour; old rows are pruned as new ones are issued, in a job
  // of their own (a failed pruning refuses nobody a token).
  writes_.post(
      [now](Connection& w) {
        return w.execute("DELETE FROM api_tokens WHERE client_fk IS NOT NULL AND expires_at < ?",
                         {now - 86400});
      },
      {});
  return out;
}

}  // namespace vireo::auth
