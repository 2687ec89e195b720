#include <gtest/gtest.h>

#include <vector>

#include "net/dimse/pending_connections.hpp"

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

}  // namespace
}  // namespace vireo::net
