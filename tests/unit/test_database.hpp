// The database the domains' unit tests run on: SQLite in the test's folder, or, on the
// PostgreSQL pass (VIREO_TEST_DATABASE_URL, or a file naming it in
// VIREO_TEST_DATABASE_URL_FILE; ctest's unit.postgresql), a fresh database of its own, dropped
// with it.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "store/pg_database.hpp"
#include "store/sqlite_database.hpp"
#include "store/write_queue.hpp"

namespace vireo::testing {

inline std::string postgresql_test_url() {
  if (const char* url = std::getenv("VIREO_TEST_DATABASE_URL"); url && *url) return url;
  if (const char* file = std::getenv("VIREO_TEST_DATABASE_URL_FILE"); file && *file) {
    std::ifstream in(file);
    std::string url;
    std::getline(in, url);
    return url;
  }
  return {};
}

// A PostgreSQL database made for one test and dropped after it.
class ScratchPgDatabase final : public Database {
 public:
  ScratchPgDatabase(std::string admin_url, std::string name)
      : admin_(admin_url), name_(name), db_(admin_url.substr(0, admin_url.rfind('/') + 1) + name) {}
  ~ScratchPgDatabase() override {
    if (auto c = admin_.connect()) (void)(*c)->execute("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)", {});
  }
  [[nodiscard]] Result<std::unique_ptr<Connection>> connect() override { return db_.connect(); }
  [[nodiscard]] const Dialect& dialect() const override { return db_.dialect(); }

 private:
  PgDatabase admin_;
  std::string name_;
  PgDatabase db_;
};

inline std::unique_ptr<Database> test_database(const std::filesystem::path& dir) {
  const std::string url = postgresql_test_url();
  if (url.empty()) return std::make_unique<SqliteDatabase>(dir / "index.sqlite");
  static int counter = 0;
  const std::string name = "vireo_unit_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  PgDatabase admin(url);
  auto c = admin.connect();
  if (!c || !(*c)->execute("CREATE DATABASE " + name, {})) std::abort();  // the PostgreSQL pass needs its server
  return std::make_unique<ScratchPgDatabase>(url, name);
}

// The node's write path over a test database, started (it aborts the test binary if it cannot).
inline std::unique_ptr<WriteQueue> started_writes(Database& db, BlobStore* blobs = nullptr) {
  auto writes = std::make_unique<WriteQueue>(db, blobs);
  if (!writes->start()) std::abort();
  return writes;
}

}  // namespace vireo::testing
