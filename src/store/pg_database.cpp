#include "store/pg_database.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>

#include <charconv>
#include <cstring>
#include <optional>
#include <unordered_map>

namespace vireo {

std::string number_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;  // inside '…' or "…"
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: the same text
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      out += "$" + std::to_string(++n);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

// Type OIDs of pg_type (stable since PostgreSQL 7): the ones read as numbers.
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26, kFloat4 = 700, kFloat8 = 701, kNumeric = 1700;

Error pg_error(const char* what, const std::string& message, const char* sqlstate) {
  std::string state = sqlstate ? sqlstate : "";
  // Class 53 (insufficient resources: disk full, out of memory) is the resource problem a
  // sender is told about; class 08 (the connection) and 57P (shut down) mean: not now.
  ErrorCode code = state.starts_with("53")                                      ? ErrorCode::OutOfResources
                   : state.starts_with("08") || state.starts_with("57P") || state.empty() ? ErrorCode::Unavailable
                                                                                 : ErrorCode::DatabaseError;
  std::string detail = message;
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  return Error{code, std::string(what) + ": " + detail};
}

SqlValue column_value(const PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return nullptr;
  const char* v = PQgetvalue(r, row, col);
  const size_t len = static_cast<size_t>(PQgetlength(r, row, col));
  switch (PQftype(r, col)) {
    case kBool:
      return int64_t{v[0] == 't' ? 1 : 0};
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid: {
      int64_t n = 0;
      std::from_chars(v, v + len, n);
      return n;
    }
    case kFloat4:
    case kFloat8:
    case kNumeric: {
      double d = 0;
      std::from_chars(v, v + len, d);
      return d;
    }
    default:
      return std::string(v, len);
  }
}

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  ~PgConnection() override { PQfinish(conn_); }

  Result<bool> wait_for_notification(std::chrono::milliseconds timeout) override {
    auto drained = [&] {
      bool any = false;
      while (PGnotify* n = PQnotifies(conn_)) {
        PQfreemem(n);
        any = true;
      }
      return any;
    };
    auto lost = [&] { return fail(ErrorCode::Unavailable, "the PostgreSQL connection listening for changes was lost"); };
    if (PQstatus(conn_) != CONNECTION_OK || PQconsumeInput(conn_) == 0) return lost();
    if (drained()) return true;
    pollfd p{PQsocket(conn_), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready < 0 && errno != EINTR) return lost();
    if (ready <= 0) return false;
    if (PQconsumeInput(conn_) == 0) return lost();
    return drained();
  }

  // Row by row (libpq's single-row mode): a C-FIND over the whole archive streams. A callback
  // that stops early has the rest read and dropped, not cancelled: a cancel request can arrive
  // after its query ended and stop the next one on this connection.
  Status for_each(std::string_view sql, std::span<const SqlValue> params, const RowCallback& fn) override {
    const std::string& text = numbered(sql);
    std::vector<std::string> values(params.size());
    std::vector<const char*> pointers(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) return;
            else if constexpr (std::is_same_v<T, std::string>) values[i] = v;
            else {
              char buf[64];
              auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
              values[i].assign(buf, end);
            }
            pointers[i] = values[i].c_str();
          },
          params[i]);
    }
    changes_ = 0;
    if (!was_in_transaction_) notice_loss_while_idle();
    // A connection lost while idle is opened again (the server restarted, a failover); lost
    // inside a transaction, that transaction is gone: its statements fail until the caller ends
    // it, and its COMMIT is refused (it may or may not have happened).
    if (PQstatus(conn_) == CONNECTION_BAD) {
      if (lost_in_transaction_) {
        if (text == "ROLLBACK") {
          lost_in_transaction_ = false;
          PQreset(conn_);
          prepared_.clear();
          return {};
        }
        return fail(ErrorCode::Unavailable, "the connection to PostgreSQL was lost inside a transaction");
      }
      PQreset(conn_);
      prepared_.clear();  // a new session knows none of them
      if (PQstatus(conn_) != CONNECTION_OK)
        return std::unexpected(pg_error("cannot reconnect to PostgreSQL", PQerrorMessage(conn_), nullptr));
    }
    // Several statements in one text (the dialect's begin_write) go by the simple protocol,
    // which takes them; with parameters, one statement.
    const bool several = params.empty() && text.find(';') != std::string::npos;
    // A statement with parameters is prepared on its first use on this connection: the calls
    // after it skip parsing (the index writer's and the credential checks' statements repeat).
    const std::string* prepared = nullptr;
    if (!params.empty()) {
      auto p = prepare(text, static_cast<int>(params.size()));
      if (!p) return std::unexpected(p.error());
      prepared = *p;
    }
    if (!(several      ? PQsendQuery(conn_, text.c_str())
          : prepared   ? PQsendQueryPrepared(conn_, prepared->c_str(), static_cast<int>(params.size()), pointers.data(),
                                             nullptr, nullptr, 0)
                       : PQsendQueryParams(conn_, text.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0))) {
      if (PQstatus(conn_) == CONNECTION_BAD) lost_in_transaction_ = was_in_transaction_;
      return std::unexpected(pg_error("SQL send", PQerrorMessage(conn_), nullptr));
    }
    PQsetSingleRowMode(conn_);
    std::optional<Error> failed;  // (not an assigned Status: GCC 12's std::expected assignment is unsafe)
    bool stopped = false;
    while (PGresult* r = PQgetResult(conn_)) {
      switch (PQresultStatus(r)) {
        case PGRES_SINGLE_TUPLE:
          if (!stopped && !failed) {
            std::vector<SqlValue> row;
            const int cols = PQnfields(r);
            row.reserve(static_cast<size_t>(cols));
            for (int c = 0; c < cols; ++c) row.push_back(column_value(r, 0, c));
            if (!fn(Row(std::move(row)))) stopped = true;
          }
          break;
        case PGRES_TUPLES_OK:
        case PGRES_EMPTY_QUERY:
          break;
        case PGRES_COMMAND_OK: {
          const char* n = PQcmdTuples(r);
          changes_ = n && *n ? std::atoll(n) : 0;
          // PostgreSQL answers the COMMIT of a failed transaction with a successful "ROLLBACK".
          if (!failed && text == "COMMIT" && std::strcmp(PQcmdStatus(r), "ROLLBACK") == 0)
            failed = Error{ErrorCode::DatabaseError, "the transaction was rolled back: a statement in it failed"};
          break;
        }
        default:
          if (!failed)
            failed = pg_error("SQL", PQresultErrorMessage(r), PQresultErrorField(r, PG_DIAG_SQLSTATE));
      }
      PQclear(r);
    }
    const PGTransactionStatusType state = PQtransactionStatus(conn_);
    if (PQstatus(conn_) == CONNECTION_BAD) {
      // A BEGIN that failed began nothing its caller will go on with (it is told so): only a
      // transaction already under way is one whose loss the caller must acknowledge.
      lost_in_transaction_ = was_in_transaction_ && !text.starts_with("BEGIN");
      if (!failed) failed = Error{ErrorCode::Unavailable, "the connection to PostgreSQL was lost"};
    } else if (failed && several && text.starts_with("BEGIN") && state == PQTRANS_INERROR) {
      // The write lock was not taken (a lock timeout): the transaction it began is ended here,
      // as the caller, told that it did not begin, will not.
      PGresult* r = PQexec(conn_, "ROLLBACK");
      PQclear(r);
    }
    was_in_transaction_ = PQtransactionStatus(conn_) != PQTRANS_IDLE;
    if (failed) return std::unexpected(*failed);
    return {};
  }

  int64_t changes() const override { return changes_; }
  bool in_transaction() const override {
    return PQstatus(conn_) == CONNECTION_BAD ? lost_in_transaction_ : PQtransactionStatus(conn_) != PQTRANS_IDLE;
  }
  bool broken() const override { return PQstatus(conn_) == CONNECTION_BAD; }

 private:
  // A server that stopped or restarted has told its idle sessions so ("terminating connection
  // due to administrator command") and closed them; libpq learns it only on reading. Read it
  // before the next statement, so that an idle pooled connection is opened again instead of
  // failing the request that happens to take it. An idle session has nothing else to read but
  // notices, parameter changes and notifications, which reading keeps for their readers. The
  // farewell and the close are read separately: a few reads at most.
  void notice_loss_while_idle() {
    for (int reads = 0; reads < 4 && PQstatus(conn_) == CONNECTION_OK; ++reads) {
      pollfd p{PQsocket(conn_), POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0 || PQconsumeInput(conn_) == 0) return;
    }
  }

  // The name of `text`'s prepared statement on this connection, preparing it when new.
  Result<const std::string*> prepare(const std::string& text, int n_params) {
    if (auto it = prepared_.find(text); it != prepared_.end()) return &it->second;
    if (prepared_.size() >= 512) {  // texts built from C-FIND identifiers vary: start over
      PGresult* r = PQexec(conn_, "DEALLOCATE ALL");
      PQclear(r);
      prepared_.clear();
    }
    std::string name = "v" + std::to_string(++statement_counter_);
    PGresult* r = PQprepare(conn_, name.c_str(), text.c_str(), n_params, nullptr);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    Error e = ok ? Error{} : pg_error("SQL prepare", PQresultErrorMessage(r), PQresultErrorField(r, PG_DIAG_SQLSTATE));
    PQclear(r);
    if (!ok) {
      if (PQstatus(conn_) == CONNECTION_BAD) lost_in_transaction_ = was_in_transaction_;
      was_in_transaction_ = PQstatus(conn_) != CONNECTION_BAD && PQtransactionStatus(conn_) != PQTRANS_IDLE;
      return std::unexpected(e);
    }
    return &prepared_.emplace(text, std::move(name)).first->second;
  }

  const std::string& numbered(std::string_view sql) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    if (cache_.size() > 512) cache_.clear();  // queries built from C-FIND identifiers vary
    return cache_.emplace(std::move(key), number_placeholders(sql)).first->second;
  }

  PGconn* conn_;
  int64_t changes_ = 0;
  bool was_in_transaction_ = false, lost_in_transaction_ = false;
  std::unordered_map<std::string, std::string> cache_;
  std::unordered_map<std::string, std::string> prepared_;  // numbered text -> statement name
  uint64_t statement_counter_ = 0;
};

}  // namespace

Result<std::unique_ptr<Connection>> PgDatabase::connect() {
  // A malformed URL is refused without quoting it: libpq's message can repeat its password.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url_.c_str(), &parse_error);
  PQfreemem(parse_error);
  if (!parsed) return fail(ErrorCode::InvalidArgument, "database_url is not a PostgreSQL connection URL or string");
  // Session settings go in the connection's options, so that a connection opened again after
  // a loss (PQreset) has them too: UTC; a writer waiting for the write lock gives up after a
  // minute, as SQLite's does after its busy timeout, rather than hang an association forever;
  // statements are prepared once per connection but planned for each call's values (a
  // wildcard's plan depends on its pattern).
  std::string options;
  for (PQconninfoOption* o = parsed; o->keyword; ++o)
    if (std::strcmp(o->keyword, "options") == 0 && o->val) options = std::string(o->val) + " ";
  PQconninfoFree(parsed);
  options += "-c TimeZone=UTC -c lock_timeout=60s -c plan_cache_mode=force_custom_plan";
  // An unreachable server is given up after ten seconds, and a connection to a server that
  // vanished without a word is found within a minute, unless the URL says otherwise (its values
  // come after, and win).
  const char* keywords[] = {"connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                            "dbname", "options", nullptr};
  const char* values[] = {"10", "30", "10", "3", url_.c_str(), options.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, 1);
  if (!conn) return fail(ErrorCode::OutOfResources, "cannot allocate a PostgreSQL connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    // The URL may carry a password: the error names the server libpq tried, not the URL.
    Error e = pg_error("cannot connect to PostgreSQL", PQerrorMessage(conn), nullptr);
    PQfinish(conn);
    return std::unexpected(e);
  }
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // "relation already exists, skipping"
  auto c = std::make_unique<PgConnection>(conn);
  // What acknowledgement relies on: a COMMIT is durable when it returns.
  auto sync = c->query("SHOW synchronous_commit", std::span<const SqlValue>{});
  if (!sync) return std::unexpected(sync.error());
  if (sync->empty() || (*sync)[0].text(0) == "off")
    return fail(ErrorCode::DatabaseError, "PostgreSQL has synchronous_commit = off: an acknowledged instance could be "
                                          "lost in a crash; set it to on (or remote_apply) for Vireo's database");
  return std::unique_ptr<Connection>(std::move(c));
}

const Dialect& PgDatabase::dialect() const {
  // Write transactions take one transaction-scoped lock, as SQLite's BEGIN IMMEDIATE does (read
  // committed whatever the server's default, so that what is read after the lock is current): the
  // audit chain's append, the index's duplicate checks and the counters rely on one writer at
  // a time, across every node sharing the database and the CLI beside them. Each node commits
  // its ingest in groups, so the turns are few.
  static const Dialect d{"postgresql", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                         "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(7411001)", "BIGINT", "string_agg",
                         "SELECT setval(pg_get_serial_sequence('${TABLE}', 'id'), "
                         "(SELECT COALESCE(MAX(id), 0) + 1 FROM ${TABLE}), false)",
                         " FOR UPDATE SKIP LOCKED", "NOTIFY ", "TEXT COLLATE \"C\""};
  return d;
}

}  // namespace vireo
