#include "store/migrations.hpp"

#include "core/clock.hpp"

namespace vireo {

namespace {
std::string render(std::string sql, const Dialect& dialect) {
  const std::string token = "${PK}";
  for (auto pos = sql.find(token); pos != std::string::npos; pos = sql.find(token, pos)) {
    sql.replace(pos, token.size(), dialect.primary_key_column);
  }
  return sql;
}
}  // namespace

Status migrate(Connection& conn, const Dialect& dialect, const std::string& domain,
               const std::vector<Migration>& migrations, const MigrationProgress& progress) {
  if (auto s = conn.execute(
          "CREATE TABLE IF NOT EXISTS schema_migrations (domain TEXT NOT NULL, version INTEGER NOT NULL, "
          "description TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (domain, version))", {});
      !s) {
    return s;
  }
  auto rows = conn.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE domain = ?", {domain});
  if (!rows) return std::unexpected(rows.error());
  int64_t current = (*rows)[0].integer(0);
  std::vector<const Migration*> pending;
  for (const auto& m : migrations)
    if (m.version > current) pending.push_back(&m);
  for (size_t i = 0; i < pending.size(); ++i) {
    const Migration& m = *pending[i];
    if (progress) progress(domain, m, i + 1, pending.size());
    if (auto s = conn.execute(dialect.begin_write, {}); !s) return s;
    for (const auto& stmt : m.statements) {
      if (auto s = conn.execute(render(stmt, dialect), {}); !s) {
        (void)conn.execute("ROLLBACK", {});
        return fail(s.error().code, domain + " migration " + std::to_string(m.version) + ": " + s.error().detail);
      }
    }
    if (auto s = conn.execute(
            "INSERT INTO schema_migrations (domain, version, description, applied_at) VALUES (?, ?, ?, ?)",
            {domain, int64_t{m.version}, m.description, utc_now_iso()});
        !s) {
      (void)conn.execute("ROLLBACK", {});
      return s;
    }
    if (auto s = conn.execute("COMMIT", {}); !s) return s;
  }
  return {};
}

}  // namespace vireo
