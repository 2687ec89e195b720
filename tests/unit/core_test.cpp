#include <gtest/gtest.h>

#include <set>

#include <cstdlib>
#include <fstream>

#include "app/config.hpp"
#include "core/error.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"
#include "core/uid.hpp"

namespace vireo {
namespace {

TEST(ErrorTable, MapsEachErrorToItsDicomAndHttpStatus) {
  EXPECT_EQ(dicom_status(ErrorCode::OutOfResources), 0xA700);
  EXPECT_EQ(http_status(ErrorCode::OutOfResources), 507);
  EXPECT_EQ(dicom_status(ErrorCode::MalformedDicom), 0xC000);
  EXPECT_EQ(dicom_status(ErrorCode::UnknownMoveDestination), 0xA801);
  EXPECT_EQ(dicom_status(ErrorCode::DuplicateConflict), 0x0111);
  EXPECT_EQ(http_status(ErrorCode::NotFound), 404);
  EXPECT_EQ(error_name(ErrorCode::InvalidQuery), "InvalidQuery");
  EXPECT_EQ((Error{ErrorCode::NotFound, "study 1.2"}.message()), "No such resource: study 1.2");
}

TEST(Strings, PersonNamesFoldCaseAndLatinAccents) {
  EXPECT_EQ(normalize_person_name("Müller^José"), "MULLER^JOSE");
  EXPECT_EQ(normalize_person_name("Ñúñez^Çelik"), "NUNEZ^CELIK");
  EXPECT_EQ(normalize_person_name("Łukasz^Žofie"), "LUKASZ^ZOFIE");
  EXPECT_EQ(normalize_person_name("山田^太郎"), "山田^太郎");  // other scripts unchanged
}

TEST(Uid, NewUidsAreValidUuidDerivedAndNeverRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string uid = new_uid();
    ASSERT_TRUE(uid.starts_with("2.25.")) << uid;
    ASSERT_TRUE(is_valid_uid(uid)) << uid;
    ASSERT_LE(uid.size(), 44u) << "a 128-bit number has at most 39 digits";
    ASSERT_NE(uid[5], '0') << "no leading zero in a UID component";
    seen.insert(uid);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Uid, NameUidsAreTheSameForTheSameNameAndDifferOtherwise) {
  const std::string a = name_uid("vireo-report-sr:0f3a");
  EXPECT_EQ(a, name_uid("vireo-report-sr:0f3a"));
  EXPECT_NE(a, name_uid("vireo-report-sr:0f3b"));
  EXPECT_NE(a, name_uid("vireo-report-pdf:0f3a"));
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string uid = name_uid("name " + std::to_string(i));
    ASSERT_TRUE(uid.starts_with("2.25.")) << uid;
    ASSERT_TRUE(is_valid_uid(uid)) << uid;
    ASSERT_LE(uid.size(), 44u);
    seen.insert(uid);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Strings, UidValidation) {
  EXPECT_TRUE(is_valid_uid("1.2.840.10008.1.2.1"));
  EXPECT_FALSE(is_valid_uid(""));
  EXPECT_FALSE(is_valid_uid("1..2"));
  EXPECT_FALSE(is_valid_uid("1.2."));
  EXPECT_FALSE(is_valid_uid("../../etc/passwd"));
  EXPECT_FALSE(is_valid_uid(std::string(65, '1')));
}

// What a sender controls goes into the log on one line: no forged second line, no terminal codes.
TEST(Strings, LogSafeKeepsPrintableAsciiAndEscapesTheRest) {
  EXPECT_EQ(log_safe("CT_SCANNER 1"), "CT_SCANNER 1");
  EXPECT_EQ(log_safe("A\r\n2026 error forged"), "A\\x0d\\x0a2026 error forged");
  EXPECT_EQ(log_safe("\x1b[31mX\\"), "\\x1b[31mX\\x5c");
  EXPECT_EQ(log_safe("M\xc3\xbcller"), "M\\xc3\\xbcller");
  EXPECT_EQ(log_safe(std::string(100, 'a'), 4), "aaaa...");
}

TEST(Strings, Utf8PrefixNeverCutsACharacter) {
  EXPECT_EQ(utf8_prefix("Nòdul", 2), "N");  // ò is two bytes: not cut in two
  EXPECT_EQ(utf8_prefix("Nòdul", 3), "Nò");
  EXPECT_EQ(utf8_prefix("abc", 10), "abc");
  EXPECT_EQ(utf8_prefix("腫瘤", 4), "腫");
}

TEST(Strings, SplitKeepsEmptyFields) {
  EXPECT_EQ(split("a\\\\b", '\\'), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(trim("  x y \r\n"), "x y");
  EXPECT_EQ(replace_all("a@@b@@", "@@", "<root>"), "a<root>b<root>");
  EXPECT_EQ(replace_all("none", "@@", "x"), "none");
}

TEST(Sha256, KnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

class ConfigTest : public ::testing::Test {
 protected:
  void TearDown() override {
    unsetenv("VIREO_HTTP_PORT");
    unsetenv("VIREO_PEERS");
  }
};

TEST_F(ConfigTest, DefaultsFileThenEnvironment) {
  auto path = std::filesystem::temp_directory_path() / "vireo_config_test.conf";
  std::ofstream(path) << "# comment\naet = ARCHIVE\nhttp_port = 9000\ndicom_port=104\n";
  setenv("VIREO_HTTP_PORT", "9100", 1);
  auto cfg = load_config(path);
  ASSERT_TRUE(cfg) << cfg.error().message();
  EXPECT_EQ(cfg->dicom.aet, "ARCHIVE");
  EXPECT_EQ(cfg->http_port, 9100);  // the environment overrides the file
  EXPECT_EQ(cfg->dicom.port, 104);
  EXPECT_EQ(cfg->duplicate_policy, archive::DuplicatePolicy::KeepFirst);
  std::filesystem::remove(path);
}

TEST_F(ConfigTest, BadValuesNameTheSettingAndTheLine) {
  auto path = std::filesystem::temp_directory_path() / "vireo_config_bad.conf";
  std::ofstream(path) << "http_port = 70000\n";
  auto cfg = load_config(path);
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().detail.find(":1: http_port must be a whole number"), std::string::npos);
  std::ofstream(path) << "no_such_key = 1\n";
  EXPECT_FALSE(load_config(path));
  std::ofstream(path) << "clinic_time_zone = Europe/Atlantis\n";
  cfg = load_config(path);
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().detail.find("clinic_time_zone: unknown time zone"), std::string::npos);
  std::ofstream(path) << "clinic_time_zone = America/New_York\n";
  EXPECT_EQ(load_config(path)->clinic_time_zone, "America/New_York");
  for (const char* bad : {"Spain", "es", "E1"}) {
    std::ofstream(path) << "clinic_region = " << bad << "\n";
    cfg = load_config(path);
    ASSERT_FALSE(cfg) << bad;
    EXPECT_NE(cfg.error().detail.find("clinic_region is two capital letters"), std::string::npos);
  }
  std::ofstream(path) << "clinic_region = ES\n";
  EXPECT_EQ(load_config(path)->clinic_region, "ES");
  std::ofstream(path) << "report_tsa_url = ftp://tsa.example.org\n";
  cfg = load_config(path);
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().detail.find("report_tsa_url is an http:// or https:// address"), std::string::npos);
  std::ofstream(path) << "report_tsa_url = https://tsa.example.org/tsr\nsensitive_release_delay_h = 72\n"
                         "peer_review_percent = 5\n";
  EXPECT_EQ(load_config(path)->report_tsa_url, "https://tsa.example.org/tsr");
  EXPECT_EQ(load_config(path)->sensitive_release_delay_h, 72);
  EXPECT_EQ(load_config(path)->peer_review_percent, 5);
  std::ofstream(path) << "peer_review_percent = 101\n";
  EXPECT_FALSE(load_config(path));
  std::filesystem::remove(path);
  EXPECT_FALSE(load_config("/nonexistent/vireo.conf"));
}

TEST_F(ConfigTest, DataDirIsTheFilesFolderOrTheInstallations) {
  auto dir = std::filesystem::temp_directory_path() / "vireo_config_site";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "vireo.conf") << "data_dir = archive\n";
  auto cfg = load_config(dir / "vireo.conf");
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->data_dir, dir / "archive");
  std::ofstream(dir / "vireo.conf") << "data_dir = /srv/vireo\n";
  EXPECT_EQ(load_config(dir / "vireo.conf")->data_dir, "/srv/vireo");
  EXPECT_EQ(load_config({})->data_dir, installation_root() / "var");
  setenv("VIREO_DATA_DIR", "relative", 1);
  EXPECT_EQ(load_config({})->data_dir, std::filesystem::current_path() / "relative");
  unsetenv("VIREO_DATA_DIR");
  std::filesystem::remove_all(dir);
}

TEST_F(ConfigTest, PeersAreParsed) {
  setenv("VIREO_PEERS", "WS1@10.0.0.5:104, PACS2@pacs.example:11112", 1);
  auto cfg = load_config({});
  ASSERT_TRUE(cfg);
  ASSERT_EQ(cfg->dicom.peers.size(), 2u);
  EXPECT_EQ(cfg->dicom.find_peer("PACS2")->port, 11112);
  EXPECT_EQ(cfg->dicom.find_peer("NOBODY"), nullptr);
  EXPECT_FALSE(net::parse_peer("no-at-sign:104"));
  EXPECT_FALSE(net::parse_peer("WS@host:99999"));
}

}  // namespace
}  // namespace vireo
