// Copying tables between two databases that went through the same migrations (SQLite to
// PostgreSQL when an installation moves): the migrations give both the same tables with the
// same columns in the same order, so a row is copied as it is read, keys included.
//
// A copy can be run again: rows already there (by primary key or a unique column) are left
// as they are, so an interrupted copy resumes; a table whose row count already matches is
// skipped without reading it.
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
};

// The tables the migrations create, in the order they create them (referenced tables first).
[[nodiscard]] std::vector<CopiedTable> tables_created_by(const std::vector<Migration>& migrations);

[[nodiscard]] Result<int64_t> count_rows(Connection& c, const std::string& table);

// Copies every row of `table` that `to` lacks; `progress` gets the rows read so far. Returns
// the rows in `from`.
[[nodiscard]] Result<int64_t> copy_table(Connection& from, Connection& to, const Dialect& to_dialect,
                                         const CopiedTable& table, const std::function<void(int64_t)>& progress);

}  // namespace vireo
