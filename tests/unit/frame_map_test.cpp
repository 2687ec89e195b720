// The frame layout found by our own walk of the byte stream (dicom/frame_map.cpp) against what
// DCMTK reads as each frame, over the real multi-frame files of the test data.
#include "dicom/frame_map.hpp"

#include <gtest/gtest.h>

#include "test_dir.hpp"
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "core/sha256.hpp"
#include "dicom/dicom_file.hpp"

namespace vireo::dicom {
namespace {

namespace fs = std::filesystem;
const fs::path kDicom = fs::path(VIREO_TESTDATA) / "dicom";

using testing::slurp;

std::string bytes_at(const std::string& file, const MappedFrame& f) {
  std::string out;
  for (const auto& p : f.pieces) out += file.substr(p.offset, p.length);
  return out;
}

// Every mapped frame is exactly DCMTK's frame as stored, and carries its bytes' hash.
void expect_agrees_with_dcmtk(const fs::path& path, const FrameMap& map) {
  auto frames = read_frames(path, {}, false);
  ASSERT_TRUE(frames.has_value()) << path << ": " << frames.error().message();
  ASSERT_EQ(map.frames.size(), frames->size()) << path;
  const std::string file = slurp(path);
  for (size_t i = 0; i < frames->size(); ++i) {
    std::string mine = bytes_at(file, map.frames[i]);
    EXPECT_TRUE(mine == (*frames)[i].bytes) << path << " frame " << i + 1 << ": " << mine.size()
                                            << " bytes against " << (*frames)[i].bytes.size();
    EXPECT_EQ(map.frames[i].sha16, sha256_hex(mine).substr(0, 16));
    EXPECT_EQ(map.frames[i].size(), mine.size());
  }
}


// Hand-made Part 10 files, for layouts the test data does not have.
std::string le16(uint16_t v) { return std::string{static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; }
std::string le32(uint32_t v) { return le16(static_cast<uint16_t>(v & 0xFFFF)) + le16(static_cast<uint16_t>(v >> 16)); }
bool long_vr(const std::string& vr) {
  return vr == "OB" || vr == "OW" || vr == "SQ" || vr == "UN" || vr == "UT" || vr == "ZZ";
}
// An Explicit VR Little Endian element; `undefined`: undefined length (its items follow).
std::string element(uint16_t group, uint16_t elem, const std::string& vr, const std::string& value,
                    bool undefined = false) {
  std::string out = le16(group) + le16(elem) + vr;
  if (long_vr(vr)) return out + std::string(2, '\0') + le32(undefined ? 0xFFFFFFFF : static_cast<uint32_t>(value.size())) + value;
  return out + le16(static_cast<uint16_t>(value.size())) + value;
}
std::string item(const std::string& value) { return le16(0xFFFE) + le16(0xE000) + le32(static_cast<uint32_t>(value.size())) + value; }
std::string sequence_end() { return le16(0xFFFE) + le16(0xE0DD) + le32(0); }
std::string us(uint16_t v) { return le16(v); }
std::string part10(const std::string& syntax, const std::string& dataset) {
  std::string ts = syntax.size() % 2 ? syntax + '\0' : syntax;
  return std::string(128, '\0') + "DICM" + element(0x0002, 0x0010, "UI", ts) + dataset;
}
// Geometry of a 2x2, 8-bit image of `frames` frames ("2" by default).
std::string geometry(const std::string& frames = "2") {
  return element(0x0028, 0x0002, "US", us(1)) + element(0x0028, 0x0008, "IS", frames) +
         element(0x0028, 0x0010, "US", us(2)) + element(0x0028, 0x0011, "US", us(2)) +
         element(0x0028, 0x0100, "US", us(8));
}
const std::string kExplicit = "1.2.840.10008.1.2.1";
const std::string kJpeg = "1.2.840.10008.1.2.4.50";

class Crafted {
 public:
  explicit Crafted(const std::string& bytes)
      : path_(fs::temp_directory_path() / ("vireo-crafted-" + std::to_string(::getpid()) + "-" +
                                           std::to_string(counter_++) + ".dcm")) {
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  ~Crafted() { fs::remove(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::optional<FrameMap> map_of(const std::string& bytes, FrameHashes hashes = FrameHashes::Compute) {
  Crafted f(bytes);
  return map_frames(f.path(), hashes);
}

class FrameMapTest : public ::testing::Test {
 protected:
  void SetUp() override { initialize("error"); }
};

TEST_F(FrameMapTest, MultiFrameImagesOfEveryKindAreMappedAsDcmtkReadsThem) {
  struct Case {
    const char* file;
    size_t frames;
    bool encapsulated;
  };
  for (const auto& c : {
           Case{"modality/XA_multiframe_jpeg.dcm", 96, true},       // JPEG, offset table
           Case{"modality/US_multiframe_ybr_jpeg.dcm", 30, true},   // long private UT before pixels
           Case{"modality/US_PAL_8_10x_echo.dcm", 10, true},        // RLE
           Case{"modality/NM_MONO2_16_13x_heart.dcm", 13, false},   // native 16-bit
           Case{"modality/MR_enhanced_multiframe.dcm", 10, false},  // functional group sequences
           Case{"modality/RTDOSE_rtdose.dcm", 15, false},           // Implicit VR, 32-bit
           Case{"transfer_syntax/emri_small_RLE.dcm", 10, true},
           Case{"transfer_syntax/emri_small_jpeg_ls_lossless.dcm", 10, true},
           Case{"transfer_syntax/SC_rgb_rle_32bit_2frame.dcm", 2, true},
       }) {
    auto map = map_frames(kDicom / c.file);
    ASSERT_TRUE(map.has_value()) << c.file;
    EXPECT_EQ(map->frames.size(), c.frames) << c.file;
    EXPECT_EQ(map->encapsulated, c.encapsulated) << c.file;
    expect_agrees_with_dcmtk(kDicom / c.file, *map);
  }
}

// (For syntaxes newer than DCMTK 3.6.7, read_frames itself reads by the layout: the test below
// checks those frames on their own.)
TEST_F(FrameMapTest, NoFileOfTheTestDataIsMappedWrongly) {
  int mapped = 0;
  for (const auto& e : fs::recursive_directory_iterator(kDicom)) {
    if (!e.is_regular_file() || e.path().extension() != ".dcm") continue;
    auto map = map_frames(e.path());
    if (!map) continue;
    ++mapped;
    expect_agrees_with_dcmtk(e.path(), *map);
  }
  EXPECT_GT(mapped, 40);  // single-frame images are mapped too (one frame each)
}

// HTJ2K is newer than DCMTK 3.6.7, which parses the file but not its pixel data as encapsulated:
// its frames as stored still go out whole, each one complete JPEG 2000 codestream.
TEST_F(FrameMapTest, FramesOfSyntaxesNewerThanDcmtkAreReadAsStored) {
  for (const char* file :
       {"transfer_syntax/HTJ2KLossless_08_RGB.dcm", "transfer_syntax/HTJ2K_08_RGB.dcm"}) {
    auto frames = read_frames(kDicom / file, {}, false);
    ASSERT_TRUE(frames.has_value()) << file << ": " << frames.error().message();
    ASSERT_EQ(frames->size(), 1u) << file;
    const std::string& j2k = (*frames)[0].bytes;
    EXPECT_TRUE((*frames)[0].transfer_syntax.starts_with("1.2.840.10008.1.2.4.20"))
        << (*frames)[0].transfer_syntax;
    ASSERT_GT(j2k.size(), 100u);
    EXPECT_EQ(j2k.substr(0, 4), std::string("\xFF\x4F\xFF\x51", 4))
        << file << ": starts with SOC, SIZ";
    auto end = j2k.find_last_not_of('\0');  // a fragment is padded to even length
    EXPECT_EQ(j2k.substr(end - 1, 2), std::string("\xFF\xD9", 2)) << file << ": ends with EOC";
    auto beyond = read_frames(kDicom / file, {2}, false);
    ASSERT_FALSE(beyond);
    EXPECT_EQ(beyond.error().code, ErrorCode::InvalidArgument);
  }
}

TEST_F(FrameMapTest, LayoutsThatOnlyDecodingCouldSettleAreNotMapped) {
  for (const char* file : {"transfer_syntax/emri_small_big_endian.dcm",  // big endian
                           "modality/SEG_ct_binary_3frame.dcm",          // 1-bit frames share bytes
                           "malformed/emri_small_jpeg_2k_lossless_too_short.dcm"})
    EXPECT_FALSE(map_frames(kDicom / file).has_value()) << file;
  EXPECT_FALSE(map_frames(kDicom / "no-such-file.dcm").has_value());
}


TEST_F(FrameMapTest, HandMadeFilesAreMappedOnlyWhenTheirLayoutIsPlain) {
  // The plain cases, so that the refusals below are refusals of what they change.
  auto native = map_of(part10(kExplicit, geometry() + element(0x7FE0, 0x0010, "OB", "abcdefgh")));
  ASSERT_TRUE(native);
  ASSERT_EQ(native->frames.size(), 2u);
  EXPECT_EQ(native->frames[1].size(), 4u);
  const std::string frames = item("") + item("AAAA") + item("BBBB") + sequence_end();
  auto encapsulated = map_of(part10(kJpeg, geometry() + element(0x7FE0, 0x0010, "OB", "", true) + frames));
  ASSERT_TRUE(encapsulated);
  EXPECT_TRUE(encapsulated->encapsulated);
  // Three fragments for two frames: the table says the second frame starts at the third
  // fragment's item, two items (8 + 4 bytes each) after the first.
  auto by_table = map_of(part10(kJpeg, geometry() + element(0x7FE0, 0x0010, "OB", "", true) +
                                           item(le32(0) + le32(24)) + item("AAAA") + item("BBBB") + item("CCCC") +
                                           sequence_end()));
  ASSERT_TRUE(by_table);
  EXPECT_EQ(by_table->frames[0].pieces.size(), 2u);
  EXPECT_EQ(by_table->frames[1].size(), 4u);

  // A Basic Offset Table longer than the file: refused before anything is read into memory.
  EXPECT_FALSE(map_of(part10(kJpeg, geometry() + element(0x7FE0, 0x0010, "OB", "", true) + le16(0xFFFE) +
                                        le16(0xE000) + le32(0xFFFFFFF0) + "xx")));
  // A VR no standard names: DCMTK would read its length otherwise.
  EXPECT_FALSE(map_of(part10(kExplicit, element(0x0009, 0x0010, "ZZ", "ab") + geometry() +
                                            element(0x7FE0, 0x0010, "OB", "abcdefgh"))));
  // An attribute twice (or out of order): which one counts is not ours to guess.
  EXPECT_FALSE(map_of(part10(kExplicit, geometry() + element(0x0028, 0x0010, "US", us(1)) +
                                            element(0x7FE0, 0x0010, "OB", "abcdefgh"))));
  // Pixel data encoded other than its transfer syntax says.
  EXPECT_FALSE(map_of(part10(kExplicit, geometry() + element(0x7FE0, 0x0010, "OB", "", true) + frames)));
  EXPECT_FALSE(map_of(part10(kJpeg, geometry() + element(0x7FE0, 0x0010, "OB", "abcdefgh"))));
  // Offsets that do not go forward would give a frame no bytes.
  EXPECT_FALSE(map_of(part10(kJpeg, geometry() + element(0x7FE0, 0x0010, "OB", "", true) + item(le32(0) + le32(0)) +
                                        item("AAAA") + item("BBBB") + item("CCCC") + sequence_end())));
  // An empty fragment as a whole frame.
  EXPECT_FALSE(map_of(part10(kJpeg, geometry() + element(0x7FE0, 0x0010, "OB", "", true) + item("") + item("AAAA") +
                                        item("") + sequence_end())));
  // A Number of Frames longer than an IS value can be.
  EXPECT_FALSE(map_of(part10(kExplicit, geometry("0000000000002") + element(0x7FE0, 0x0010, "OB", "abcdefgh"))));
  // Frames whose total size does not fit in 64 bits must not wrap into a small one.
  const std::string huge = element(0x0028, 0x0002, "US", us(65535)) + element(0x0028, 0x0008, "IS", "1000") +
                           element(0x0028, 0x0010, "US", us(65535)) + element(0x0028, 0x0011, "US", us(65535)) +
                           element(0x0028, 0x0100, "US", us(65528));
  EXPECT_FALSE(map_of(part10(kExplicit, huge + element(0x7FE0, 0x0010, "OB", "abcdefgh")), FrameHashes::Skip));
}

TEST_F(FrameMapTest, AFileCutShortInItsPixelDataIsNotMapped) {
  const std::string whole = slurp(kDicom / "modality/XA_multiframe_jpeg.dcm");
  fs::path cut =
      fs::temp_directory_path() / ("vireo-frame-map-" + std::to_string(::getpid()) + ".dcm");
  for (size_t keep : {whole.size() / 2, whole.size() - 3, size_t{200}}) {
    std::ofstream(cut, std::ios::binary) << whole.substr(0, keep);
    EXPECT_FALSE(map_frames(cut).has_value()) << keep;
  }
  fs::remove(cut);
}

TEST_F(FrameMapTest, TheIndexTextReadsBackAsWrittenAndNothingElseReads) {
  auto map = map_frames(kDicom / "modality/XA_multiframe_jpeg.dcm");
  ASSERT_TRUE(map.has_value());
  auto again = FrameMap::decode(map->encode());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *map);
  const std::string h = "0123456789abcdef";
  EXPECT_TRUE(FrameMap::decode("N|" + h + "@10+20;" + h + "@30+20").has_value());
  EXPECT_TRUE(FrameMap::decode("E|" + h + "@10+20,40+5").has_value());
  for (const std::string& bad : std::initializer_list<std::string>{
           std::string(), std::string("N|"), std::string("X|") + h + "@1+2",
           "N|" + h.substr(1) + "@1+2", "N|0123456789ABCDEF@1+2", "N|" + h + "@1+",
           "N|" + h + "@+2", "N|" + h + "@1+2;", "N|" + h + "@1+2,", "N|" + h + "@1+2x",
           "N|" + h + "@-1+2"})
    EXPECT_FALSE(FrameMap::decode(bad).has_value()) << bad;
}

}  // namespace
}  // namespace vireo::dicom
