#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "api/rest/ai_finding.hpp"

namespace vireo::api {
namespace {

// The cases the viewer's AI layer is tested against too (web/src/viewer/ai.test.ts).
TEST(AiFinding, AgreesWithTheViewerOnTheSharedCases) {
  std::ifstream in(VIREO_FIXTURES "/ai_findings.json");
  ASSERT_TRUE(in) << VIREO_FIXTURES "/ai_findings.json";
  auto doc = nlohmann::json::parse(in);
  ASSERT_GE(doc["drawn"].size(), 5u);
  ASSERT_GE(doc["refused"].size(), 20u);
  for (const auto& c : doc["drawn"]) EXPECT_TRUE(is_ai_finding(c["finding"])) << c["case"].get<std::string>();
  for (const auto& c : doc["refused"]) EXPECT_FALSE(is_ai_finding(c["finding"])) << c["case"].get<std::string>();
}

}  // namespace
}  // namespace vireo::api
