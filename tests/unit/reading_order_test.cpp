#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/dicomweb/reading_order.hpp"

namespace vireo::api::dicomweb {
namespace {

std::string instance(double z, int number, const char* orientation = "1,0,0,0,1,0") {
  return std::string(R"({"00200013":{"vr":"IS","Value":[)") + std::to_string(number) +
         R"(]},"00200032":{"vr":"DS","Value":[-100,-100,)" + std::to_string(z) +
         R"(]},"00200037":{"vr":"DS","Value":[)" + orientation + "]}}";
}

// The cases the viewer's own ordering is tested against too (web/src/viewer/viewer.test.ts).
TEST(ReadingOrder, AgreesWithTheViewerOnTheSharedCases) {
  std::ifstream in(VIREO_FIXTURES "/reading_order.json");
  ASSERT_TRUE(in) << VIREO_FIXTURES "/reading_order.json";
  auto doc = nlohmann::json::parse(in);
  ASSERT_GE(doc["cases"].size(), 10u);
  for (const auto& c : doc["cases"]) {
    std::vector<std::string> meta;
    for (const auto& i : c["instances"]) meta.push_back(i.dump());
    std::vector<ImagePlace> places;
    for (const auto& m : meta) places.push_back({"s", &m});
    EXPECT_EQ(reading_order(places), c["order"].get<std::vector<size_t>>()) << c["name"].get<std::string>();
  }
}

TEST(ReadingOrder, AnAxialSeriesNumberedFromTheFeetComesHeadFirst) {
  // A feet-first scan: instance 1 is the lowest slice.
  std::vector<std::string> meta = {instance(0, 1), instance(5, 2), instance(10, 3)};
  std::vector<ImagePlace> places;
  for (const auto& m : meta) places.push_back({"1.2.3", &m});
  EXPECT_EQ(reading_order(places), (std::vector<size_t>{2, 1, 0}));
}

TEST(ReadingOrder, WithoutPositionsByInstanceNumber) {
  std::vector<std::string> meta = {R"({"00200013":{"vr":"IS","Value":[3]}})", R"({"00200013":{"vr":"IS","Value":["1"]}})",
                                   instance(1, 2)};
  std::vector<ImagePlace> places;
  for (const auto& m : meta) places.push_back({"s", &m});
  places.push_back({"s", nullptr});  // metadata not kept: placed as number 0, first
  EXPECT_EQ(reading_order(places), (std::vector<size_t>{3, 1, 2, 0}));
}

TEST(ReadingOrder, SeriesStayInTheOrderTheyFirstAppearEachInItsOwnOrder) {
  // The second series is sagittal: its positions differ in x only; its normal,
  // (0,1,0)x(0,0,-1) = (-1,0,0), puts x = -30 further along it than x = 30.
  const std::string sagittal_left = R"({"00200013":{"vr":"IS","Value":[1]},"00200032":{"vr":"DS","Value":[30,0,0]},)"
                                    R"("00200037":{"vr":"DS","Value":[0,1,0,0,0,-1]}})";
  const std::string sagittal_right = R"({"00200013":{"vr":"IS","Value":[2]},"00200032":{"vr":"DS","Value":[-30,0,0]},)"
                                     R"("00200037":{"vr":"DS","Value":[0,1,0,0,0,-1]}})";
  const std::string low = instance(0, 1), high = instance(10, 2);
  std::vector<ImagePlace> places = {{"axial", &low}, {"sagittal", &sagittal_left}, {"axial", &high}, {"sagittal", &sagittal_right}};
  EXPECT_EQ(reading_order(places), (std::vector<size_t>{2, 0, 3, 1}));
}

TEST(ReadingOrder, BadMetadataIsPlacedNotFatal) {
  std::vector<std::string> meta = {"not json", R"({"00200032":{"vr":"DS","Value":["x","y","z"]}})", instance(3, 7)};
  std::vector<ImagePlace> places;
  for (const auto& m : meta) places.push_back({"s", &m});
  auto order = reading_order(places);
  EXPECT_EQ(order.size(), 3u);
  EXPECT_EQ(order.back(), 2u);  // the only one with a number (7); the others count as 0
}

}  // namespace
}  // namespace vireo::api::dicomweb
