#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "ris/patient_rules.hpp"
#include "ris/patients.hpp"
#include "ris_test_support.hpp"
#include "test_database.hpp"
#include "test_dir.hpp"

namespace vireo::ris {
namespace {

namespace fs = std::filesystem;

PatientFields person(std::string family, std::string given, std::string birth,
                     std::string sex = "F") {
  PatientFields p;
  p.name.family = std::move(family);
  p.name.given = std::move(given);
  p.birth_date = std::move(birth);
  p.sex = std::move(sex);
  return p;
}

using testing_support::rules_of;

TEST(PatientRules, EachFieldSaysWhatIsWrongWithIt) {
  using V = std::vector<std::string>;
  const std::string today = "2026-12-05";
  EXPECT_TRUE(validate(person("García", "María", "1980-02-29"), today).empty());
  EXPECT_EQ(rules_of(validate(person("", "María", "1980-01-01"), today), "familyName"),
            V{"required"});
  EXPECT_EQ(rules_of(validate(person("A", "B", "1981-02-29"), today), "birthDate"), V{"format"})
      << "not a leap year";
  EXPECT_EQ(rules_of(validate(person("A", "B", "1980-13-01"), today), "birthDate"), V{"format"});
  EXPECT_EQ(rules_of(validate(person("A", "B", "01/02/1980"), today), "birthDate"), V{"format"});
  EXPECT_EQ(rules_of(validate(person("A", "B", "2026-12-06"), today), "birthDate"), V{"future"});
  EXPECT_TRUE(rules_of(validate(person("A", "B", "2026-12-05"), today), "birthDate").empty())
      << "born today";
  EXPECT_EQ(rules_of(validate(person("A", "B", "1879-12-31"), today), "birthDate"), V{"too_old"});
  EXPECT_EQ(rules_of(validate(person("A", "B", ""), today), "birthDate"), V{"required"});
  EXPECT_EQ(rules_of(validate(person("A", "B", "1980-01-01", "X"), today), "sex"), V{"unknown"});
  EXPECT_EQ(rules_of(validate(person("A", "B", "1980-01-01", ""), today), "sex"), V{"required"});
  EXPECT_EQ(rules_of(validate(person("A^B", "B", "1980-01-01"), today), "familyName"), V{"format"})
      << "a DICOM name's delimiter";
  EXPECT_EQ(
      rules_of(validate(person(std::string(65, 'A'), "B", "1980-01-01"), today), "familyName"),
      V{"too_long"});
  EXPECT_TRUE(validate(person("山田", "太郎", "1980-01-01", "M"), today).empty())
      << "non-Latin names as typed";
  EXPECT_EQ(rules_of(validate(person("Bad\xFFutf8", "B", "1980-01-01"), today), "familyName"),
            V{"format"});
  auto p = person("A", "B", "1980-01-01");
  for (auto [phone, ok] : {std::pair{"+34 600 123 456", true},
                           {"(93) 123-4567", true},
                           {"12345", false},
                           {"600 12a 456", false},
                           {"34+600123456", false},
                           {"1234567890123456", false}}) {
    p.phone = phone;
    EXPECT_EQ(rules_of(validate(p, today), "phone").empty(), ok) << phone;
  }
  p.phone = "";
  for (auto [email, ok] : {std::pair{"ana@example.org", true},
                           {"ana@example", false},
                           {"@example.org", false},
                           {"a b@example.org", false},
                           {"a@b@example.org", false}}) {
    p.email = email;
    EXPECT_EQ(rules_of(validate(p, today), "email").empty(), ok) << email;
  }
  p.email = "";
  p.notes = "line one\nline two";
  EXPECT_TRUE(validate(p, today).empty()) << "notes keep their lines";
  for (const char* broken : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "a\xC2\x85"}) {
    p.notes = broken;  // overlong, a surrogate, past U+10FFFF, a C1 control
    EXPECT_EQ(rules_of(validate(p, today), "notes"), V{"format"}) << broken;
  }
  p.notes = "";
  p.national_id = "bad\nid";
  EXPECT_EQ(rules_of(validate(p, today), "nationalId"), V{"format"});
  p.national_id = "";
  p.mrn = "12*";
  p.mrn_issuer = "CLINIC?";
  EXPECT_EQ(rules_of(validate(p, today), "mrn"), V{"format"}) << "a wildcard finds other patients";
  EXPECT_EQ(rules_of(validate(p, today), "mrnIssuer"), V{"format"});
}

// The table the browser's form runs too (web/src/ris/patientForm.test.ts): both must agree.
TEST(PatientRules, TheCasesSharedWithTheBrowserForm) {
  std::ifstream in(VIREO_FIXTURES "/patient_rule_cases.json");
  ASSERT_TRUE(in);
  auto table = nlohmann::json::parse(in);
  const auto& valid = table["valid"];
  for (const auto& c : table["cases"]) {
    auto p = person(valid["familyName"], valid["givenName"], valid["birthDate"], valid["sex"]);
    const std::string field = c["field"], value = c["value"];
    std::map<std::string, std::string*> members = {
        {"familyName", &p.name.family}, {"givenName", &p.name.given},
        {"birthDate", &p.birth_date},   {"sex", &p.sex},
        {"phone", &p.phone},            {"email", &p.email},
        {"address", &p.address},        {"nationalId", &p.national_id},
        {"insuranceNumber", &p.insurance_number}, {"allergies", &p.allergies},
        {"notes", &p.notes}};
    ASSERT_TRUE(members.contains(field)) << field;
    *members[field] = value;
    auto errors = validate(p, table["today"].get<std::string>());
    std::vector<std::string> expected;
    if (!c["rule"].is_null()) expected.push_back(c["rule"]);
    EXPECT_EQ(rules_of(errors, field), expected) << field << " = " << value;
    EXPECT_EQ(errors.size(), expected.size()) << field << " = " << value << ": another field refused";
  }
}

TEST(PatientRules, NamesThatSoundAlikeShareAKey) {
  EXPECT_EQ(name_key(" Núñez "), "NUNEZ");
  EXPECT_EQ(sound_key("González"), sound_key("Gonsales"));
  EXPECT_EQ(sound_key("Valverde"), sound_key("Balberde"));
  EXPECT_EQ(sound_key("Jiménez"), sound_key("Gimenez"));
  EXPECT_EQ(sound_key("Llorens"), sound_key("Yorens"));
  EXPECT_EQ(sound_key("Hernández"), sound_key("Ernandes"));
  EXPECT_EQ(sound_key("Quintana"), sound_key("Kintana"));
  EXPECT_EQ(sound_key("Rossell"), sound_key("Rosell"));
  EXPECT_NE(sound_key("García"), sound_key("Garrido"));
  EXPECT_NE(sound_key("Martín"), sound_key("Marín"));
  EXPECT_EQ(sound_key("山山田"), "山山田") << "other scripts as written, whole characters";
  EXPECT_EQ(identifier_key("12.345.678-z"), "12345678Z");
  EXPECT_EQ(phone_digits("+34 (600) 12-34"), "346001234");
}

TEST(PatientRules, MrnPatterns) {
  EXPECT_EQ(expand_mrn_pattern("{seq:8}", 42, "2026"), "00000042");
  EXPECT_EQ(expand_mrn_pattern("VIR{yyyy}-{seq:5}", 7, "2026"), "VIR2026-00007");
  EXPECT_EQ(expand_mrn_pattern("H", 123, "2026"), "H123") << "no {seq}: the counter appended";
  EXPECT_EQ(expand_mrn_pattern("{seq:2}", 12345, "2026"), "12345") << "padding never truncates";
  EXPECT_TRUE(mrn_pattern_problem("VIR{seq:7}").empty());
  EXPECT_FALSE(mrn_pattern_problem("{seq:2000000000}").empty()) << "refused, without making 2 GB";
  EXPECT_FALSE(mrn_pattern_problem("A\\{seq}").empty());
  EXPECT_FALSE(mrn_pattern_problem(std::string(60, 'A') + "{seq:8}").empty());
}

class PatientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("vireo-ris");
    db_ = testing::test_database(dir_);
    writes_ = testing::started_writes(*db_);
    auto p = Patients::open(*db_, *writes_, {"P{seq:4}", "CLINIC"});
    ASSERT_TRUE(p) << p.error().message();
    patients_ = std::move(*p);
  }
  void TearDown() override {
    patients_.reset();
    writes_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  Patient registered(PatientFields f, bool confirmed = false) {
    auto o = patients_->create(f, "maria", confirmed);
    EXPECT_TRUE(o) << o.error().message();
    if (!o) return {};
    EXPECT_TRUE(o->saved()) << (o->invalid.empty() ? "duplicate" : o->invalid.front().message);
    return o->patient;
  }
  int64_t count() {
    auto c = db_->connect();
    return (*(*c)->query("SELECT COUNT(*) FROM ris_patients", {}))[0].integer(0);
  }
  std::vector<std::string> found(const std::string& text, const std::string& birth = "") {
    auto r = patients_->search({text, birth, 50, 0});
    EXPECT_TRUE(r) << r.error().message();
    std::vector<std::string> mrns;
    for (const auto& p : *r) mrns.push_back(p.mrn);
    return mrns;
  }
  fs::path dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<WriteQueue> writes_;
  std::unique_ptr<Patients> patients_;
};

TEST_F(PatientsTest, RegistrationMakesMrnsAndRefusesWhatIsInvalidWithoutSavingIt) {
  auto ana = registered(person(" García López ", "Ana", "1980-02-29", "f"));
  EXPECT_EQ(ana.mrn, "P0001");
  EXPECT_EQ(ana.mrn_issuer, "CLINIC");
  EXPECT_EQ(ana.name.family, "García López") << "trimmed, kept as typed";
  EXPECT_EQ(ana.sex, "F");
  EXPECT_EQ(ana.version, 1);
  auto typed = person("Puig", "Jordi", "1975-06-01", "M");
  typed.mrn = "P0002";  // from another system: the generated numbers step over it
  EXPECT_EQ(registered(typed).mrn, "P0002");
  EXPECT_EQ(registered(person("Soler", "Marta", "1990-01-01")).mrn, "P0003");
  auto taken = patients_->create(typed, "maria", true);
  ASSERT_TRUE(taken);
  EXPECT_EQ(rules_of(taken->invalid, "mrn"), std::vector<std::string>{"taken"});
  auto bad = patients_->create(person("X", "Y", "2999-01-01"), "maria", true);
  ASSERT_TRUE(bad);
  EXPECT_FALSE(bad->saved());
  EXPECT_EQ(count(), 3) << "nothing saved from the refused ones";
}

TEST_F(PatientsTest, ASecondRegistrationOfTheSamePersonIsShownTheFirst) {
  auto first = person("González", "María", "1970-05-04");
  first.national_id = "12345678-Z";
  auto ana = registered(first);
  // The same birth date and a name spelt another way: shown, not saved.
  auto o = patients_->create(person("Gonsales", "Maria", "1970-05-04"), "maria", false);
  ASSERT_TRUE(o);
  ASSERT_EQ(o->duplicates.size(), 1u);
  EXPECT_EQ(o->duplicates[0].patient.id, ana.id);
  EXPECT_EQ(o->duplicates[0].reason, "name_and_birth_date");
  // The same national ID, whatever the name.
  auto other = person("Smith", "John", "1999-01-01", "M");
  other.national_id = "12345678z";
  o = patients_->create(other, "maria", false);
  ASSERT_TRUE(o);
  ASSERT_EQ(o->duplicates.size(), 1u);
  EXPECT_EQ(o->duplicates[0].reason, "national_id");
  EXPECT_EQ(count(), 1);
  // Another person of the same birth date, and a relative with another given name: no warning.
  EXPECT_EQ(registered(person("Pérez", "María", "1970-05-04")).name.family, "Pérez");
  EXPECT_EQ(registered(person("González", "Pedro", "1970-05-04", "M")).name.given, "Pedro");
  // A newborn registered without a given name may be the same child.
  auto baby = registered(person("Soler", "", "2026-11-30"));
  o = patients_->create(person("Soler", "Laia", "2026-11-30"), "maria", false);
  ASSERT_TRUE(o);
  ASSERT_EQ(o->duplicates.size(), 1u);
  EXPECT_EQ(o->duplicates[0].patient.id, baby.id);
  // Confirmed: the receptionist says it is somebody else.
  EXPECT_NE(registered(person("Gonzalez", "Maria", "1970-05-04"), true).id, ana.id);
  EXPECT_EQ(count(), 5);
}

// A placeholder birth date shared by hundreds of patients does not hide the same person.
TEST_F(PatientsTest, ABusyBirthDateStillFindsTheSamePerson) {
  for (int i = 0; i < 600; ++i)
    registered(person("Other" + std::to_string(i), "X", "1900-01-01"), true);
  auto late = person("Ibáñez", "Rosa", "1900-01-01");
  late.national_id = "B-1234";
  registered(late, true);
  auto o = patients_->create(person("Ibanes", "Rosa", "1900-01-01"), "maria", false);
  ASSERT_TRUE(o);
  ASSERT_EQ(o->duplicates.size(), 1u);
  EXPECT_EQ(o->duplicates[0].reason, "name_and_birth_date");
  auto same_id = person("Anybody", "Else", "1900-01-01");
  same_id.national_id = "b1234";
  o = patients_->create(same_id, "maria", false);
  ASSERT_TRUE(o);
  ASSERT_EQ(o->duplicates.size(), 1u) << "listed once, though it is of the same date too";
  EXPECT_EQ(o->duplicates[0].reason, "national_id");
}

TEST_F(PatientsTest, AnotherIssuersPatientNeedsItsMrn) {
  auto p = person("Vives", "Pau", "1970-01-01", "M");
  p.mrn_issuer = "OTHERHOSP";
  auto o = patients_->create(p, "maria", true);
  ASSERT_TRUE(o);
  EXPECT_EQ(rules_of(o->invalid, "mrn"), std::vector<std::string>{"required"});
  p.mrn = "H-77";
  EXPECT_EQ(registered(p, true).mrn_issuer, "OTHERHOSP");
  EXPECT_EQ(count(), 1);
}

TEST_F(PatientsTest, SearchByNameFragmentMrnPhoneNationalIdAndBirthDate) {
  auto a = person("García López", "María", "1980-02-29");
  a.phone = "+34 600 123 456";
  a.national_id = "X1234567L";
  registered(a);
  registered(person("Garcés", "Pau", "1990-03-03", "M"));
  registered(person("López", "Garcilaso", "1960-01-01", "M"));
  registered(person("山田", "太郎", "1985-07-07", "M"));
  using V = std::vector<std::string>;
  EXPECT_EQ(found("garc"), (V{"P0002", "P0001"}))
      << "by family name, in name order (not López, Garcilaso)";
  EXPECT_EQ(found("GARCIA"), V{"P0001"}) << "accents and case ignored";
  EXPECT_EQ(found("garcia lopez"), V{"P0001"}) << "two family names";
  EXPECT_EQ(found("garcia m"), V{"P0001"}) << "family then given";
  EXPECT_EQ(found("López, Garci"), V{"P0003"});
  EXPECT_EQ(found("P0002"), V{"P0002"});
  EXPECT_EQ(found("600 123 456"), V{"P0001"}) << "the number without its country code";
  EXPECT_EQ(found("x1234567-l"), V{"P0001"});
  EXPECT_EQ(found("山田"), V{"P0004"});
  EXPECT_EQ(found("", "1990-03-03"), V{"P0002"});
  EXPECT_EQ(found("garc", "1990-03-03"), V{"P0002"});
  EXPECT_EQ(found("garc", "1960-01-01"), V{});
  EXPECT_EQ(found("gar*"), found("gar"))
      << "a typed wildcard adds nothing: names match by their start";
  EXPECT_EQ(found("g?rc"), V{}) << "nor is ? a pattern";
  EXPECT_EQ(found("[g]arc"), V{});
  auto page = patients_->search({"", "", 2, 1});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].mrn, "P0001") << "Garcés, García López, López, 山田: the second and third";
  EXPECT_EQ((*page)[1].mrn, "P0003");
  // A patient found both by name and by MRN is listed once, and pages stay in name order.
  EXPECT_EQ(found("P0001"), V{"P0001"});
  auto both = person("P0001", "Homonym", "1999-09-09");
  registered(both);
  EXPECT_EQ(found("P0001"), (V{"P0001", "P0005"}))
      << "the MRN's patient, and one whose family name starts so";
  page = patients_->search({"P0001", "", 1, 1});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].mrn, "P0005");
}

TEST_F(PatientsTest, AnEditOnAStaleCopyIsRefused) {
  auto ana = registered(person("Roca", "Ana", "1980-01-01"));
  auto changed = person("Roca", "Anna", "1980-01-01");
  changed.allergies = "iodinated contrast: hives";
  changed.contrast_allergy = true;
  auto o = patients_->update(ana.id, 1, changed, "joan");
  ASSERT_TRUE(o) << o.error().message();
  ASSERT_TRUE(o->saved());
  EXPECT_EQ(o->patient.version, 2);
  EXPECT_EQ(o->patient.name.given, "Anna");
  EXPECT_EQ(o->patient.mrn, ana.mrn) << "the MRN stays";
  EXPECT_TRUE(o->patient.contrast_allergy);
  auto stale = patients_->update(ana.id, 1, person("Roca", "Ana María", "1980-01-01"), "maria");
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::AlreadyExists);
  EXPECT_EQ((*patients_->get(ana.id))->name.given, "Anna");
  auto missing = patients_->update(999, 1, changed, "joan");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
  auto invalid = patients_->update(ana.id, 2, person("Roca", "Anna", "tomorrow"), "joan");
  ASSERT_TRUE(invalid);
  EXPECT_FALSE(invalid->saved());
  EXPECT_EQ((*patients_->get(ana.id))->version, 2);
}

// Two nodes (two write queues on one database) registering at once: every MRN made once.
TEST_F(PatientsTest, MrnsStayUniqueWhenTwoNodesRegisterAtOnce) {
  auto writes_b = testing::started_writes(*db_);
  auto node_b = Patients::open(*db_, *writes_b, {"P{seq:4}", "CLINIC"});
  ASSERT_TRUE(node_b);
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<std::string> mrns;
  int failures = 0;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Patients& node = t % 2 ? **node_b : *patients_;
      for (int i = 0; i < 10; ++i) {
        auto o = node.create(
            person("Node" + std::to_string(t), "P" + std::to_string(i), "2000-01-01"), "x", true);
        std::lock_guard lock(mutex);
        if (!o || !o->saved())
          ++failures;
        else
          mrns.insert(o->patient.mrn);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(mrns.size(), 80u);
  EXPECT_EQ(count(), 80);
}

}  // namespace
}  // namespace vireo::ris
