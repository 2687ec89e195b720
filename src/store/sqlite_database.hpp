// The SQLite implementation of the Database port: WAL journal, synchronous=FULL (a commit
// is on disk when it returns), foreign keys on, a statement cache per connection.
#pragma once

#include <filesystem>

#include "store/database.hpp"

namespace vireo {

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(std::filesystem::path path) : path_(std::move(path)) {}
  [[nodiscard]] Result<std::unique_ptr<Connection>> connect() override;
  [[nodiscard]] const Dialect& dialect() const override;

 private:
  std::filesystem::path path_;
};

}  // namespace vireo
