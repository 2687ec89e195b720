#include "reporting/signing_keys.hpp"

#include "core/clock.hpp"
#include "reporting/reports.hpp"

namespace vireo::reporting {

namespace {

Result<std::optional<StoredIdentity>> find_in(Connection& c, const std::string& name) {
  auto rows = c.query(
      "SELECT name, encrypted_key_pem, cert_pem, chain_pem, created_at, token_object FROM rep_signing_identities "
      "WHERE name = ?",
      {name});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<StoredIdentity>();
  const Row& r = rows->front();
  return std::optional<StoredIdentity>(StoredIdentity{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5)});
}

}  // namespace

Result<std::unique_ptr<SigningKeys>> SigningKeys::open(Database& db, WriteQueue& writes,
                                                       const MigrationProgress& progress) {
  if (auto s = migrate(db, "reporting", migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<SigningKeys>(new SigningKeys(db, writes));
}

Result<std::optional<StoredIdentity>> SigningKeys::find(const std::string& name) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return find_in(**c, name);
}

Result<std::optional<StoredIdentity>> SigningKeys::newest(const std::string& prefix) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT name FROM rep_signing_identities WHERE substr(name, 1, ?) = ? ORDER BY created_at "
                          "DESC, name DESC",
                          {static_cast<int64_t>(prefix.size()), prefix});
  if (!rows) return std::unexpected(rows.error());
  // Only the names made under this very prefix: what follows it is a time stamp (digits, T, Z),
  // so that "user:ana@" never finds the keys of an account named "ana@clinic.example".
  for (const auto& r : *rows) {
    const std::string name = r.text(0);
    const std::string_view rest = std::string_view(name).substr(prefix.size());
    if (!rest.empty() && rest.find_first_not_of("0123456789TZ") == std::string_view::npos) return find_in(**c, name);
  }
  return std::optional<StoredIdentity>();
}

Result<StoredIdentity> SigningKeys::keep_first(const StoredIdentity& identity) {
  return writes_.run<StoredIdentity>([&](Connection& c) -> Result<StoredIdentity> {
    auto kept = find_in(c, identity.name);
    if (!kept) return std::unexpected(kept.error());
    if (*kept) return std::move(**kept);
    if (auto s = c.execute("INSERT INTO rep_signing_identities (name, encrypted_key_pem, cert_pem, chain_pem, "
                           "created_at, token_object) VALUES (?, ?, ?, ?, ?, ?)",
                           {identity.name, identity.encrypted_key_pem, identity.cert_pem, identity.chain_pem,
                            utc_now_iso(), identity.token_object});
        !s)
      return std::unexpected(s.error());
    auto now = find_in(c, identity.name);
    if (!now) return std::unexpected(now.error());
    if (!*now) return fail(ErrorCode::Internal, "the signing identity just kept is not there");
    return std::move(**now);
  });
}

}  // namespace vireo::reporting
