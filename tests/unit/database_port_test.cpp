// The Database port's contract, run on every engine behind it: SQLite always, PostgreSQL when
// a server is given (VIREO_TEST_DATABASE_URL, or a file naming it in
// VIREO_TEST_DATABASE_URL_FILE; ctest's store.postgresql starts one with tests/pg/server.sh).
// Domain code writes one SQL text for both; these are the promises it relies on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "store/migrations.hpp"
#include "store/pg_database.hpp"
#include "store/sqlite_database.hpp"
#include "test_database.hpp"

namespace vireo {
namespace {

namespace fs = std::filesystem;

// A fresh, empty database of the engine for each test.
class DatabasePort : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static int counter = 0;
    const std::string name = "vireo_port_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    if (GetParam() == "sqlite") {
      dir_ = fs::temp_directory_path() / name;
      fs::create_directories(dir_);
      db_ = std::make_unique<SqliteDatabase>(dir_ / "t.sqlite");
    } else {
      const std::string url = testing::postgresql_test_url();
      if (url.empty()) {
        // Where a server was promised (ctest's store.postgresql), its absence fails the test.
        ASSERT_EQ(std::getenv("VIREO_TEST_REQUIRE_POSTGRESQL"), nullptr) << "the PostgreSQL test server is not there";
        GTEST_SKIP() << "no PostgreSQL server given (ctest's store.postgresql starts one)";
      }
      admin_ = std::make_unique<PgDatabase>(url);
      auto c = admin_->connect();
      ASSERT_TRUE(c) << c.error().message();
      ASSERT_TRUE((*c)->execute("CREATE DATABASE " + name, {}));
      db_name_ = name;
      db_ = std::make_unique<PgDatabase>(url.substr(0, url.rfind('/') + 1) + name);
    }
    auto c = db_->connect();
    ASSERT_TRUE(c) << c.error().message();
    conn_ = std::move(*c);
  }
  void TearDown() override {
    conn_.reset();
    db_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
    if (admin_ && !db_name_.empty())
      if (auto c = admin_->connect()) (void)(*c)->execute("DROP DATABASE IF EXISTS " + db_name_ + " WITH (FORCE)", {});
  }
  Status make_table() {
    std::vector<Migration> m = {{1, "t", {"CREATE TABLE t (id ${PK}, k TEXT NOT NULL UNIQUE, n BIGINT, x DOUBLE PRECISION)"}}};
    return migrate(*conn_, db_->dialect(), "test", m);
  }

  fs::path dir_;
  std::string db_name_;
  std::unique_ptr<Database> admin_, db_;
  std::unique_ptr<Connection> conn_;
};

TEST_P(DatabasePort, MigrationsApplyOnceAndKeysCountFromOne) {
  std::vector<Migration> m = {{1, "t", {"CREATE TABLE t (id ${PK}, v TEXT)"}}, {2, "u", {"CREATE INDEX t_v ON t (v)"}}};
  int calls = 0;
  ASSERT_TRUE(migrate(*conn_, db_->dialect(), "test", m, [&](auto&&...) { ++calls; }));
  ASSERT_TRUE(migrate(*conn_, db_->dialect(), "test", m, [&](auto&&...) { ++calls; }));
  EXPECT_EQ(calls, 2) << "each migration once";
  for (int64_t want : {1, 2}) {
    auto rows = conn_->query("INSERT INTO t (v) VALUES (?) RETURNING id", {std::string("x")});
    ASSERT_TRUE(rows) << rows.error().message();
    EXPECT_EQ((*rows)[0].integer(0), want);
  }
}

TEST_P(DatabasePort, ValuesComeBackAsTheyWent) {
  ASSERT_TRUE(make_table());
  const std::string odd = "O'Brien ? \"quoted\" Müller 中文";
  ASSERT_TRUE(conn_->execute("INSERT INTO t (k, n, x) VALUES (?, ?, ?)", {odd, int64_t{1} << 40, 0.1}));
  ASSERT_TRUE(conn_->execute("INSERT INTO t (k, n, x) VALUES (?, ?, ?)", {std::string("empty"), nullptr, nullptr}));
  auto rows = conn_->query("SELECT k, n, x FROM t ORDER BY id", {});
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].text(0), odd);
  EXPECT_EQ((*rows)[0].integer(1), int64_t{1} << 40);
  EXPECT_DOUBLE_EQ(std::get<double>((*rows)[0].value(2)), 0.1);
  EXPECT_TRUE((*rows)[1].is_null(1));
  EXPECT_TRUE((*rows)[1].is_null(2));
  EXPECT_EQ((*rows)[1].text(1), "");
  // COUNT and arithmetic are integers on both engines; a `?` inside quotes is text, not a parameter.
  auto count = conn_->query("SELECT COUNT(*), '?', ? FROM t WHERE k <> '?'", {std::string("p")});
  ASSERT_TRUE(count) << count.error().message();
  EXPECT_EQ((*count)[0].integer(0), 2);
  EXPECT_EQ((*count)[0].text(1), "?");
  EXPECT_EQ((*count)[0].text(2), "p");
}

TEST_P(DatabasePort, ChangesUpsertsAndTransactions) {
  ASSERT_TRUE(make_table());
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(conn_->execute("INSERT INTO t (k, n) VALUES (?, 1)", {std::string(k)}));
  ASSERT_TRUE(conn_->execute("UPDATE t SET n = n + 1 WHERE k <> ?", {std::string("a")}));
  EXPECT_EQ(conn_->changes(), 2);
  ASSERT_TRUE(conn_->execute("INSERT INTO t (k, n) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET n = excluded.n",
                             {std::string("a"), int64_t{9}}));
  EXPECT_EQ((*conn_->query("SELECT n FROM t WHERE k = 'a'", {}))[0].integer(0), 9);
  ASSERT_TRUE(conn_->execute(db_->dialect().begin_write, {}));
  ASSERT_TRUE(conn_->execute("DELETE FROM t", {}));
  ASSERT_TRUE(conn_->execute("ROLLBACK", {}));
  EXPECT_EQ((*conn_->query("SELECT COUNT(*) FROM t", {}))[0].integer(0), 3) << "a rolled-back write leaves nothing";
}

TEST_P(DatabasePort, AStoppedScanLeavesTheConnectionReady) {
  ASSERT_TRUE(make_table());
  ASSERT_TRUE(conn_->execute("INSERT INTO t (k, n) SELECT 'k' || CAST(v AS TEXT), v FROM (SELECT 1 AS v UNION ALL SELECT 2 "
                             "UNION ALL SELECT 3 UNION ALL SELECT 4) AS s",
                             {}));
  int seen = 0;
  ASSERT_TRUE(conn_->for_each("SELECT n FROM t ORDER BY n", {}, [&](const Row&) { return ++seen < 2; }));
  EXPECT_EQ(seen, 2) << "the callback stops the scan";
  auto after = conn_->query("SELECT COUNT(*) FROM t", {});
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ((*after)[0].integer(0), 4);
}

TEST_P(DatabasePort, ErrorsAreResultsAndTheConnectionGoesOn) {
  ASSERT_TRUE(make_table());
  auto missing = conn_->query("SELECT * FROM missing_table", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::DatabaseError);
  ASSERT_TRUE(conn_->execute("INSERT INTO t (k) VALUES ('same')", {}));
  auto twice = conn_->execute("INSERT INTO t (k) VALUES ('same')", {});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::DatabaseError);
  EXPECT_TRUE(conn_->query("SELECT 1", {})) << "the connection is usable after an error";
}

// One writer at a time, as every domain's write job assumes (the audit chain reads its head
// inside its write): a second write transaction waits for the first to end.
TEST_P(DatabasePort, WriteTransactionsTakeTurns) {
  ASSERT_TRUE(make_table());
  auto other = db_->connect();
  ASSERT_TRUE(other);
  ASSERT_TRUE(conn_->execute(db_->dialect().begin_write, {}));
  ASSERT_TRUE(conn_->execute("INSERT INTO t (k) VALUES ('first')", {}));
  std::atomic<bool> began{false};
  std::thread second([&] {
    ASSERT_TRUE((*other)->execute(db_->dialect().begin_write, {}));
    began = true;
    auto n = (*other)->query("SELECT COUNT(*) FROM t", {});
    ASSERT_TRUE(n);
    EXPECT_EQ((*n)[0].integer(0), 1) << "the second writer sees the first one's commit";
    ASSERT_TRUE((*other)->execute("COMMIT", {}));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(began) << "the second write transaction began while the first was open";
  ASSERT_TRUE(conn_->execute("COMMIT", {}));
  second.join();
  EXPECT_TRUE(began);
}

// Two nodes starting at once: each migration is applied once, and both start.
TEST_P(DatabasePort, NodesMigratingAtOnceApplyEachMigrationOnce) {
  std::vector<Migration> m = {{1, "t", {"CREATE TABLE t (id ${PK}, v TEXT)"}}, {2, "u", {"CREATE INDEX t_v ON t (v)"}},
                              {3, "w", {"ALTER TABLE t ADD COLUMN w INTEGER"}}};
  auto other = db_->connect();
  ASSERT_TRUE(other);
  Status first, second;
  std::thread a([&] { first = migrate(*conn_, db_->dialect(), "race", m); });
  std::thread b([&] { second = migrate(**other, db_->dialect(), "race", m); });
  a.join();
  b.join();
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_TRUE(second) << second.error().message();
  auto applied = conn_->query("SELECT COUNT(*) FROM schema_migrations WHERE domain = 'race'", {});
  ASSERT_TRUE(applied);
  EXPECT_EQ((*applied)[0].integer(0), 3);
}

// A pooled connection comes back idle: a transaction its borrower left open is rolled back.
TEST_P(DatabasePort, APooledConnectionComesBackIdle) {
  ASSERT_TRUE(make_table());
  ConnectionPool pool(*db_);
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease);
    ASSERT_TRUE((*lease)->execute(db_->dialect().begin_write, {}));
    ASSERT_TRUE((*lease)->execute("INSERT INTO t (k) VALUES ('left open')", {}));
  }
  auto again = pool.acquire();
  ASSERT_TRUE(again);
  EXPECT_FALSE((*again)->in_transaction());
  EXPECT_EQ((*conn_->query("SELECT COUNT(*) FROM t", {}))[0].integer(0), 0) << "what was left open is not committed";
  ASSERT_TRUE(conn_->execute(db_->dialect().begin_write, {})) << "and the write lock is free";
  ASSERT_TRUE(conn_->execute("COMMIT", {}));
}

// The audit trail's table refuses every change but an insert, on both engines.
TEST_P(DatabasePort, AnAppendOnlyTableTakesInsertsOnly) {
  std::vector<Migration> m = {{1, "log", {"CREATE TABLE log (id ${PK}, v TEXT)", "${APPEND_ONLY:log}"}}};
  ASSERT_TRUE(migrate(*conn_, db_->dialect(), "test", m));
  ASSERT_TRUE(conn_->execute("INSERT INTO log (v) VALUES ('a')", {}));
  EXPECT_FALSE(conn_->execute("UPDATE log SET v = 'b'", {}));
  EXPECT_FALSE(conn_->execute("DELETE FROM log", {}));
  if (db_->dialect().name == "postgresql") {
    EXPECT_FALSE(conn_->execute("TRUNCATE log", {}));
  }
  EXPECT_EQ((*conn_->query("SELECT v FROM log", {}))[0].text(0), "a");
}

// PostgreSQL only: what its server does to a connection.
class PostgresqlPort : public DatabasePort {};

// A transaction in which a statement failed cannot commit: its COMMIT says so (PostgreSQL
// answers it with a "ROLLBACK" that reads as success).
TEST_P(PostgresqlPort, TheCommitOfAFailedTransactionIsAnError) {
  ASSERT_TRUE(make_table());
  ASSERT_TRUE(conn_->execute(db_->dialect().begin_write, {}));
  ASSERT_TRUE(conn_->execute("INSERT INTO t (k) VALUES ('kept?')", {}));
  ASSERT_FALSE(conn_->execute("INSERT INTO missing_table VALUES (1)", {}));
  auto commit = conn_->execute("COMMIT", {});
  ASSERT_FALSE(commit);
  EXPECT_EQ((*conn_->query("SELECT COUNT(*) FROM t", {}))[0].integer(0), 0);
}

// A connection the server dropped: idle, the next statement notices and reconnects (a pooled
// connection idle through a server restart must not fail the request that takes it); inside a
// transaction, its COMMIT fails (it may or may not have happened) until it is rolled back.
TEST_P(PostgresqlPort, ALostConnectionIsOpenedAgainOnlyOutsideATransaction) {
  ASSERT_TRUE(make_table());
  auto admin = db_->connect();
  ASSERT_TRUE(admin);
  auto kill = [&] {
    auto pid = conn_->query("SELECT pg_backend_pid()", {});
    ASSERT_TRUE(pid);
    ASSERT_TRUE((*admin)->query("SELECT pg_terminate_backend(?)", {(*pid)[0].integer(0)}));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  };
  ASSERT_TRUE(conn_->query("SELECT ? + 1", {int64_t{1}}));  // prepared on this session
  auto before = conn_->query("SELECT pg_backend_pid()", {});
  ASSERT_TRUE(before);
  kill();
  auto again = conn_->query("SELECT pg_backend_pid()", {});
  ASSERT_TRUE(again) << "idle: opened again before the statement, which succeeds: " << again.error().message();
  EXPECT_NE((*again)[0].integer(0), (*before)[0].integer(0)) << "on a new session";
  auto zone = conn_->query("SHOW TimeZone", {});
  ASSERT_TRUE(zone);
  EXPECT_EQ((*zone)[0].text(0), "UTC") << "the session's settings come back with it";
  auto wait = conn_->query("SHOW lock_timeout", {});
  ASSERT_TRUE(wait);
  EXPECT_EQ((*wait)[0].text(0), "1min");
  EXPECT_TRUE(conn_->query("SELECT ? + 1", {int64_t{41}})) << "statements prepared before the loss are prepared again";
  kill();
  EXPECT_TRUE(conn_->execute(db_->dialect().begin_write, {})) << "a BEGIN on a connection dropped while idle begins";
  EXPECT_TRUE(conn_->execute("ROLLBACK", {}));

  ASSERT_TRUE(conn_->execute(db_->dialect().begin_write, {}));
  kill();
  EXPECT_FALSE(conn_->execute("INSERT INTO t (k) VALUES ('lost')", {}));
  EXPECT_FALSE(conn_->execute("INSERT INTO t (k) VALUES ('after')", {})) << "not on a new connection, outside the transaction";
  EXPECT_FALSE(conn_->execute("COMMIT", {}));
  EXPECT_TRUE(conn_->execute("ROLLBACK", {}));
  auto after = conn_->query("SELECT COUNT(*) FROM t", {});
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ((*after)[0].integer(0), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, PostgresqlPort, ::testing::Values("postgresql"),
                         [](const auto& engine) { return engine.param; });

INSTANTIATE_TEST_SUITE_P(Engines, DatabasePort, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& engine) { return engine.param; });

TEST(PgDatabase, PlaceholdersAreNumberedOutsideQuotes) {
  EXPECT_EQ(number_placeholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
  EXPECT_EQ(number_placeholders("SELECT '?', \"a?b\", 'it''s ?' FROM t WHERE x = ?"),
            "SELECT '?', \"a?b\", 'it''s ?' FROM t WHERE x = $1");
}

TEST(PgDatabase, AMalformedUrlIsRefusedWithoutRepeatingIt) {
  PgDatabase db("postgresql://vireo:s3cret-Pa55@[::1:bad/db");
  auto c = db.connect();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(c.error().message().find("s3cret"), std::string::npos) << c.error().message();
}

TEST(PgDatabase, AnUnreachableServerIsUnavailableWithItsReason) {
  PgDatabase db("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2");
  auto c = db.connect();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::Unavailable);
  EXPECT_NE(c.error().detail.find("cannot connect to PostgreSQL"), std::string::npos) << c.error().detail;
}

}  // namespace
}  // namespace vireo
