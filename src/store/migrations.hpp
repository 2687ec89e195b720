// Schema migrations versioned in code. Each domain owns an ordered list of migrations for
// its tables; `migrate` applies the ones not yet recorded in `schema_migrations`, each in
// its own transaction, and reports progress through the callback.
// A migration's SQL is portable; what differs between engines is spelled as a token:
//   ${PK}                  the dialect's auto-increment 64-bit primary key column
//   INTEGER                a 64-bit integer (BIGINT on PostgreSQL)
//   ${APPEND_ONLY:table}   (a statement of its own) triggers refusing UPDATE and DELETE
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace vireo {

struct Migration {
  int version;
  std::string description;
  std::vector<std::string> statements;
};

using MigrationProgress = std::function<void(const std::string& domain, const Migration&, size_t index, size_t total)>;

[[nodiscard]] Status migrate(Connection& conn, const Dialect& dialect, const std::string& domain,
                             const std::vector<Migration>& migrations, const MigrationProgress& progress = {});
// The same on a connection of its own: what each domain's open() does first.
[[nodiscard]] Status migrate(Database& db, const std::string& domain, const std::vector<Migration>& migrations,
                             const MigrationProgress& progress = {});

}  // namespace vireo
