#include <gtest/gtest.h>

#include "api/query_params.hpp"

namespace vireo::api {
namespace {

http::HttpRequest with_query(std::string target) {
  http::HttpRequest r;
  EXPECT_TRUE(http::parse_target(target, r.path, r.query, &r.query_list)) << target;
  return r;
}

TEST(QueryParams, LimitAndOffsetAreWholeNumbersInRange) {
  auto page = page_of(with_query("/x"), 100, 1000);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->limit, 100);
  EXPECT_EQ(page->offset, 0);
  page = page_of(with_query("/x?limit=1000&offset=20"), 100, 1000);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->limit, 1000);
  EXPECT_EQ(page->offset, 20);
  for (const char* bad : {"limit=0", "limit=1001", "limit=-1", "limit=", "limit=1e3", "limit=12abc", "limit=+5",
                          "offset=-1", "offset=x", "limit=99999999999999999999"}) {
    auto p = page_of(with_query(std::string("/x?") + bad), 100, 1000);
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error().code, ErrorCode::InvalidArgument) << bad;
  }
  EXPECT_NE(page_of(with_query("/x?limit=0"), 100, 1000).error().detail.find("from 1 to 1000"), std::string::npos);
}

TEST(QueryParams, AnUnknownParameterIsRefusedByName) {
  EXPECT_TRUE(only_parameters(with_query("/x?patient=1&limit=5"), {"patient", "limit"}));
  EXPECT_TRUE(only_parameters(with_query("/x"), {}));
  auto s = only_parameters(with_query("/x?patient=1&patinet=2"), {"patient", "limit"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
  EXPECT_NE(s.error().detail.find("'patinet'"), std::string::npos) << s.error().detail;
  EXPECT_NE(s.error().detail.find("patient, limit"), std::string::npos) << "and says which it takes";
  EXPECT_FALSE(only_parameters(with_query("/x?a=1"), {})) << "a resource without parameters refuses any";
}

TEST(QueryParams, ARowIdIsDigitsThatFitAnInteger) {
  EXPECT_EQ(row_id("42"), 42);
  EXPECT_EQ(row_id("999999999999999999"), 999999999999999999);
  for (const char* bad : {"", "-1", "1e3", " 1", "abc", "1234567890123456789", "0x10"})
    EXPECT_FALSE(row_id(bad)) << bad;
}

}  // namespace
}  // namespace vireo::api
