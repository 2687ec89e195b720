// The transfer syntax accepted for a storage context: the site's order, then the sender's.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/dimse/syntax_choice.hpp"

namespace {
using vireo::net::choose_storage_syntax;
using S = std::vector<std::string>;

const char* const kStored[] = {"1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.4.70",
                               "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90"};
const std::string kJpegLossless = "1.2.840.10008.1.2.4.70", kExplicit = "1.2.840.10008.1.2.1",
                  kImplicit = "1.2.840.10008.1.2", kJ2kLossless = "1.2.840.10008.1.2.4.90";

std::string choose(const S& proposed, const S& preferred = {}) {
  const char* ts = choose_storage_syntax(proposed, kStored, preferred);
  return ts ? ts : "";
}

TEST(StorageSyntax, TheSendersFirstStoredSyntaxWins) {
  EXPECT_EQ(choose({kJpegLossless, kExplicit, kImplicit}), kJpegLossless);
  EXPECT_EQ(choose({kJ2kLossless, kJpegLossless, kExplicit}), kJ2kLossless);
  EXPECT_EQ(choose({kExplicit, kJpegLossless}), kExplicit);
  // A syntax the archive does not store is passed over, not refused.
  EXPECT_EQ(choose({"1.2.840.10008.1.2.4.100", kJpegLossless}), kJpegLossless);
}

TEST(StorageSyntax, LossyOnlyWhenNothingLosslessIsOffered) {
  const char* const stored[] = {"1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.70"};
  auto pick = [&](const S& proposed, const S& preferred = {}) {
    const char* ts = choose_storage_syntax(proposed, stored, preferred);
    return std::string(ts ? ts : "");
  };
  EXPECT_EQ(pick({"1.2.840.10008.1.2.4.50", kExplicit}), kExplicit);
  EXPECT_EQ(pick({"1.2.840.10008.1.2.4.50", kJpegLossless, kExplicit}), kJpegLossless);
  EXPECT_EQ(pick({"1.2.840.10008.1.2.4.50"}), "1.2.840.10008.1.2.4.50") << "a lossy image is stored as received";
  EXPECT_EQ(pick({"1.2.840.10008.1.2.4.50", kExplicit}, {"1.2.840.10008.1.2.4.50"}), "1.2.840.10008.1.2.4.50")
      << "unless the site asks for it";
}

TEST(StorageSyntax, TheSitesOrderComesFirstWhereTheSenderOffersIt) {
  EXPECT_EQ(choose({kJpegLossless, kExplicit}, {kExplicit}), kExplicit);
  EXPECT_EQ(choose({kJpegLossless, kImplicit}, {kExplicit}), kJpegLossless);  // not offered: the sender's order
  EXPECT_EQ(choose({kImplicit, kJ2kLossless}, {kJ2kLossless, kExplicit}), kJ2kLossless);
}

TEST(StorageSyntax, NothingStoredIsNothingChosen) {
  EXPECT_EQ(choose({"1.2.840.10008.1.2.4.100"}), "");
  EXPECT_EQ(choose({}), "");
}
}  // namespace
