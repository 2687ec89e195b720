#include <gtest/gtest.h>

#include "ris/catalogue_rules.hpp"
#include "ris/catalogue_store.hpp"
#include "ris_test_support.hpp"
#include "test_database.hpp"
#include "test_dir.hpp"

namespace vireo::ris {
namespace {

namespace fs = std::filesystem;
using V = std::vector<std::string>;

using testing_support::rules_of;

ProcedureFields ct_chest() {
  ProcedureFields p;
  p.code = "CT-THX-C";
  p.name = "CT chest with contrast";
  p.modality = "ct";
  p.body_part = "chest";
  p.duration_minutes = 20;
  p.preparation = "Nothing to eat for 4 hours.\nBring your creatinine result.";
  p.consent_types = {"contrast"};
  p.price_cents = 18000;
  p.needs_contrast_technician = true;
  return p;
}

RoomFields ct_room() {
  RoomFields r;
  r.name = "CT 1";
  r.modality = "CT";
  r.ae_title = "CT1_SOMATOM";
  // Mornings and afternoons on weekdays, with a lunch break; Saturday mornings.
  for (int d = 1; d <= 5; ++d) {
    r.hours.push_back({d, "08:00", "14:00"});
    r.hours.push_back({d, "15:00", "20:00"});
  }
  r.hours.push_back({6, "09:00", "13:00"});
  return r;
}

TEST(CatalogueRules, AProcedureSaysWhatIsWrongWithEachField) {
  EXPECT_TRUE(validate(tidy(ct_chest())).empty());
  EXPECT_EQ(tidy(ct_chest()).modality, "CT");
  EXPECT_EQ(tidy(ct_chest()).body_part, "CHEST");
  auto p = ct_chest();
  p.code = "";
  p.name = "";
  p.modality = "";
  auto e = validate(tidy(p));
  EXPECT_EQ(rules_of(e, "code"), V{"required"});
  EXPECT_EQ(rules_of(e, "name"), V{"required"});
  EXPECT_EQ(rules_of(e, "modality"), V{"required"});
  p = ct_chest();
  p.code = "CT THX";
  p.modality = "XR";
  p.duration_minutes = 7;
  p.consent_types = {"Contrast!"};
  p.price_cents = -1;
  p.daily_limit = 5000;
  p.name = "CT\\chest";
  e = validate(tidy(p));
  EXPECT_EQ(rules_of(e, "code"), V{"format"});
  EXPECT_EQ(rules_of(e, "modality"), V{"unknown"});
  EXPECT_EQ(rules_of(e, "durationMinutes"), V{"range"});
  EXPECT_EQ(rules_of(e, "consentTypes"), V{"format"});
  EXPECT_EQ(rules_of(e, "priceCents"), V{"range"});
  EXPECT_EQ(rules_of(e, "dailyLimit"), V{"range"});
  EXPECT_EQ(rules_of(e, "name"), V{"format"}) << "a DICOM delimiter";
  p = ct_chest();
  for (int64_t minutes : {0, 485, -5}) {
    p.duration_minutes = minutes;
    EXPECT_EQ(rules_of(validate(p), "durationMinutes"), V{"range"}) << minutes;
  }
}

TEST(CatalogueRules, ARoomsHoursAreRealNonOverlappingIntervals) {
  EXPECT_TRUE(validate(tidy(ct_room())).empty());
  EXPECT_EQ(minutes_of_day("07:30"), 450);
  EXPECT_EQ(minutes_of_day("24:00"), 1440);
  for (const char* bad : {"24:01", "7:30", "07:60", "0730", "ab:cd", ""})
    EXPECT_EQ(minutes_of_day(bad), -1) << bad;
  for (auto [interval, rule] : {std::pair{OpeningInterval{8, "08:00", "14:00"}, "format"},
                                std::pair{OpeningInterval{1, "14:00", "08:00"}, "order"},
                                std::pair{OpeningInterval{1, "08:00", "08:00"}, "order"},
                                std::pair{OpeningInterval{1, "13:30", "16:00"}, "overlap"},
                                std::pair{OpeningInterval{1, "8:00", "9:00"}, "format"}}) {
    auto r = ct_room();
    r.hours.push_back(interval);
    EXPECT_EQ(rules_of(validate(tidy(r)), "hours"), V{rule})
        << interval.opens << "-" << interval.closes;
  }
  auto r = ct_room();
  r.hours.push_back({1, "14:00", "15:00"});  // the lunch break filled: touching, not overlapping
  EXPECT_TRUE(validate(tidy(r)).empty());
  r = ct_room();
  r.ae_title = "A_VERY_LONG_AE_TITLE";
  EXPECT_EQ(rules_of(validate(r), "aeTitle"), V{"too_long"});
  r.ae_title = "CT\\1";
  EXPECT_EQ(rules_of(validate(r), "aeTitle"), V{"format"});
  r.ae_title = "";
  EXPECT_TRUE(validate(r).empty()) << "not connected yet";
}

TEST(CatalogueRules, AClosureHasItsDaysInOrderAndAReason) {
  EXPECT_TRUE(validate(ClosureFields{0, "2026-12-25", "2026-12-26", "Christmas"}).empty());
  auto e = validate(ClosureFields{3, "2026-12-26", "2026-12-25", ""});
  EXPECT_EQ(rules_of(e, "endsOn"), V{"order"});
  EXPECT_EQ(rules_of(e, "reason"), V{"required"});
  e = validate(ClosureFields{3, "2026-02-30", "", "x"});
  EXPECT_EQ(rules_of(e, "startsOn"), V{"format"});
  EXPECT_EQ(rules_of(e, "endsOn"), V{"required"});
}

class CatalogueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("vireo-catalogue");
    db_ = testing::test_database(dir_);
    writes_ = testing::started_writes(*db_);
    auto c = Catalogue::open(*db_, *writes_);
    ASSERT_TRUE(c) << c.error().message();
    catalogue_ = std::move(*c);
  }
  void TearDown() override {
    catalogue_.reset();
    writes_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  int64_t count(const char* table) {
    auto c = db_->connect();
    return (*(*c)->query(std::string("SELECT COUNT(*) FROM ") + table, {}))[0].integer(0);
  }
  std::unique_ptr<Catalogue> catalogue_;

 private:
  fs::path dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<WriteQueue> writes_;
};

TEST_F(CatalogueTest, ProceduresAreSavedEditedByVersionAndRetired) {
  auto made = catalogue_->create_procedure(ct_chest(), "admin");
  ASSERT_TRUE(made && made->saved());
  const Procedure& p = made->value;
  EXPECT_EQ(p.modality, "CT");
  EXPECT_EQ(p.consent_types, V{"contrast"});
  EXPECT_EQ(p.preparation, "Nothing to eat for 4 hours.\nBring your creatinine result.");
  EXPECT_TRUE(p.needs_contrast_technician);
  EXPECT_EQ(p.version, 1);

  auto again = catalogue_->create_procedure(ct_chest(), "admin");
  ASSERT_TRUE(again);
  EXPECT_EQ(rules_of(again->invalid, "code"), V{"taken"});
  EXPECT_EQ(count("ris_procedures"), 1);

  auto edit = ct_chest();
  edit.duration_minutes = 25;
  edit.consent_types = {"contrast", "pregnancy"};
  auto edited = catalogue_->update_procedure(p.id, 1, edit, "admin");
  ASSERT_TRUE(edited && edited->saved());
  EXPECT_EQ(edited->value.duration_minutes, 25);
  EXPECT_EQ(edited->value.consent_types, (V{"contrast", "pregnancy"}));
  EXPECT_EQ(edited->value.version, 2);
  auto stale = catalogue_->update_procedure(p.id, 1, ct_chest(), "other");
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::AlreadyExists);
  auto missing = catalogue_->update_procedure(999, 1, ct_chest(), "admin");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);

  auto us = ct_chest();
  us.code = "US-ABD";
  us.name = "Abdominal ultrasound";
  us.modality = "US";
  us.consent_types = {};
  us.needs_radiologist = true;
  ASSERT_TRUE(catalogue_->create_procedure(us, "admin")->saved());
  edit.active = false;
  ASSERT_TRUE(catalogue_->update_procedure(p.id, 2, edit, "admin")->saved());
  auto listed = catalogue_->procedures({});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u) << "the retired one is not offered";
  EXPECT_EQ(listed->front().code, "US-ABD");
  EXPECT_EQ(catalogue_->procedures({.modality = {}, .include_retired = true})->size(), 2u);
  EXPECT_EQ(catalogue_->procedures({.modality = "CT", .include_retired = true})->size(), 1u);
}

TEST_F(CatalogueTest, RoomsKeepTheirHoursAndClosures) {
  auto made = catalogue_->create_room(ct_room(), "admin");
  ASSERT_TRUE(made && made->saved());
  Room room = made->value;
  EXPECT_EQ(room.hours.size(), 11u);
  EXPECT_EQ(room.hours.front(), (OpeningInterval{1, "08:00", "14:00"}));
  EXPECT_EQ(room.ae_title, "CT1_SOMATOM");
  auto same = catalogue_->create_room(ct_room(), "admin");
  EXPECT_EQ(rules_of(same->invalid, "name"), V{"taken"});

  auto edit = ct_room();
  edit.hours = {{1, "09:00", "17:00"}};
  auto edited = catalogue_->update_room(room.id, room.version, edit, "admin");
  ASSERT_TRUE(edited && edited->saved());
  EXPECT_EQ(edited->value.hours, (std::vector<OpeningInterval>{{1, "09:00", "17:00"}}));
  EXPECT_EQ(count("ris_room_hours"), 1) << "the old hours replaced";
  auto stale = catalogue_->update_room(room.id, room.version, ct_room(), "other");
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::AlreadyExists);
  EXPECT_EQ(count("ris_room_hours"), 1) << "nothing of the stale edit written";

  auto mr = ct_room();
  mr.name = "MR 1";
  mr.modality = "MR";
  auto mr_room = catalogue_->create_room(mr, "admin")->value;
  auto maintenance =
      catalogue_->add_closure({room.id, "2026-12-14", "2026-12-16", "Tube change"}, "admin");
  ASSERT_TRUE(maintenance && maintenance->saved());
  ASSERT_TRUE(
      catalogue_->add_closure({0, "2026-12-25", "2026-12-25", "Christmas"}, "admin")->saved());
  auto nowhere = catalogue_->add_closure({777, "2026-12-25", "2026-12-25", "x"}, "admin");
  EXPECT_EQ(rules_of(nowhere->invalid, "roomId"), V{"unknown"});

  auto ct_december = catalogue_->closures(room.id, "2026-12-01", "2026-12-31");
  ASSERT_TRUE(ct_december);
  EXPECT_EQ(ct_december->size(), 2u) << "its own and every room's";
  auto mr_december = catalogue_->closures(mr_room.id, "2026-12-01", "2026-12-31");
  EXPECT_EQ(mr_december->size(), 1u);
  EXPECT_EQ(catalogue_->closures(room.id, "2026-12-16", "2026-12-16")->size(), 1u)
      << "the last day of a closure is closed";
  EXPECT_EQ(catalogue_->closures(room.id, "2026-12-17", "2026-12-24")->size(), 0u);
  ASSERT_TRUE(catalogue_->remove_closure(maintenance->value.id));
  EXPECT_EQ(catalogue_->remove_closure(maintenance->value.id).error().code, ErrorCode::NotFound);
  EXPECT_EQ(catalogue_->closures(room.id, "2026-12-01", "2026-12-31")->size(), 1u);
}

}  // namespace
}  // namespace vireo::ris
