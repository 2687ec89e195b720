#include "store/migrations.hpp"

#include <cctype>

#include "core/clock.hpp"

namespace vireo {

namespace {
// INTEGER, as a whole word, is the dialect's 64-bit integer (SQLite's INTEGER already is one;
// PostgreSQL's is 32 bits: sizes over 2 GiB and times after 2038 need BIGINT).
std::string widen_integers(std::string sql, const std::string& integer_type) {
  if (integer_type == "INTEGER") return sql;
  const std::string word = "INTEGER";
  auto is_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (auto pos = sql.find(word); pos != std::string::npos; pos = sql.find(word, pos)) {
    bool whole = (pos == 0 || !is_name(sql[pos - 1])) &&
                 (pos + word.size() == sql.size() || !is_name(sql[pos + word.size()]));
    if (whole) {
      sql.replace(pos, word.size(), integer_type);
      pos += integer_type.size();
    } else {
      pos += word.size();
    }
  }
  return sql;
}

std::string render(std::string sql, const Dialect& dialect) {
  sql = widen_integers(std::move(sql), dialect.integer_type);
  const std::string token = "${PK}";
  for (auto pos = sql.find(token); pos != std::string::npos; pos = sql.find(token, pos)) {
    sql.replace(pos, token.size(), dialect.primary_key_column);
  }
  const std::string key = "${KEY}";
  for (auto pos = sql.find(key); pos != std::string::npos; pos = sql.find(key, pos)) {
    sql.replace(pos, key.size(), dialect.search_key_type);
  }
  return sql;
}

// "${APPEND_ONLY:table}": triggers that refuse every UPDATE and DELETE of the table's rows,
// in the engine's own trigger language; any other statement, rendered.
std::vector<std::string> statements_of(const std::string& stmt, const Dialect& dialect) {
  const std::string append_only = "${APPEND_ONLY:";
  if (!stmt.starts_with(append_only) || !stmt.ends_with("}")) return {render(stmt, dialect)};
  const std::string table = stmt.substr(append_only.size(), stmt.size() - append_only.size() - 1);
  const std::string what = table == "audit_events" ? "audit events" : table + " rows";
  if (dialect.name == "sqlite") {
    return {"CREATE TRIGGER " + table + "_no_update BEFORE UPDATE ON " + table +
                " BEGIN SELECT RAISE(ABORT, '" + what + " are append-only'); END",
            "CREATE TRIGGER " + table + "_no_delete BEFORE DELETE ON " + table +
                " BEGIN SELECT RAISE(ABORT, '" + what + " are append-only'); END"};
  }
  return {"CREATE OR REPLACE FUNCTION " + table +
              "_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE "
              "EXCEPTION '" +
              what + " are append-only'; END $$",
          "CREATE TRIGGER " + table + "_no_change BEFORE UPDATE OR DELETE ON " + table +
              " FOR EACH ROW EXECUTE FUNCTION " + table + "_append_only()",
          "CREATE TRIGGER " + table + "_no_truncate BEFORE TRUNCATE ON " + table +
              " FOR EACH STATEMENT EXECUTE FUNCTION " + table + "_append_only()"};
}
}  // namespace

Status migrate(Connection& conn, const Dialect& dialect, const std::string& domain,
               const std::vector<Migration>& migrations, const MigrationProgress& progress) {
  // Under the write lock: two processes creating it at once collide even with IF NOT EXISTS
  // (PostgreSQL's catalog), as two applying one migration would.
  if (auto s = conn.execute(dialect.begin_write, {}); !s) return s;
  if (auto s = conn.execute(
          "CREATE TABLE IF NOT EXISTS schema_migrations (domain TEXT NOT NULL, version INTEGER NOT "
          "NULL, "
          "description TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (domain, version))",
          {});
      !s) {
    (void)conn.execute("ROLLBACK", {});
    return s;
  }
  if (auto s = conn.execute("COMMIT", {}); !s) return s;
  auto rows = conn.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE domain = ?",
                         {domain});
  if (!rows) return std::unexpected(rows.error());
  int64_t current = (*rows)[0].integer(0);
  std::vector<const Migration*> pending;
  for (const auto& m : migrations)
    if (m.version > current) pending.push_back(&m);
  for (size_t i = 0; i < pending.size(); ++i) {
    const Migration& m = *pending[i];
    if (progress) progress(domain, m, i + 1, pending.size());
    if (auto s = conn.execute(dialect.begin_write, {}); !s) return s;
    // Another process (a second node starting at the same time) may have applied it while this
    // one waited for the write: each migration is applied once.
    auto done = conn.query("SELECT 1 FROM schema_migrations WHERE domain = ? AND version = ?",
                           {domain, int64_t{m.version}});
    if (!done) {
      (void)conn.execute("ROLLBACK", {});
      return std::unexpected(done.error());
    }
    if (!done->empty()) {
      if (auto s = conn.execute("ROLLBACK", {}); !s) return s;
      continue;
    }
    for (const auto& stmt : m.statements) {
      for (const auto& sql : statements_of(stmt, dialect)) {
        if (auto s = conn.execute(sql, {}); !s) {
          (void)conn.execute("ROLLBACK", {});
          return fail(s.error().code,
                      domain + " migration " + std::to_string(m.version) + ": " + s.error().detail);
        }
      }
    }
    if (auto s = conn.execute("INSERT INTO schema_migrations (domain, version, description, "
                              "applied_at) VALUES (?, ?, ?, ?)",
                              {domain, int64_t{m.version}, m.description, utc_now_iso()});
        !s) {
      (void)conn.execute("ROLLBACK", {});
      return s;
    }
    if (auto s = conn.execute("COMMIT", {}); !s) return s;
  }
  return {};
}

Status migrate(Database& db, const std::string& domain, const std::vector<Migration>& migrations,
               const MigrationProgress& progress) {
  auto conn = db.connect();
  if (!conn) return std::unexpected(conn.error());
  return migrate(**conn, db.dialect(), domain, migrations, progress);
}

}  // namespace vireo
