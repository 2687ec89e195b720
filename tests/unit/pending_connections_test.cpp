#include <gtest/gtest.h>

#include <vector>

#include "net/dimse/pending_connections.hpp"
#include "net/dimse/repeat_summary.hpp"

namespace vireo::net {
namespace {

using namespace std::chrono_literals;
using Clock = PendingConnections::Clock;

TEST(PendingConnections, EachAddressAndEveryoneHaveALimit) {
  PendingConnections p({2, 3, 5s});
  auto now = Clock::now();
  auto a1 = p.admit("10.0.0.1", 11, now), a2 = p.admit("10.0.0.1", 12, now);
  ASSERT_TRUE(a1 && a2);
  EXPECT_FALSE(p.admit("10.0.0.1", 13, now)) << "a third from the same address";
  auto b1 = p.admit("10.0.0.2", 21, now);
  ASSERT_TRUE(b1) << "another address is not held up";
  EXPECT_FALSE(p.admit("10.0.0.3", 31, now)) << "everyone together is at the limit";
  EXPECT_EQ(p.size(), 3u);
  EXPECT_FALSE(p.release(*a1)) << "released before its deadline";
  EXPECT_EQ(p.from("10.0.0.1"), 1u);
  EXPECT_TRUE(p.admit("10.0.0.1", 14, now)) << "a released place is free again";
  EXPECT_FALSE(p.release(999)) << "an unknown ticket changes nothing";
  EXPECT_EQ(p.size(), 3u);
}

// A configured peer (a router sending many associations at once) is held only to everyone's
// limit, not its address's.
TEST(PendingConnections, AConfiguredPeerCountsOnlyTowardsEveryonesLimit) {
  PendingConnections p({1, 3, 5s});
  auto now = Clock::now();
  EXPECT_TRUE(p.admit("10.0.0.7", 1, now, false));
  EXPECT_TRUE(p.admit("10.0.0.7", 2, now, false));
  EXPECT_FALSE(p.admit("10.0.0.7", 3, now)) << "capped, the same address is over its limit";
  EXPECT_TRUE(p.admit("10.0.0.7", 4, now, false));
  EXPECT_FALSE(p.admit("10.0.0.7", 5, now, false)) << "everyone's limit still holds";
  EXPECT_EQ(p.from("10.0.0.9"), 0u);
  EXPECT_FALSE(p.admit("10.0.0.9", 6, now)) << "everyone's limit";
  EXPECT_EQ(p.from("10.0.0.9"), 0u) << "a refused address leaves no trace";
}

TEST(PendingConnections, ConnectionsPastTheirDeadlineAreCutOnceAndKnowIt) {
  PendingConnections p({16, 256, 5s});
  auto t0 = Clock::now();
  auto early = p.admit("10.0.0.1", 11, t0);
  auto late = p.admit("10.0.0.1", 12, t0 + 3s);
  ASSERT_EQ(p.next_deadline(), t0 + 5s);
  std::vector<int> cut;
  auto record = [&](int fd) { cut.push_back(fd); };
  p.expire(t0 + 4s, record);
  EXPECT_TRUE(cut.empty()) << "nobody is past the deadline yet";
  p.expire(t0 + 5s, record);
  EXPECT_EQ(cut, std::vector<int>{11});
  p.expire(t0 + 6s, record);
  EXPECT_EQ(cut, std::vector<int>{11}) << "a connection is cut once";
  EXPECT_EQ(p.next_deadline(), t0 + 8s) << "the next one not yet cut";
  EXPECT_TRUE(p.release(*early)) << "its thread learns it was cut (and audits it)";
  EXPECT_EQ(p.from("10.0.0.1"), 1u);
  p.cut_all(record);
  EXPECT_EQ(cut, (std::vector<int>{11, 12}));
  EXPECT_FALSE(p.next_deadline());
  EXPECT_TRUE(p.release(*late));
  EXPECT_EQ(p.size(), 0u);
  EXPECT_EQ(p.from("10.0.0.1"), 0u);
}

// A caller that stalls again and again leaves one audit event, then one summary a minute.
TEST(RepeatSummary, TheFirstAtOnceTheRestAsOneSummaryPerWindow) {
  RepeatSummary s(60s);
  auto t0 = Clock::now();
  EXPECT_TRUE(s.first("10.0.0.1", t0));
  EXPECT_TRUE(s.first("10.0.0.2", t0)) << "each source has its own window";
  for (int i = 1; i <= 5; ++i) EXPECT_FALSE(s.first("10.0.0.1", t0 + std::chrono::seconds(i)));
  EXPECT_TRUE(s.ended(t0 + 59s).empty()) << "nothing before the window ends";
  EXPECT_FALSE(s.first("10.0.0.1", t0 + 61s)) << "an ended window not yet reported still counts";
  auto summary = s.ended(t0 + 61s);
  ASSERT_EQ(summary.size(), 1u) << "10.0.0.2 had nothing more to say";
  EXPECT_EQ(summary[0], (std::pair<std::string, int>{"10.0.0.1", 6}));
  EXPECT_TRUE(s.ended(t0 + 62s).empty()) << "reported once";
  EXPECT_TRUE(s.first("10.0.0.1", t0 + 62s)) << "then a new window begins";
  EXPECT_TRUE(s.first("10.0.0.2", t0 + 62s));
}

}  // namespace
}  // namespace vireo::net
