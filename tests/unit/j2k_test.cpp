// JPEG 2000 decoding (dicom/j2k_codec.cpp) as the archive uses it: frames sent uncompressed,
// rendering for thumbnails and /rendered.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>

#include "dicom/dicom_file.hpp"
#include "dicom/render.hpp"

namespace vireo::dicom {
namespace {

namespace fs = std::filesystem;
const fs::path kDicom = fs::path(VIREO_TESTDATA) / "dicom";
const char* const kExplicitLittle = "1.2.840.10008.1.2.1";

std::vector<int16_t> samples16(const std::string& bytes) {
  std::vector<int16_t> v(bytes.size() / 2);
  std::memcpy(v.data(), bytes.data(), v.size() * 2);
  return v;
}

class J2kTest : public ::testing::Test {
 protected:
  void SetUp() override { initialize("error"); }
};

TEST_F(J2kTest, LosslessFramesAreBitIdenticalToTheUncompressedImage) {
  auto reference = read_frames(kDicom / "modality" / "MR_small.dcm", {}, true);
  auto decoded = read_frames(kDicom / "transfer_syntax" / "MR_small_jp2klossless.dcm", {}, true);
  ASSERT_TRUE(reference.has_value());
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].transfer_syntax, kExplicitLittle);
  EXPECT_EQ((*decoded)[0].bytes.size(), 64u * 64u * 2u);
  EXPECT_TRUE((*decoded)[0].bytes == (*reference)[0].bytes);
}

TEST_F(J2kTest, LossyCtDecodesToAPlausibleImage) {
  auto decoded = read_frames(kDicom / "transfer_syntax" / "CT1_J2KI.dcm", {1}, true);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  auto v = samples16((*decoded)[0].bytes);
  ASSERT_EQ(v.size(), 512u * 512u);
  // A body in air: stored values from air (near 0 or below) to bone, and spread out.
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  EXPECT_LT(*lo, 200);
  EXPECT_GT(*hi, 1200);
  double mean = 0, var = 0;
  for (int16_t x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (int16_t x : v) var += (x - mean) * (x - mean);
  EXPECT_GT(std::sqrt(var / static_cast<double>(v.size())), 100.0);
}

TEST_F(J2kTest, ColourTransformIsUndoneToRgb) {
  auto decoded = read_frames(kDicom / "transfer_syntax" / "US1_J2KI_ybr_ict.dcm", {1}, true);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  const std::string& rgb = (*decoded)[0].bytes;
  ASSERT_EQ(rgb.size(), 480u * 640u * 3u);
  // An ultrasound image is mostly grey: with the colour transform undone, R, G and B of
  // most pixels are close; left as Y/Cb/Cr they would be far apart (Cb, Cr near 128).
  size_t grey = 0, pixels = rgb.size() / 3;
  for (size_t i = 0; i < pixels; ++i) {
    const int r = static_cast<unsigned char>(rgb[3 * i]), g = static_cast<unsigned char>(rgb[3 * i + 1]),
              b = static_cast<unsigned char>(rgb[3 * i + 2]);
    if (std::abs(r - g) <= 12 && std::abs(g - b) <= 12) ++grey;
  }
  EXPECT_GT(grey, pixels * 9 / 10);
}

TEST_F(J2kTest, AJp2FileWhereACodestreamBelongsIsDecodedToo) {
  // GDCM wrote a JP2 file (with a non-conformant header) where a raw codestream belongs.
  auto decoded = read_frames(kDicom / "malformed" / "GDCMJ2K_TextGBR.dcm", {1}, true);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  const std::string& rgb = (*decoded)[0].bytes;
  ASSERT_EQ(rgb.size(), 400u * 400u * 3u);
  EXPECT_NE(rgb.find_first_not_of(rgb[0]), std::string::npos) << "not a blank image";
}

TEST_F(J2kTest, RendersForThumbnails) {
  RenderOptions o;
  o.max_columns = o.max_rows = 128;
  o.png = true;
  for (const char* name : {"MR_small_jp2klossless.dcm", "CT1_J2KI.dcm", "US1_J2KI_ybr_ict.dcm"}) {
    auto png = render(kDicom / "transfer_syntax" / name, o);
    ASSERT_TRUE(png.has_value()) << name << ": " << png.error().message();
    EXPECT_EQ(png->substr(1, 3), "PNG") << name;
  }
}

// The stored MR_small_jp2klossless.dcm with its codestream changed by `damage` (same length).
Result<std::vector<Frame>> decode_damaged(const std::function<void(std::string&, size_t soc, size_t sod, size_t eoc)>& damage) {
  std::ifstream in(kDicom / "transfer_syntax" / "MR_small_jp2klossless.dcm", std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t soc = file.find("\xFF\x4F\xFF\x51");
  const size_t sod = file.find("\xFF\x93", soc);
  const size_t eoc = file.rfind("\xFF\xD9");
  if (soc == std::string::npos || sod == std::string::npos || eoc == std::string::npos || eoc < sod)
    return fail(ErrorCode::Internal, "the test file has no codestream");
  damage(file, soc, sod, eoc);
  const fs::path damaged = fs::temp_directory_path() / ("vireo-j2k-damaged-" + std::to_string(::getpid()) + ".dcm");
  std::ofstream(damaged, std::ios::binary) << file;
  auto decoded = read_frames(damaged, {1}, true);
  fs::remove(damaged);
  return decoded;
}

TEST_F(J2kTest, ABitstreamThatDisagreesWithTheDatasetIsRefused) {
  // SIZ says the image is 32 columns wide; the dataset says 64.
  auto decoded = decode_damaged([](std::string& f, size_t soc, size_t, size_t) { f[soc + 2 + 2 + 2 + 2 + 3] = 32; });
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, ErrorCode::IntegrityError);  // stored data, not the request
  EXPECT_NE(decoded.error().message().find("JPEG 2000: component 0 is 32x64, the image 64x64"), std::string::npos)
      << decoded.error().message();
}

TEST_F(J2kTest, ABitstreamClaimingAHugeImageIsRefusedBeforeDecoding) {
  // SIZ claims 60000x60000: refused from the header, not allocated.
  auto decoded = decode_damaged([](std::string& f, size_t soc, size_t, size_t) {
    for (size_t at : {soc + 8, soc + 12}) {  // Xsiz, Ysiz
      f[at] = 0, f[at + 1] = 0, f[at + 2] = static_cast<char>(0xEA), f[at + 3] = 0x60;
    }
  });
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message().find("JPEG 2000"), std::string::npos) << decoded.error().message();
}

TEST_F(J2kTest, ConvertingAnImageClaimingMoreFramesThanItHoldsIsRefusedBeforeAllocating) {
  // Number of Frames 60000 on a one-fragment image: 60000 64x64 frames would be allocated
  // (the whole-dataset decoding of C-GET, C-MOVE and WADO-RS conversions).
  const fs::path dir = fs::temp_directory_path() / ("vireo-j2k-frames-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(kDicom / "transfer_syntax" / "MR_small_jp2klossless.dcm", dir / "in.dcm",
                fs::copy_options::overwrite_existing);
  ASSERT_EQ(std::system(("dcmodify -nb -i \"(0028,0008)=60000\" " + (dir / "in.dcm").string() + " >/dev/null 2>&1").c_str()), 0);
  auto st = transcode(dir / "in.dcm", dir / "out.dcm", "1.2.840.10008.1.2.1");
  fs::remove_all(dir);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message().find("Number of Frames is 60000 but the pixel data holds 1 fragments"), std::string::npos)
      << st.error().message();
}

TEST_F(J2kTest, ALosslessImageIsConvertedWholeForAPeerWithoutJpeg2000) {
  const fs::path dir = fs::temp_directory_path() / ("vireo-j2k-convert-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto st = transcode(kDicom / "transfer_syntax" / "MR_small_jp2klossless.dcm", dir / "out.dcm", "1.2.840.10008.1.2.1");
  ASSERT_TRUE(st.has_value()) << st.error().message();
  auto converted = read_frames(dir / "out.dcm", {1}, false);
  auto reference = read_frames(kDicom / "modality" / "MR_small.dcm", {1}, false);
  fs::remove_all(dir);
  ASSERT_TRUE(converted.has_value() && reference.has_value());
  EXPECT_EQ((*converted)[0].transfer_syntax, kExplicitLittle);
  EXPECT_TRUE((*converted)[0].bytes == (*reference)[0].bytes);
}

TEST_F(J2kTest, DamagedTileDataIsAnErrorOrAWholeFrameNeverACrash) {
  auto decoded = decode_damaged([](std::string& f, size_t, size_t sod, size_t eoc) {
    for (size_t i = sod + 2; i < eoc; ++i) f[i] = static_cast<char>(0xA5 ^ (i * 131));
  });
  if (decoded.has_value()) EXPECT_EQ((*decoded)[0].bytes.size(), 64u * 64u * 2u);  // noise, but a whole frame
  else EXPECT_NE(decoded.error().message().find("JPEG 2000"), std::string::npos) << decoded.error().message();
}

}  // namespace
}  // namespace vireo::dicom
