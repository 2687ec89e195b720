#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "events/dispatcher.hpp"
#include "events/outbox.hpp"
#include "manual_clock.hpp"
#include "test_database.hpp"
#include "test_dir.hpp"

namespace vireo::events {
namespace {

namespace fs = std::filesystem;

TEST(Event, IdsSurviveTheirEncoding) {
  Event e{"study.received", {{"study", "1.2.3"}, {"patient", "P&1=2 %é"}}};
  Event back = Event::decode(e.topic, e.encoded_ids());
  EXPECT_EQ(back.topic, "study.received");
  EXPECT_EQ(back.ids, e.ids);
  EXPECT_EQ(back.id("patient"), "P&1=2 %é");
  EXPECT_EQ(back.id("series"), "");
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("vireo-events");
    db_ = testing::test_database(dir_);
    auto o = Outbox::open(*db_, clock_);
    ASSERT_TRUE(o) << o.error().message();
    outbox_ = std::move(*o);
    outbox_->route("study.received", "ris");
    outbox_->route("study.received", "fhir");
    outbox_->route("report.signed", "ris");
    writes_ = testing::started_writes(*db_);
  }
  void TearDown() override {
    writes_.reset();
    outbox_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  // Enqueues in a write job that then succeeds or fails.
  Status publish(const Event& e, bool commit = true) {
    auto r = writes_->run<bool>([&](Connection& c) -> Result<bool> {
      if (auto s = outbox_->enqueue(c, e); !s) return std::unexpected(s.error());
      if (!commit) return fail(ErrorCode::InvalidArgument, "the change failed");
      return true;
    });
    if (!r) return std::unexpected(r.error());
    return {};
  }
  int64_t rows() {
    auto c = db_->connect();
    auto r = (*c)->query("SELECT COUNT(*) FROM outbox", {});
    return r ? (*r)[0].integer(0) : -1;
  }
  DispatchPolicy quick() {
    DispatchPolicy p;
    p.first_retry_seconds = 10;
    p.max_attempts = 3;
    p.lease_seconds = 60;
    return p;
  }

  fs::path dir_;
  testing::ManualClock clock_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<WriteQueue> writes_;
};

TEST_F(OutboxTest, AnEventIsKeptOncePerRoutedConsumerAndOnlyIfItsChangeCommits) {
  ASSERT_TRUE(publish({"study.received", {{"study", "1.2"}}}));
  EXPECT_EQ(rows(), 2) << "ris and fhir";
  ASSERT_TRUE(publish({"instance.stored", {{"instance", "1.2.3"}}}));
  EXPECT_EQ(rows(), 2) << "a topic nobody takes costs no row";
  EXPECT_FALSE(publish({"study.received", {{"study", "9.9"}}}, false));
  EXPECT_EQ(rows(), 2) << "rolled back with the change it described";
}

TEST_F(OutboxTest, DeliveredEventsAreGoneAndEachConsumerGetsItsOwn) {
  ASSERT_TRUE(publish({"study.received", {{"study", "1.2"}, {"patient", "P1"}}}));
  ASSERT_TRUE(publish({"report.signed", {{"report", "7"}}}));
  std::vector<std::string> seen;
  Dispatcher d(*db_, *writes_, *outbox_, "node-a", quick());
  d.handle("ris", [&](const Event& e) -> Status {
    seen.push_back(e.topic + " " + e.encoded_ids());
    return {};
  });
  auto n = d.deliver_due();
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(seen, (std::vector<std::string>{"study.received study=1.2&patient=P1",
                                            "report.signed report=7"}))
      << "in the order they were enqueued";
  EXPECT_EQ(rows(), 1) << "fhir's copy waits for a node that handles fhir";
  EXPECT_EQ(*d.deliver_due(), 0u);
}

TEST_F(OutboxTest, AFailedDeliveryIsRetriedLaterThenKeptAsADeadLetter) {
  ASSERT_TRUE(publish({"report.signed", {{"report", "7"}}}));
  int calls = 0;
  bool peer_up = false;
  Dispatcher d(*db_, *writes_, *outbox_, "node-a", quick());
  d.handle("ris", [&](const Event&) -> Status {
    ++calls;
    if (!peer_up) return fail(ErrorCode::Unavailable, "the HL7 peer did not answer");
    return {};
  });
  ASSERT_EQ(*d.deliver_due(), 1u);
  EXPECT_EQ(*d.deliver_due(), 0u) << "not due again before its backoff";
  clock_.now += 7;  // the first retry waits 10 s, less 20 % jitter at most
  EXPECT_EQ(*d.deliver_due(), 0u);
  clock_.now += 6;
  EXPECT_EQ(*d.deliver_due(), 1u) << "due after about 10 s";
  clock_.now += 25;  // then about 20 s
  EXPECT_EQ(*d.deliver_due(), 1u);
  EXPECT_EQ(calls, 3);
  auto counts = outbox_->counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->dead, 1) << "three attempts, then a dead letter";
  EXPECT_EQ(counts->pending, 0);
  clock_.now += 100000;
  EXPECT_EQ(*d.deliver_due(), 0u) << "a dead letter is not tried again by itself";

  auto dead = outbox_->dead_letters(10, 0);
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].event.id("report"), "7");
  EXPECT_EQ((*dead)[0].attempts, 3);
  EXPECT_NE((*dead)[0].last_error.find("the HL7 peer did not answer"), std::string::npos)
      << (*dead)[0].last_error;

  peer_up = true;
  auto retried = writes_->run<bool>([&](Connection& c) -> Result<bool> {
    if (auto s = outbox_->retry(c, (*dead)[0].id); !s) return std::unexpected(s.error());
    return true;
  });
  ASSERT_TRUE(retried);
  EXPECT_EQ(*d.deliver_due(), 1u);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(rows(), 0);
}

// A delivery that never finishes (its handler kills the node, or always outlives the lease)
// is claimed again and again; after the last attempt it becomes a dead letter unclaimed.
TEST_F(OutboxTest, ADeliveryThatNeverSettlesEndsAsADeadLetter) {
  ASSERT_TRUE(publish({"report.signed", {{"report", "7"}}}));
  {
    auto c = db_->connect();
    ASSERT_TRUE((*c)->execute("UPDATE outbox SET attempts = 3, claimed_by = 'gone/1', claimed_until = ?",
                              {clock_.now - 1}));
  }
  int calls = 0;
  Dispatcher d(*db_, *writes_, *outbox_, "node-a", quick());
  d.handle("ris", [&](const Event&) -> Status {
    ++calls;
    return {};
  });
  EXPECT_EQ(*d.deliver_due(), 0u);
  EXPECT_EQ(calls, 0);
  auto counts = outbox_->counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->dead, 1);
  EXPECT_EQ(counts->pending, 0);
}

// A node that dies holding a claim: the row waits out the lease, then another node takes it,
// and the first node's late answer settles nothing.
TEST_F(OutboxTest, AClaimWhoseLeaseRanOutGoesToAnotherNode) {
  ASSERT_TRUE(publish({"report.signed", {{"report", "7"}}}));
  auto node_b_writes = testing::started_writes(*db_);
  Dispatcher a(*db_, *writes_, *outbox_, "node-a", quick());
  Dispatcher b(*db_, *node_b_writes, *outbox_, "node-b", quick());
  int a_calls = 0, b_calls = 0;
  a.handle("ris", [&](const Event&) -> Status {
    ++a_calls;
    clock_.now += 61;  // a handler that outlives its lease...
    EXPECT_EQ(*b.deliver_due(), 1u) << "...is overtaken by another node";
    return fail(ErrorCode::Unavailable, "late and failed");
  });
  b.handle("ris", [&](const Event&) -> Status {
    ++b_calls;
    return {};
  });
  ASSERT_EQ(*a.deliver_due(), 1u);
  EXPECT_EQ(a_calls, 1);
  EXPECT_EQ(b_calls, 1);
  EXPECT_EQ(rows(), 0) << "b's success stands; a's late failure did not bring the row back";
}

// A long delivery that renews its lease as it goes keeps it: another node does not take the
// work over. One whose lease another node took is told so when it renews, and stops.
TEST_F(OutboxTest, ALongDeliveryThatRenewsItsLeaseIsNotTakenOver) {
  ASSERT_TRUE(publish({"report.signed", {{"report", "7"}}}));
  auto node_b_writes = testing::started_writes(*db_);
  Dispatcher a(*db_, *writes_, *outbox_, "node-a", quick());
  Dispatcher b(*db_, *node_b_writes, *outbox_, "node-b", quick());
  int b_calls = 0;
  Status late_renewal;
  a.handle("ris", [&](const Event&) -> Status {
    clock_.now += 40;
    EXPECT_TRUE(a.renew_lease());
    clock_.now += 40;  // 80 s in all: past the first lease, within the renewed one
    EXPECT_EQ(*b.deliver_due(), 0u) << "taken over while the lease was renewed";
    return {};
  });
  b.handle("ris", [&](const Event&) -> Status {
    ++b_calls;
    return {};
  });
  EXPECT_FALSE(a.renew_lease()) << "outside a delivery there is nothing to renew";
  ASSERT_EQ(*a.deliver_due(), 1u);
  EXPECT_EQ(b_calls, 0);
  EXPECT_EQ(rows(), 0);

  ASSERT_TRUE(publish({"report.signed", {{"report", "8"}}}));
  Dispatcher c(*db_, *writes_, *outbox_, "node-c", quick());
  c.handle("ris", [&](const Event&) -> Status {
    clock_.now += 61;  // no renewal in time...
    EXPECT_EQ(*b.deliver_due(), 1u) << "...and another node has it";
    late_renewal = c.renew_lease();
    return {};
  });
  ASSERT_EQ(*c.deliver_due(), 1u);
  ASSERT_FALSE(late_renewal);
  EXPECT_EQ(late_renewal.error().code, ErrorCode::StateConflict);
  EXPECT_EQ(b_calls, 1);
}

// Renewing holds the event being delivered, not its batch: when another node took that one
// over (and not the rest of the batch), the renewal says so.
TEST_F(OutboxTest, ARenewalFailsWhenTheEventBeingDeliveredWasTakenOver) {
  ASSERT_TRUE(publish({"report.signed", {{"report", "1"}}}));
  ASSERT_TRUE(publish({"report.signed", {{"report", "2"}}}));
  auto node_b_writes = testing::started_writes(*db_);
  DispatchPolicy one_at_a_time = quick();
  one_at_a_time.batch = 1;
  Dispatcher a(*db_, *writes_, *outbox_, "node-a", quick());
  Dispatcher b(*db_, *node_b_writes, *outbox_, "node-b", one_at_a_time);
  std::vector<std::string> b_got;
  Status renewal;
  a.handle("ris", [&](const Event& e) -> Status {
    if (e.id("report") != "1") return {};
    clock_.now += 61;
    EXPECT_EQ(*b.deliver_due(), 1u) << "node b takes the first event, the one being delivered";
    renewal = a.renew_lease();
    return {};
  });
  b.handle("ris", [&](const Event& e) -> Status {
    b_got.push_back(e.id("report"));
    return {};
  });
  ASSERT_EQ(*a.deliver_due(), 2u);
  EXPECT_EQ(b_got, (std::vector<std::string>{"1"}));
  ASSERT_FALSE(renewal) << "renewed a delivery another node had taken over";
  EXPECT_EQ(renewal.error().code, ErrorCode::StateConflict);
}

// Between the steps of a long delivery: the lease renewed at once, then not again until a third
// of it has passed; a node that is stopping says so, and the delivery is left for later.
TEST_F(OutboxTest, ALongDeliveryKeepsGoingUntilTheNodeStops) {
  ASSERT_TRUE(publish({"report.signed", {{"report", "1"}}}));
  auto node_b_writes = testing::started_writes(*db_);
  Dispatcher a(*db_, *writes_, *outbox_, "node-a", quick());
  Dispatcher b(*db_, *node_b_writes, *outbox_, "node-b", quick());
  Status stopped;
  a.handle("ris", [&](const Event&) -> Status {
    clock_.now += 40;
    EXPECT_TRUE(a.keep_going());
    clock_.now += 40;  // 80 s: past the claim's lease, within the one renewed at the first step
    EXPECT_EQ(*b.deliver_due(), 0u) << "not renewed at the first step";
    EXPECT_TRUE(a.keep_going()) << "no renewal due yet, and none needed";
    a.stop();  // (no thread: only says the node is stopping)
    stopped = a.keep_going();
    return stopped;
  });
  b.handle("ris", [&](const Event&) -> Status { return {}; });
  ASSERT_EQ(*a.deliver_due(), 1u);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(rows(), 1) << "left for a later delivery";
}

// Two nodes drain one outbox at once: every event is delivered, none twice.
TEST_F(OutboxTest, TwoNodesDeliverEachEventOnce) {
  constexpr int kEvents = 300;
  for (int i = 0; i < kEvents; ++i)
    ASSERT_TRUE(publish({"report.signed", {{"report", std::to_string(i)}}}));
  auto node_b_writes = testing::started_writes(*db_);
  std::mutex m;
  std::map<std::string, int> deliveries;
  auto handler = [&](const Event& e) -> Status {
    std::lock_guard lock(m);
    ++deliveries[e.id("report")];
    return {};
  };
  DispatchPolicy p = quick();
  p.batch = 7;
  Dispatcher a(*db_, *writes_, *outbox_, "node-a", p);
  Dispatcher b(*db_, *node_b_writes, *outbox_, "node-b", p);
  a.handle("ris", handler);
  b.handle("ris", handler);
  auto drain = [](Dispatcher& d) {
    while (true) {
      auto n = d.deliver_due();
      ASSERT_TRUE(n) << n.error().message();
      if (*n == 0) return;
    }
  };
  std::thread ta([&] { drain(a); });
  std::thread tb([&] { drain(b); });
  ta.join();
  tb.join();
  EXPECT_EQ(deliveries.size(), static_cast<size_t>(kEvents));
  for (const auto& [id, n] : deliveries) EXPECT_EQ(n, 1) << "report " << id;
  EXPECT_EQ(rows(), 0);
}

// Node B's dispatcher hears of what node A enqueued when A's write commits (PostgreSQL's
// NOTIFY), not a poll interval later. On SQLite there is one process: no other node to tell.
TEST_F(OutboxTest, AnotherNodeHearsOfAnEventWhenItsWriteCommits) {
  if (db_->dialect().notify.empty()) GTEST_SKIP() << "SQLite: one process, no other node";
  auto node_b_writes = testing::started_writes(*db_);
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> delivered;
  DispatchPolicy p = quick();
  p.poll = std::chrono::minutes(10);  // only a notification wakes it in time
  Dispatcher b(*db_, *node_b_writes, *outbox_, "node-b", p);
  b.handle("ris", [&](const Event& e) -> Status {
    {
      std::lock_guard lock(m);
      delivered.push_back(e.id("report"));
    }
    cv.notify_all();
    return {};
  });
  b.start();
  for (int round = 1; round <= 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // B is waiting again
    ASSERT_TRUE(publish({"report.signed", {{"report", std::to_string(round)}}}));  // through A's writes
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return delivered.size() == size_t(round); }))
        << "round " << round << ": B did not hear of A's event";
  }
  EXPECT_EQ(delivered, (std::vector<std::string>{"1", "2", "3"}));
}

}  // namespace
}  // namespace vireo::events
