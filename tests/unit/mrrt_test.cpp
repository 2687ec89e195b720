// IHE MRRT templates read and written (reporting/mrrt), and the rules of a template as data.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "reporting/mrrt.hpp"
#include "reporting/sign_checks.hpp"

namespace vireo::reporting {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(VIREO_FIXTURES) + "/mrrt/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string replaced(std::string text, const std::string& what, const std::string& with) {
  const size_t at = text.find(what);
  EXPECT_NE(at, std::string::npos) << what;
  if (at != std::string::npos) text.replace(at, what.size(), with);
  return text;
}

const TemplateField* field(const ReportTemplate& t, const std::string& label) {
  auto it = std::ranges::find(t.fields, label, &TemplateField::label);
  return it == t.fields.end() ? nullptr : &*it;
}

const TemplateSection* section(const ReportTemplate& t, const std::string& key) {
  auto it = std::ranges::find(t.sections, key, &TemplateSection::key);
  return it == t.sections.end() ? nullptr : &*it;
}

TEST(Mrrt, ARadReportStyleTemplateReadsAsSectionsWithItsBlanksMenusAndRules) {
  MrrtRead read = read_mrrt(fixture("cardiac_mr.html"));
  ASSERT_TRUE(read.value) << read.refusal;
  const ReportTemplate& t = *read.value;
  EXPECT_EQ(t.code, "RADREPORT-0009901");
  EXPECT_EQ(t.name, "Cardiac MRI: function");
  EXPECT_EQ(t.identifier, "http://www.radreport.org/template/0009901");
  EXPECT_EQ(t.modalities, std::vector<std::string>{"MR"}) << "from the coded term 'magnetic resonance imaging'";
  EXPECT_EQ(t.language, "en");
  EXPECT_TRUE(t.top_level);
  EXPECT_EQ(t.status, "ACTIVE");
  EXPECT_EQ(t.publisher, "Vireo tests");
  std::vector<std::string> keys;
  for (const auto& s : t.sections) keys.push_back(s.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"technique", "indication", "comparison", "findings", "impression"}));
  EXPECT_EQ(section(t, "technique")->title, "Procedure");
  EXPECT_EQ(section(t, "technique")->text, "Cine SSFP in short axis and long axis planes.");
  EXPECT_EQ(section(t, "indication")->text, "") << "an empty text area is the section itself, not a blank";
  EXPECT_EQ(section(t, "findings")->text,
            "Left ventricle:\n"
            "End diastolic volume: [[End diastolic volume]] mL\n"
            "Ejection fraction: [[Ejection fraction]] %\n"
            "Wall motion: [[Wall motion]]\n"
            "Aortic valve: Normal.\n"
            "No pericardial effusion.")
      << "explanations in <mark> are not the report's";
  EXPECT_EQ(section(t, "impression")->text, "[[Impression]]");

  ASSERT_EQ(t.fields.size(), 4u);
  const TemplateField* edv = field(t, "End diastolic volume");
  ASSERT_NE(edv, nullptr);
  EXPECT_EQ((std::vector<std::string>{edv->type, edv->units, edv->completion, edv->section}),
            (std::vector<std::string>{"NUMBER", "mL", "ALERT", "findings"}));
  EXPECT_EQ(field(t, "Ejection fraction")->completion, "PROHIBIT");
  const TemplateField* motion = field(t, "Wall motion");
  EXPECT_EQ(motion->type, "SELECT");
  EXPECT_EQ(motion->choices, (std::vector<std::string>{"Normal", "Regional hypokinesia", "Regional akinesia"}));
  EXPECT_EQ(field(t, "Impression")->completion, "PROHIBIT");
  ASSERT_EQ(t.macros.size(), 1u) << "the unchecked box is a normal to insert";
  EXPECT_EQ(t.macros[0].name, "Small effusion");
  EXPECT_EQ(t.macros[0].text, "Small pericardial effusion.");
  EXPECT_EQ(t.macros[0].section, "findings");
  EXPECT_TRUE(template_errors(t).empty());
}

TEST(Mrrt, ACatalanTemplateKeepsItsLanguageAndItsEmbeddedComponent) {
  MrrtRead component = read_mrrt(fixture("nodul_tiroide_ca.html"));
  ASSERT_TRUE(component.value) << component.refusal;
  EXPECT_FALSE(component.value->top_level);
  EXPECT_EQ(component.value->language, "ca");
  EXPECT_EQ(component.value->modalities, std::vector<std::string>{"US"}) << "DICOM's own code";
  EXPECT_EQ(component.value->sections[0].text, "Nòdul al lòbul [[Lòbul]] de [[Mida]] mm.");
  EXPECT_EQ(component.value->fields[0].choices, (std::vector<std::string>{"dret", "esquerre", "istme"}));

  MrrtRead thyroid = read_mrrt(fixture("ecografia_tiroide_ca.html"));
  ASSERT_TRUE(thyroid.value) << thyroid.refusal;
  const ReportTemplate& t = *thyroid.value;
  EXPECT_EQ(t.name, "Ecografia de tiroide");
  std::vector<std::string> keys;
  for (const auto& s : t.sections) keys.push_back(s.key + "=" + s.title);
  EXPECT_EQ(keys, (std::vector<std::string>{"indication=Informació clínica", "findings=Troballes", "impression=Conclusió"}));
  EXPECT_EQ(section(t, "findings")->embed, "urn:oid:2.25.31415926535897932384626433832795");
}

TEST(Mrrt, ABoxOrAFieldInsideItsLabelIsAChoiceOrABlankNotStatedText) {
  const std::string file = replaced(fixture("cardiac_mr.html"), "<textarea id=\"T20\" name=\"Impression\" data-field-completion-action=\"PROHIBIT\"></textarea>",
                                    "<label><input type=\"checkbox\"/> Pleural effusion.</label> "
                                    "<label><input type=\"checkbox\" checked=\"checked\"/> No pneumothorax.</label> "
                                    "<label>LVEF <input type=\"number\" name=\"LVEF\" data-field-completion-action=\"PROHIBIT\"/> %</label>");
  MrrtRead read = read_mrrt(file);
  ASSERT_TRUE(read.value) << read.refusal;
  EXPECT_EQ(section(*read.value, "impression")->text, "No pneumothorax. LVEF [[LVEF]] %");
  ASSERT_NE(field(*read.value, "LVEF"), nullptr);
  EXPECT_EQ(field(*read.value, "LVEF")->completion, "PROHIBIT");
  EXPECT_TRUE(std::ranges::any_of(read.value->macros, [](const Macro& m) { return m.text == "Pleural effusion."; }));
}

TEST(Mrrt, WhatVireoWritesReadsBackTheSame) {
  for (const ReportTemplate& original : vireo_templates()) {
    MrrtRead read = read_mrrt(write_mrrt(original, "2026-12-06"));
    ASSERT_TRUE(read.value) << original.code << ": " << read.refusal;
    const ReportTemplate& t = *read.value;
    EXPECT_EQ(t.code, original.code);
    EXPECT_EQ(t.name, original.name);
    EXPECT_EQ(t.modalities, original.modalities) << original.code;
    EXPECT_EQ(t.body_region, original.body_region);
    EXPECT_EQ(t.language, original.language);
    EXPECT_EQ((std::pair{t.findings_system, t.findings_rule}), (std::pair{original.findings_system, original.findings_rule}));
    ASSERT_EQ(t.sections.size(), original.sections.size()) << original.code;
    for (size_t i = 0; i < t.sections.size(); ++i) {
      EXPECT_EQ(t.sections[i].key, original.sections[i].key) << original.code;
      EXPECT_EQ(t.sections[i].title, original.sections[i].title) << original.code;
      EXPECT_EQ(t.sections[i].text, original.sections[i].text) << original.code << " " << t.sections[i].key;
    }
    EXPECT_EQ(t.fields, original.fields) << original.code;
    EXPECT_EQ(t.macros, original.macros) << original.code;
  }
}

TEST(Mrrt, AFileThatIsNotAnMrrtTemplateIsRefusedWithTheReason) {
  const std::string good = fixture("cardiac_mr.html");
  const std::pair<std::string, std::string> cases[] = {
      {"%PDF-1.7 not a template", "no <html>"},
      {replaced(good, "<meta charset=\"UTF-8\"/>", ""), "UTF-8"},
      {replaced(good, "</head>", "</head><head></head>"), "2 <head>"},
      {replaced(good, "<title>Cardiac MRI: function</title>", ""), "<title>"},
      {replaced(good, "<script type=\"text/xml\">", "<script type=\"text/plain\">"), "script type=\"text/xml\""},
      {replaced(good, "<status>ACTIVE</status>", "<status>FINISHED</status>"), "FINISHED"},
      {replaced(good, " <code meaning=\"heart\" value=\"RID1385\" scheme=\"RadLex\">",
                " <code meaning=\"heart\" value=\"RID1385\" scheme=\"RadLex\"></code><code meaning=\"x\" value=\"y\" "
                "scheme=\"RadLex\">"),
       "2 <code>"},
      {replaced(good, "value=\"RID1385\" scheme=\"RadLex\"", "value=\"RID1385\""), "meaning, value or scheme"},
      {replaced(good, "<template_attributes>", "<attributes>"), "<template_attributes>"},
      {replaced(good, "content=\"IMAGE_REPORT_TEMPLATE\"", "content=\"PRESENTATION\""), "IMAGE_REPORT_TEMPLATE"},
      {"<html><head><meta charset=\"UTF-8\"/><title>x</title><meta name=\"dcterms.identifier\" content=\"x\"/>"
       "<script type=\"text/xml\"><template_attributes></template_attributes></script></head><body><p>no sections</p>"
       "</body></html>",
       "no <section>"},
  };
  for (const auto& [file, reason] : cases) {
    MrrtRead read = read_mrrt(file);
    EXPECT_FALSE(read.value) << reason;
    EXPECT_NE(read.refusal.find(reason), std::string::npos) << "wanted '" << reason << "' in: " << read.refusal;
  }
  EXPECT_FALSE(read_mrrt(std::string(kMaxMrrtBytes + 1, ' ')).value);
  // Nested ten thousand deep: refused, without exhausting the stack.
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "<div>";
  MrrtRead nested = read_mrrt(replaced(good, "<header class=\"level1\">Impression</header>", "<header>Impression</header>" + deep));
  EXPECT_FALSE(nested.value);
  EXPECT_NE(nested.refusal.find("nests"), std::string::npos) << nested.refusal;
}

TEST(TemplateRules, ATemplateAsDataIsCheckedFieldByField) {
  ReportTemplate t = *vireo_template("VIR-US-OB");
  EXPECT_TRUE(template_errors(t).empty());
  t.code = "lower case";
  t.modalities = {"CT", "XX"};
  t.fields[0].type = "SLIDER";
  t.fields[1].label = "BPD";
  t.macros[0].shortcut = "Ctrl+1";
  t.macros[1].section = "nowhere";
  t.findings_rule = "block";
  std::vector<std::string> fields;
  for (const auto& e : template_errors(t)) fields.push_back(e.field + " " + e.rule);
  EXPECT_EQ(fields, (std::vector<std::string>{"code format", "modalities/1 vocabulary", "fields/0/label duplicate",
                                              "fields/0/type vocabulary", "fields/1/label duplicate", "macros/0/shortcut format",
                                              "macros/1/section unknown", "findingsRule required"}));
}

TEST(TemplateRules, NoBlankIsSignedAndOneTheTemplateRequiresIsToBeFilledIn) {
  const ReportTemplate& ob = *vireo_template("VIR-US-OB");
  ReportContent c;
  c.template_code = ob.code;
  c.sections = {{"findings", "Findings", ob.sections[3].text}, {"impression", "Impression", "Normal."}};
  auto checks = sign_checks(c, {}, false, "US", &ob);
  std::vector<std::string> seen;
  for (const auto& check : checks) seen.push_back(check.rule + " " + check.level);
  EXPECT_EQ(seen, (std::vector<std::string>{"field_unfilled block", "field_unfilled block", "field_unfilled block",
                                            "field_unfilled block", "field_required block"}));
  EXPECT_EQ(checks[4].detail, "The findings still have the blank “Placenta”, which the template requires: fill it in");
  EXPECT_EQ(checks[0].blank, "BPD");
  // Whatever template the text says it is from now, or none: a placeholder is not signed.
  auto untemplated = sign_checks(c, {}, false, "US", nullptr);
  ASSERT_EQ(untemplated.size(), 5u);
  EXPECT_EQ(untemplated[4].rule + " " + untemplated[4].level, "field_unfilled block");
  EXPECT_EQ(sign_checks(c, {}, true, "US", nullptr).size(), 5u) << "nor in an addendum";
  c.sections[0].text = "Biometry: BPD 71 mm, HC 260 mm, AC 240 mm, FL 52 mm.\nPlacenta: posterior, not low-lying.";
  EXPECT_TRUE(sign_checks(c, {}, false, "US", &ob).empty());
  EXPECT_EQ(blanks_in("a [[x]] b [[]] c [[y\nz]] [[w"), std::vector<std::string>{"x"});
  EXPECT_EQ(blanks_in("See [[ prior. BPD [[BPD]] mm"), std::vector<std::string>{"BPD"}) << "a stray mark hides nothing";
  const std::string long_label(300, 'x');
  EXPECT_EQ(blanks_in("[[" + long_label + "]]"), std::vector<std::string>{long_label}) << "however long, it is a blank";
}

}  // namespace
}  // namespace vireo::reporting
