// Text in any Specific Character Set to UTF-8, ISO 2022 code extensions included (charset.hpp).
#include <gtest/gtest.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <string>

#include "dicom/charset.hpp"

namespace {
using vireo::dicom::decode_to_utf8;

std::string decoded(std::string_view bytes, std::vector<std::string> sets) {
  auto s = decode_to_utf8(bytes, sets);
  return s ? *s : "<refused>";
}

TEST(Charset, CodeExtensionsOfJapaneseKoreanAndLatin) {
  // chrH31: ISO 2022 IR 87 (kanji and hiragana between ESC $ B and ESC ( B).
  EXPECT_EQ(decoded("Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B",
                    {"", "ISO 2022 IR 87"}),
            "Yamada^Tarou=\xe5\xb1\xb1\xe7\x94\xb0^\xe5\xa4\xaa\xe9\x83\x8e=\xe3\x82\x84\xe3\x81\xbe\xe3\x81\xa0^"
            "\xe3\x81\x9f\xe3\x82\x8d\xe3\x81\x86");
  // chrH32: half-width katakana of ISO 2022 IR 13 in GR, then IR 87, back to JIS X 0201 Roman.
  EXPECT_EQ(decoded("\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J", {"ISO 2022 IR 13", "ISO 2022 IR 87"}),
            "\xef\xbe\x94\xef\xbe\x8f\xef\xbe\x80\xef\xbe\x9e^\xef\xbe\x80\xef\xbe\x9b\xef\xbd\xb3=\xe5\xb1\xb1\xe7\x94\xb0");
  // chrI2: KS X 1001 designated to G1 by ESC $ ) C.
  EXPECT_EQ(decoded("Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7", {"", "ISO 2022 IR 149"}),
            "Hong^Gildong=\xe6\xb4\xaa^\xe5\x90\x89\xe6\xb4\x9e");
  // Latin-1 under code extensions (the "B\xe4cken").
  EXPECT_EQ(decoded("B\xe4" "cken", {"ISO 2022 IR 100"}), "B\xc3\xa4" "cken");
  EXPECT_EQ(decoded("B\x1b-A\xe4" "cken", {"", "ISO 2022 IR 100"}), "B\xc3\xa4" "cken");
}

TEST(Charset, SingleCharacterSets) {
  EXPECT_EQ(decoded("Buc^J\xe9r\xf4me", {"ISO_IR 100"}), "Buc^J\xc3\xa9r\xc3\xb4me");
  EXPECT_EQ(decoded("\xbb\xee\xda", {"ISO_IR 144"}), "\xd0\x9b\xd1\x8e\xd0\xba");
  EXPECT_EQ(decoded("Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=", {"GB18030"}),
            "Wang^XiaoDong=\xe7\x8e\x8b^\xe5\xb0\x8f\xe4\xb8\x9c=");
  EXPECT_EQ(decoded("\xe7\x8e\x8b", {"ISO_IR 192"}), "\xe7\x8e\x8b");
  EXPECT_EQ(decoded("\xe7\x8e", {"ISO_IR 192"}), "<refused>");
}

TEST(Charset, UndeclaredTextIsUtf8WhenItIsElseTheSitesDefault) {
  vireo::dicom::set_default_character_set("ISO_IR 100");
  EXPECT_EQ(decoded("J\xc3\xa9r\xc3\xb4me", {}), "J\xc3\xa9r\xc3\xb4me");
  EXPECT_EQ(decoded("J\xe9r\xf4me", {}), "J\xc3\xa9r\xc3\xb4me");
  vireo::dicom::set_default_character_set("ISO_IR 144");
  EXPECT_EQ(decoded("\xbb", {}), "\xd0\x9b");
  vireo::dicom::set_default_character_set("");
  EXPECT_EQ(decoded("J\xe9r\xf4me", {}), "<refused>");
  vireo::dicom::set_default_character_set("ISO_IR 100");
}

TEST(Charset, WhatCannotBeReadIsRefused) {
  EXPECT_EQ(decoded("A\x1b$Z", {"", "ISO 2022 IR 87"}), "<refused>");     // no such escape sequence
  EXPECT_EQ(decoded("\x1b$B;", {"", "ISO 2022 IR 87"}), "<refused>");     // half a kanji
  EXPECT_EQ(decoded("\xe4", {"", "ISO 2022 IR 87"}), "<refused>");        // GR with nothing in G1
  EXPECT_EQ(decoded("x", {"ISO_IR 999"}), "<refused>");                  // unknown defined term
  EXPECT_FALSE(vireo::dicom::known_character_set("ISO_IR 999"));
  EXPECT_TRUE(vireo::dicom::known_character_set("ISO 2022 IR 87"));
}

TEST(Charset, AnItemInASequenceUsesItsOwnCharacterSetOrItsParents) {
  for (const char* name : {"chrSQEncoding.dcm", "chrSQEncoding1.dcm"}) {
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile((std::string(VIREO_TESTDATA) + "/dicom/charset/" + name).c_str()).good()) << name;
    DcmDataset* ds = file.getDataset();
    vireo::dicom::convert_item_to_utf8(*ds);
    DcmItem* item = nullptr;
    ASSERT_TRUE(ds->findAndGetSequenceItem(DCM_RequestedProcedureCodeSequence, item, 0).good()) << name;
    OFString pn, cs;
    ASSERT_TRUE(item->findAndGetOFStringArray(DCM_PatientName, pn).good());
    EXPECT_EQ(std::string(pn.c_str()),
              "\xef\xbe\x94\xef\xbe\x8f\xef\xbe\x80\xef\xbe\x9e^\xef\xbe\x80\xef\xbe\x9b\xef\xbd\xb3=\xe5\xb1\xb1\xe7\x94\xb0^"
              "\xe5\xa4\xaa\xe9\x83\x8e=\xe3\x82\x84\xe3\x81\xbe\xe3\x81\xa0^\xe3\x81\x9f\xe3\x82\x8d\xe3\x81\x86")
        << name;
    ASSERT_TRUE(ds->findAndGetOFStringArray(DCM_SpecificCharacterSet, cs).good());
    EXPECT_EQ(std::string(cs.c_str()), "ISO_IR 192") << name;
  }
}
}  // namespace
