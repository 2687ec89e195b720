#include <gtest/gtest.h>

#include "api/dicomweb/accept.hpp"

namespace vireo::api::dicomweb {
namespace {

TEST(Accept, RangesComeByPreferenceWithTheirParameters) {
  auto ranges = parse_accept(
      R"(multipart/related; type="application/octet-stream"; q=0.5, Multipart/Related; TYPE="image/jls";q=0.9, */*;q=0.1)");
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].type, "multipart/related");
  EXPECT_EQ(ranges[0].params.at("type"), "image/jls");
  EXPECT_FALSE(ranges[0].params.contains("q"));
  EXPECT_EQ(ranges[1].params.at("type"), "application/octet-stream");
  EXPECT_EQ(ranges[2].type, "*/*");
}

TEST(Accept, ARefusedRangeIsLeftOutAndABadQualityCountsAsOne) {
  auto ranges = parse_accept("image/png;q=0, image/jpeg;q=high, ,image/gif;q=0.3");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].type, "image/jpeg");
  EXPECT_EQ(ranges[1].type, "image/gif");
}

TEST(Accept, NoHeaderOrAWildcardTakesDicomJson) {
  EXPECT_TRUE(accepts_dicom_json(""));
  EXPECT_TRUE(accepts_dicom_json("*/*"));
  EXPECT_TRUE(accepts_dicom_json("application/*;q=0.2"));
  EXPECT_TRUE(accepts_dicom_json("text/html, application/json"));
}

TEST(Accept, ATypeIsMatchedWholeNotAsAPieceOfAnother) {
  // A multipart of JSON parts is not a JSON body; an XML client does not take JSON.
  EXPECT_FALSE(accepts_dicom_json(R"(multipart/related; type="application/dicom+json")"));
  EXPECT_FALSE(accepts_dicom_json("application/dicom+xml"));
  EXPECT_FALSE(accepts_dicom_json("image/*"));
  EXPECT_FALSE(accepts("image/pngx", "image/png"));
  EXPECT_FALSE(accepts("imagex/*", "image/png"));
}

TEST(Accept, TheMostSpecificRangeDecides) {
  EXPECT_FALSE(accepts("application/dicom+json;q=0, */*", "application/dicom+json"));
  EXPECT_TRUE(accepts("application/*;q=0, application/dicom+json", "application/dicom+json"));
  EXPECT_FALSE(accepts("image/*;q=0, */*", "image/png"));
  EXPECT_TRUE(accepts("image/*;q=0, */*", "application/json"));
}

TEST(Accept, DicomJsonRefusedIsNotSentForAWildcard) {
  EXPECT_FALSE(accepts_dicom_json("application/dicom+json;q=0, */*"));
  EXPECT_TRUE(accepts_dicom_json("application/dicom+json;q=0, application/json"));
  EXPECT_FALSE(accepts_dicom_json("application/json;q=0"));
}

}  // namespace
}  // namespace vireo::api::dicomweb
