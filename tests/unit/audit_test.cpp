#include <gtest/gtest.h>

#include "test_dir.hpp"
#include "test_database.hpp"

#include <filesystem>
#include <future>

#include "audit/audit_log.hpp"
#include "store/sqlite_database.hpp"

namespace vireo::audit {
namespace {

namespace fs = std::filesystem;

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("vireo-audit");
    db_ = testing::test_database(dir_);
    writes_ = testing::started_writes(*db_);
    auto l = AuditLog::open(*db_, *writes_);
    ASSERT_TRUE(l) << l.error().message();
    log_ = std::move(*l);
  }
  void TearDown() override {
    log_.reset();
    fs::remove_all(dir_);
  }
  void record_some(int n) {
    for (int i = 0; i < n; ++i) {
      AuditEvent e;
      e.actor = i % 2 ? "alice" : "bob";
      e.actor_role = "radiologist";
      e.action = "read";
      e.patient_id = "P" + std::to_string(i % 3);
      e.resource = "GET /api/studies/1.2." + std::to_string(i);
      log_->record(std::move(e));
    }
    ASSERT_TRUE(log_->flush());
  }
  void sql(const std::string& statement) {
    auto c = db_->connect();
    ASSERT_TRUE((*c)->execute(statement, {})) << statement;
  }
  // What an attacker with the database does first: the append-only triggers go (each engine's own).
  void drop_guard() {
    if (db_->dialect().name == "postgresql") {
      sql("DROP TRIGGER audit_events_no_change ON audit_events");
    } else {
      sql("DROP TRIGGER audit_events_no_update");
      sql("DROP TRIGGER audit_events_no_delete");
    }
  }
  static AuditFilter by(std::string patient, std::string actor, std::string from, int64_t limit) {
    AuditFilter f;
    f.patient_id = std::move(patient);
    f.actor = std::move(actor);
    f.from = std::move(from);
    f.limit = limit;
    return f;
  }
  fs::path dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<WriteQueue> writes_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditTest, EventsChainAndSearch) {
  record_some(30);
  auto v = log_->verify();
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->events, 30);
  auto p1 = log_->search(by("P1", "", "", 100));
  ASSERT_TRUE(p1);
  EXPECT_EQ(p1->size(), 10u);
  for (const auto& e : *p1) EXPECT_EQ(e.patient_id, "P1");
  auto alice = log_->search(by("", "alice", "", 5));
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->size(), 5u);
  EXPECT_GT((*alice)[0].id, (*alice)[1].id) << "newest first";
  EXPECT_EQ((*alice)[1].hash, chain_hash((*alice)[1], (*alice)[1].prev_hash));
  auto future = log_->search(by("", "", "2999-01-01", 5));
  EXPECT_TRUE(future->empty());
}

// The trail shares its transactions with every other domain's writes: when a batch fails for
// another job's sake (here one that ends the transaction under the others), the events it held
// are appended again, not lost.
TEST_F(AuditTest, EventsOfABatchThatFailedForOthersAreWrittenAgain) {
  std::promise<void> started, release;
  std::shared_future<void> hold = release.get_future().share();
  writes_->post(
      [&](Connection&) -> Status {
        started.set_value();
        hold.wait();
        return {};
      },
      {});
  started.get_future().wait();  // the writer is busy: what follows goes into one batch
  AuditEvent e;
  e.actor = "alice";
  e.action = "read";
  log_->record(e);
  std::promise<Status> breaker;
  writes_->post([](Connection& c) { return c.execute("ROLLBACK", {}); },
                [&](const Status& s) { breaker.set_value(s); });
  release.set_value();
  EXPECT_FALSE(breaker.get_future().get()) << "the batch it broke is abandoned, not half committed";
  ASSERT_TRUE(log_->flush());
  auto events = log_->search(by("", "alice", "", 10));
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 1u);
  auto v = log_->verify();
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ok);
}

TEST_F(AuditTest, TheDatabaseRefusesEditsAndVerifyFindsTheFirstEditedEvent) {
  record_some(12);
  auto c = db_->connect();
  EXPECT_FALSE((*c)->execute("UPDATE audit_events SET actor = 'mallory' WHERE id = 5", {}));
  EXPECT_FALSE((*c)->execute("DELETE FROM audit_events WHERE id = 5", {}));
  // Someone with the database file can drop the guard; the chain still tells.
  drop_guard();
  sql("UPDATE audit_events SET patient_id = 'P9' WHERE id = 7");
  auto v = log_->verify();
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_broken_id, 7);
  EXPECT_EQ(v->reason, "its content does not match its hash");
}

TEST_F(AuditTest, ARemovedOrRehashedEventBreaksTheChain) {
  record_some(12);
  drop_guard();
  sql("DELETE FROM audit_events WHERE id = 4");
  auto v = log_->verify();
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_broken_id, 5);
  EXPECT_EQ(v->reason, "event 4 is missing");
}

TEST_F(AuditTest, AnEditedEventWithARecomputedHashBreaksTheNextLink) {
  record_some(12);
  drop_guard();
  auto events = log_->search(by("", "", "", 100));
  AuditEvent e = events->back();  // id 1
  for (const auto& x : *events)
    if (x.id == 3) e = x;
  e.actor = "mallory";
  std::string forged = chain_hash(e, e.prev_hash);
  sql("UPDATE audit_events SET actor = 'mallory', hash = '" + forged + "' WHERE id = 3");
  auto v = log_->verify();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_broken_id, 4);
  EXPECT_EQ(v->reason, "its link to the previous event does not match");
}

// The link alone: an event whose stored prev_hash was changed, its own content and hash left
// as they were. The content hash is computed over the real previous hash, so only the link
// check can see this edit.
TEST_F(AuditTest, AnEditedLinkAloneBreaksTheChainAtThatEvent) {
  record_some(12);
  drop_guard();
  sql("UPDATE audit_events SET prev_hash = '" + std::string(64, '0') + "' WHERE id = 6");
  auto v = log_->verify();
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_broken_id, 6);
  EXPECT_EQ(v->reason, "its link to the previous event does not match");
}

TEST_F(AuditTest, TwoWritersOnOneDatabaseExtendOneChain) {
  auto other_process = testing::started_writes(*db_);
  auto second = AuditLog::open(*db_, *other_process);
  ASSERT_TRUE(second);
  for (int i = 0; i < 50; ++i) {
    AuditEvent a, b;
    a.actor = "server";
    b.actor = "cli";
    log_->record(a);
    (*second)->record(b);
  }
  ASSERT_TRUE(log_->flush());
  ASSERT_TRUE((*second)->flush());
  auto v = log_->verify();
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->events, 100);
}

}  // namespace
}  // namespace vireo::audit
