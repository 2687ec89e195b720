#include "store/sqlite_database.hpp"

#include <sqlite3.h>

#include <unordered_map>

namespace vireo {

namespace {

Error sqlite_error(sqlite3* db, std::string_view what) {
  int code = sqlite3_extended_errcode(db);
  // A full disk or an unwritable database is a resource problem, not a bug.
  ErrorCode ec = (code == SQLITE_FULL || code == SQLITE_IOERR || (code & 0xFF) == SQLITE_IOERR ||
                  code == SQLITE_READONLY || (code & 0xFF) == SQLITE_READONLY ||
                  (code & 0xFF) == SQLITE_CANTOPEN)
                     ? ErrorCode::OutOfResources
                     : ErrorCode::DatabaseError;
  return Error{ec, std::string(what) + ": " + sqlite3_errmsg(db)};
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Status for_each(std::string_view sql, std::span<const SqlValue> params, const RowCallback& fn) override {
    auto stmt = prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    sqlite3_stmt* st = *stmt;
    struct Reset {
      sqlite3_stmt* st;
      ~Reset() { sqlite3_reset(st); sqlite3_clear_bindings(st); }
    } reset{st};
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) sqlite3_bind_null(st, idx);
            else if constexpr (std::is_same_v<T, int64_t>) sqlite3_bind_int64(st, idx, v);
            else if constexpr (std::is_same_v<T, double>) sqlite3_bind_double(st, idx, v);
            else sqlite3_bind_text(st, idx, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
          },
          params[i]);
    }
    int cols = sqlite3_column_count(st);
    while (true) {
      int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return std::unexpected(sqlite_error(db_, "SQL step"));
      std::vector<SqlValue> values;
      values.reserve(static_cast<size_t>(cols));
      for (int c = 0; c < cols; ++c) {
        switch (sqlite3_column_type(st, c)) {
          case SQLITE_INTEGER: values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(st, c))); break;
          case SQLITE_FLOAT: values.emplace_back(sqlite3_column_double(st, c)); break;
          case SQLITE_NULL: values.emplace_back(nullptr); break;
          default: {
            auto p = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
            values.emplace_back(std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, c))));
          }
        }
      }
      if (!fn(Row(std::move(values)))) break;
    }
    return {};
  }

  int64_t changes() const override { return sqlite3_changes64(db_); }
  bool in_transaction() const override { return sqlite3_get_autocommit(db_) == 0; }

 private:
  Result<sqlite3_stmt*> prepare(std::string_view sql) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, key.c_str(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT, &st,
                           nullptr) != SQLITE_OK) {
      return std::unexpected(sqlite_error(db_, "SQL prepare"));
    }
    // Queries built from C-FIND identifiers vary; keep the cache bounded.
    if (cache_.size() > 512) {
      for (auto& [s, old] : cache_) sqlite3_finalize(old);
      cache_.clear();
    }
    cache_.emplace(std::move(key), st);
    return st;
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

namespace {
Status check_durability(Connection& conn) {
  auto mode = conn.query("PRAGMA journal_mode", {});
  auto sync = conn.query("PRAGMA synchronous", {});
  if (!mode || !sync) return std::unexpected(!mode ? mode.error() : sync.error());
  if (mode->empty() || (*mode)[0].text(0) != "wal")
    return fail(ErrorCode::DatabaseError, "the index database cannot use write-ahead logging here (journal_mode is " +
                                              (mode->empty() ? std::string("unknown") : (*mode)[0].text(0)) +
                                              "); put data_dir on a local file system");
  if (sync->empty() || (*sync)[0].integer(0) != 2)  // FULL: each commit is fsync'd before it returns
    return fail(ErrorCode::DatabaseError, "the index database is not in synchronous=FULL mode");
  return {};
}
}  // namespace

Result<std::unique_ptr<Connection>> SqliteDatabase::connect() {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path_.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Error e = db ? sqlite_error(db, "open " + path_.string())
                 : Error{ErrorCode::OutOfResources, "cannot open " + path_.string()};
    sqlite3_close_v2(db);
    return std::unexpected(e);
  }
  sqlite3_busy_timeout(db, 10000);
  auto conn = std::make_unique<SqliteConnection>(db);
  // WAL + synchronous=FULL: every commit is fsync'd before it returns (DESIGN.md durability).
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                             "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-16384"}) {
    if (auto s = conn->execute(pragma, std::span<const SqlValue>{}); !s) return std::unexpected(s.error());
  }
  // SQLite answers a pragma it cannot apply by keeping the old setting (WAL on a file system
  // without shared memory stays "delete"), so what acknowledgement relies on is read back.
  if (auto s = check_durability(*conn); !s) return std::unexpected(s.error());
  return std::unique_ptr<Connection>(std::move(conn));
}

const Dialect& SqliteDatabase::dialect() const {
  static const Dialect d{"sqlite", "INTEGER PRIMARY KEY", "BEGIN IMMEDIATE", "INTEGER", "group_concat", "", "", "", "TEXT"};
  return d;
}

}  // namespace vireo
