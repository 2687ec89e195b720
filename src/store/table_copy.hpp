// Copying tables between two databases that went through the same migrations (SQLite to
// PostgreSQL when an installation moves): the migrations give both the same tables with the
// same columns in the same order, so a row is copied as it is read, keys included.
//
// A copy can be run again. A table whose rows may change is emptied and copied whole each time
// (clear_table, children first), so rows changed or deleted in the source since the last run
// are not left behind; an append-only table (the audit trail) keeps what it has and takes the
// rows it lacks, and is skipped when its row count already matches.
// Usage:
//   for (const auto& t : tables_created_by(archive::schema_migrations()))
//     copy_table(*from, *to, to_db.dialect(), t, [](int64_t rows) { ... });
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "store/migrations.hpp"

namespace vireo {

struct CopiedTable {
  std::string name;
  bool generated_key = false;  // an `id ${PK}` column, whose sequence follows the copied keys
  bool append_only = false;    // ${APPEND_ONLY:name}
  std::vector<std::string> references;  // the tables its foreign keys name
};

// The tables the migrations create, each after the tables it references.
[[nodiscard]] std::vector<CopiedTable> tables_created_by(const std::vector<Migration>& migrations);

[[nodiscard]] Result<int64_t> count_rows(Connection& c, const std::string& table);
[[nodiscard]] Status clear_table(Connection& c, const Dialect& dialect, const std::string& table);

// Copies every row of `table` that `to` lacks; `progress` gets the rows read so far. Returns
// the rows in `from`.
[[nodiscard]] Result<int64_t> copy_table(Connection& from, Connection& to, const Dialect& to_dialect,
                                         const CopiedTable& table, const std::function<void(int64_t)>& progress);

}  // namespace vireo
