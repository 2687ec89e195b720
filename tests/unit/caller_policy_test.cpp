#include <gtest/gtest.h>

#include "net/dimse/caller_policy.hpp"

namespace vireo::net {
namespace {

DimseOptions with(UnknownCallers policy) {
  DimseOptions c;
  c.unknown_callers = policy;
  c.peers = {{"CT1", "10.0.0.7", 104}, {"LOCALWS", "localhost", 104}};
  return c;
}

TEST(CallerPolicy, KnownPeersOnlyFromTheirHost) {
  auto c = with(UnknownCallers::Accept);
  EXPECT_TRUE(check_caller(c, "CT1", "10.0.0.7").allowed);
  auto wrong = check_caller(c, "CT1", "10.0.0.8");
  EXPECT_FALSE(wrong.allowed) << "a known title from another host is refused even when unknown callers are accepted";
  EXPECT_NE(wrong.reason.find("10.0.0.7"), std::string::npos);
  EXPECT_TRUE(check_caller(c, "LOCALWS", "127.0.0.1").allowed) << "host names are resolved";
}

// A known title is tied to its address even where any local caller would be let in: another
// program on the same machine (another loopback address) may not borrow a modality's title.
TEST(CallerPolicy, AKnownTitleFromAnotherLocalAddressIsRefused) {
  DimseOptions c = with(UnknownCallers::Loopback);
  c.peers.push_back({"LOCALCT", "127.0.0.1", 104});
  EXPECT_TRUE(check_caller(c, "LOCALCT", "127.0.0.1").allowed);
  auto borrowed = check_caller(c, "LOCALCT", "127.0.0.2");
  EXPECT_FALSE(borrowed.allowed);
  EXPECT_NE(borrowed.reason.find("127.0.0.2"), std::string::npos) << borrowed.reason;
  EXPECT_TRUE(check_caller(c, "OTHER", "127.0.0.2").allowed) << "an unknown title from loopback is let in";
  c.unknown_callers = UnknownCallers::Accept;
  EXPECT_FALSE(check_caller(c, "LOCALCT", "127.0.0.2").allowed) << "also when unknown callers are accepted";
}

TEST(CallerPolicy, UnknownCallersFollowTheSetting) {
  EXPECT_TRUE(check_caller(with(UnknownCallers::Loopback), "ANY", "127.0.0.1").allowed);
  EXPECT_TRUE(check_caller(with(UnknownCallers::Loopback), "ANY", "::1").allowed);
  EXPECT_TRUE(check_caller(with(UnknownCallers::Loopback), "ANY", "::ffff:127.0.0.2").allowed);
  EXPECT_FALSE(check_caller(with(UnknownCallers::Loopback), "ANY", "192.168.1.20").allowed);
  EXPECT_FALSE(check_caller(with(UnknownCallers::Refuse), "ANY", "127.0.0.1").allowed);
  EXPECT_TRUE(check_caller(with(UnknownCallers::Accept), "ANY", "192.168.1.20").allowed);
  EXPECT_FALSE(is_loopback("128.0.0.1"));
  EXPECT_FALSE(is_loopback("not an address"));
}

}  // namespace
}  // namespace vireo::net
