// Schema migrations versioned in code. Each domain owns an ordered list of migrations for
// its tables; `migrate` applies the ones not yet recorded in `schema_migrations`, each in
// its own transaction, and reports progress through the callback.
// `${PK}` in a migration is replaced by the dialect's auto-increment primary key column.
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

}  // namespace vireo
