#include "store/write_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "test_database.hpp"
#include "test_dir.hpp"

namespace vireo {
namespace {

namespace fs = std::filesystem;

class WriteQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("vireo-writes");
    db_ = testing::test_database(dir_);
    auto c = db_->connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE((*c)->execute("CREATE TABLE things (name TEXT PRIMARY KEY)", {}));
    writes_ = testing::started_writes(*db_);
  }
  void TearDown() override {
    writes_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  int64_t count() {
    auto c = db_->connect();
    auto rows = (*c)->query("SELECT COUNT(*) FROM things", {});
    return rows ? (*rows)[0].integer(0) : -1;
  }
  static WriteQueue::Job insert(const std::string& name) {
    return
        [name](Connection& c) { return c.execute("INSERT INTO things (name) VALUES (?)", {name}); };
  }
  fs::path dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<WriteQueue> writes_;
};

TEST_F(WriteQueueTest, APostedJobIsAnsweredAfterItsCommit) {
  std::promise<int64_t> seen;
  writes_->post(insert("a"), [&](const Status& s) {
    ASSERT_TRUE(s) << s.error().message();
    seen.set_value(count());  // another connection already sees the row
  });
  EXPECT_EQ(seen.get_future().get(), 1);
}

TEST_F(WriteQueueTest, AFailingJobUndoesOnlyItself) {
  std::vector<std::function<Result<bool>(Connection&)>> jobs;
  for (const char* name : {"a", "a", "b"})
    jobs.push_back([name](Connection& c) -> Result<bool> {
      if (auto s = insert(name)(c); !s) return std::unexpected(s.error());
      return true;
    });
  auto results = writes_->run_all<bool>(std::move(jobs), {});
  EXPECT_TRUE(results[0]);
  EXPECT_FALSE(results[1]) << "the duplicate fails";
  EXPECT_TRUE(results[2]);
  EXPECT_EQ(count(), 2);
}

// A job may queue more work (the audit trail records from inside another domain's job);
// that work lands in a later transaction, and nothing waits on itself.
TEST_F(WriteQueueTest, AJobMayPostAnother) {
  std::promise<Status> second;
  auto first = writes_->run<bool>([&](Connection& c) -> Result<bool> {
    writes_->post(insert("later"), [&](const Status& s) { second.set_value(s); });
    if (auto s = insert("now")(c); !s) return std::unexpected(s.error());
    return true;
  });
  ASSERT_TRUE(first);
  EXPECT_TRUE(second.get_future().get());
  EXPECT_EQ(count(), 2);
}

TEST_F(WriteQueueTest, AfterStopJobsAreRefusedAsUnavailable) {
  writes_->stop();
  std::atomic<bool> answered = false;
  writes_->post(insert("a"), [&](const Status& s) {
    EXPECT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::Unavailable);
    answered = true;
  });
  EXPECT_TRUE(answered) << "answered at once, on the caller's thread";
  auto r = writes_->run<bool>([](Connection&) -> Result<bool> { return true; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(count(), 0);
}

}  // namespace
}  // namespace vireo
