// The PostgreSQL implementation of the Database port (libpq): the same portable SQL as SQLite,
// its `?` placeholders numbered for PostgreSQL here, large answers streamed row by row.
// Durability is PostgreSQL's own: a COMMIT returns once its WAL record is flushed
// (synchronous_commit, on by default; checked when a connection opens).
//
// Thread-safety: like every Database, shared; each Connection is one libpq connection used by
// one thread at a time.
#pragma once

#include <string>

#include "store/database.hpp"

namespace vireo {

class PgDatabase final : public Database {
 public:
  // `url`: a libpq connection string or URI, "postgresql://user@host:port/db".
  explicit PgDatabase(std::string url) : url_(std::move(url)) {}
  [[nodiscard]] Result<std::unique_ptr<Connection>> connect() override;
  [[nodiscard]] const Dialect& dialect() const override;

 private:
  std::string url_;
};

// `?` placeholders as PostgreSQL numbers them ($1, $2, …), outside quoted text and names.
[[nodiscard]] std::string number_placeholders(std::string_view sql);

}  // namespace vireo
