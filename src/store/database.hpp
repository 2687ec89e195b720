// The Database port: what domains need from a SQL database, with SQLite as the embedded
// implementation and room for PostgreSQL behind the same interface. Domain code writes
// portable SQL with `?` placeholders; SQL that differs between engines comes from Dialect.
//
// Thread-safety: a Database may be shared; a Connection belongs to one thread at a time.
// Usage:
//   auto conn = db.connect();                       // Result<std::unique_ptr<Connection>>
//   auto rows = (*conn)->query("SELECT id FROM studies WHERE study_uid = ?", {uid});
//   for (const auto& row : *rows) use(row.integer(0));
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace vireo {

using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

class Row {
 public:
  explicit Row(std::vector<SqlValue> values) : values_(std::move(values)) {}
  [[nodiscard]] size_t size() const { return values_.size(); }
  [[nodiscard]] bool is_null(size_t i) const { return std::holds_alternative<std::nullptr_t>(values_[i]); }
  [[nodiscard]] int64_t integer(size_t i) const;
  [[nodiscard]] std::string text(size_t i) const;  // "" for NULL
  [[nodiscard]] const SqlValue& value(size_t i) const { return values_[i]; }

 private:
  std::vector<SqlValue> values_;
};

// "?, ?, ?": the parameters of an IN (...) list of `n` values (n > 0), the same on every engine.
[[nodiscard]] inline std::string placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

// Called once per row; return false to stop early (C-FIND cancel, limits).
using RowCallback = std::function<bool(const Row&)>;

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Status for_each(std::string_view sql, std::span<const SqlValue> params, const RowCallback& fn) = 0;
  // for_each, its rows dropped; and its rows kept.
  Status execute(std::string_view sql, std::span<const SqlValue> params = {});
  Result<std::vector<Row>> query(std::string_view sql, std::span<const SqlValue> params = {});
  // Rows changed by the last execute().
  [[nodiscard]] virtual int64_t changes() const = 0;
  // Inside a transaction the caller has not ended; and whether the connection is unusable.
  [[nodiscard]] virtual bool in_transaction() const = 0;
  [[nodiscard]] virtual bool broken() const { return false; }
  // After LISTEN on this connection (engines whose dialect has `notify`): waits up to `timeout`
  // for a notification from any connection's commit; true when one or more came. An error means
  // the connection is lost (and with it the LISTEN): open another.
  [[nodiscard]] virtual Result<bool> wait_for_notification(std::chrono::milliseconds timeout);

  Status execute(std::string_view sql, std::initializer_list<SqlValue> params) {
    return execute(sql, std::span<const SqlValue>(params.begin(), params.size()));
  }
  Result<std::vector<Row>> query(std::string_view sql, std::initializer_list<SqlValue> params) {
    return query(sql, std::span<const SqlValue>(params.begin(), params.size()));
  }
};

// What differs between SQL engines: domain code asks for these instead of writing either
// engine's own SQL.
struct Dialect {
  std::string name;                 // "sqlite" or "postgresql"
  std::string primary_key_column;   // an auto-increment 64-bit primary key
  std::string begin_write;          // begins a write transaction
  std::string integer_type;         // what a migration's INTEGER becomes: a 64-bit integer
  std::string string_aggregate;     // (expression, separator) joined over a group
  // After rows were inserted with their keys given (a copy from another database): makes the
  // table's next generated key follow them. ${TABLE} is the table; empty when nothing is needed.
  std::string key_sequence_reset;
  // Ends a SELECT inside a write transaction whose rows the caller will claim: other writers
  // skip them rather than wait (a queue's consumers on several nodes). Today begin_write
  // serialises writers on both engines, so this only keeps claims right should that change.
  std::string lock_claimed_rows;
  // Followed by a channel's name: tells every connection that LISTENs on it, when the
  // transaction commits (PostgreSQL's NOTIFY), so that other nodes learn of a change at once.
  // Empty where the engine has none (SQLite: one process, whose write queue tells its own).
  std::string notify;
  // A migration's ${KEY}: text compared byte by byte, so that a prefix search (wildcard_condition
  // with "ABC*") runs on the column's index (SQLite's GLOB on BINARY; PostgreSQL's LIKE on "C").
  std::string search_key_type;

  // A DICOM wildcard match (PS3.4 C.2.2.2.4: `*` any run, `?` one character, the rest
  // literal): the condition on `column` with one placeholder, and the value to bind to it.
  [[nodiscard]] std::string wildcard_condition(const std::string& column) const;
  [[nodiscard]] std::string wildcard_parameter(std::string_view dicom_pattern) const;
};

class Database {
 public:
  virtual ~Database() = default;
  [[nodiscard]] virtual Result<std::unique_ptr<Connection>> connect() = 0;
  [[nodiscard]] virtual const Dialect& dialect() const = 0;
};

// A small pool of connections for readers; a lease returns its connection on destruction.
class ConnectionPool {
 public:
  explicit ConnectionPool(Database& db) : db_(db) {}
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };
  [[nodiscard]] Result<Lease> acquire();

 private:
  Database& db_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace vireo
