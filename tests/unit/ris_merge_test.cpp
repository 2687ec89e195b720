// Merging two registrations of one patient on a real database (SQLite here, PostgreSQL under
// unit.postgresql): what moves, what the merged registration can still do, the refusals (which
// change nothing), and an administrator's undoing.
#include <gtest/gtest.h>

#include "events/outbox.hpp"
#include "manual_clock.hpp"
#include "ris/catalogue_store.hpp"
#include "ris/orders.hpp"
#include "ris/patient_merge.hpp"
#include "ris/patients.hpp"
#include "ris/schedule.hpp"
#include "ris_test_support.hpp"
#include "test_database.hpp"
#include "test_dir.hpp"

namespace vireo::ris {
namespace {

namespace fs = std::filesystem;
using testing_support::rules_of;
using testing_support::signed_in;

class MergesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("vireo-merges");
    db_ = testing::test_database(dir_);
    writes_ = testing::started_writes(*db_);
    outbox_ = std::move(*events::Outbox::open(*db_));
    for (const char* topic : {kPatientMerged, kPatientUnmerged})
      outbox_->route(topic, "test-consumer");
    patients_ = std::move(*Patients::open(*db_, *writes_, {"P{seq:4}", "CLINIC"}));
    catalogue_ = std::move(*Catalogue::open(*db_, *writes_));
    orders_ = std::move(*Orders::open(*db_, *writes_, *outbox_, {"A{seq:6}"}));
    clock_.now = 1'800'000'000;
    schedule_ = std::move(
        *Schedule::open(*db_, *writes_, *outbox_, *TimeZone::named("Europe/Madrid"), clock_));
    auto merges = Merges::open(*db_, *writes_, *outbox_);
    ASSERT_TRUE(merges) << merges.error().message();
    merges_ = std::move(*merges);
    ProcedureFields p;
    p.code = "CT-THX";
    p.name = "CT chest";
    p.modality = "CT";
    p.duration_minutes = 15;
    chest_ = catalogue_->create_procedure(p, "admin")->value.id;
    kept_ = patient("García", "1975-03-14");
    twice_ = patient("Garcia", "1975-03-14");
  }
  void TearDown() override {
    merges_.reset();
    schedule_.reset();
    orders_.reset();
    catalogue_.reset();
    patients_.reset();
    outbox_.reset();
    writes_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  int64_t patient(const std::string& family, const std::string& born) {
    PatientFields f;
    f.name.family = family;
    f.name.given = "Ana";
    f.birth_date = born;
    f.sex = "F";
    return patients_->create(f, "rosa", true)->patient.id;
  }
  int64_t order(int64_t who) {
    OrderFields f;
    f.patient_id = who;
    f.procedure_ids = {chest_};
    f.reason = "Staging";
    f.referring_physician = "Dr. Serra";
    auto made = orders_->create(f, "rosa");
    EXPECT_TRUE(made && made->saved());
    return made->value.id;
  }
  int64_t version(int64_t id) { return (*patients_->get(id))->version; }
  int64_t owner(int64_t order_id) { return (*orders_->get(order_id))->patient_id; }
  MergeRequest twice_into_kept(const std::string& reason = "Registered twice at the desk") {
    return {twice_, version(twice_), kept_, version(kept_), reason};
  }
  // What a refusal must leave as it was.
  std::string snapshot() {
    return testing_support::rows_text(
        *db_, {"SELECT id, merged_into, version FROM ris_patients ORDER BY id",
               "SELECT id, patient_id, version FROM ris_orders ORDER BY id",
               "SELECT id, patient_id, version FROM ris_appointment_requests ORDER BY id",
               "SELECT id, status, version FROM ris_patient_merges ORDER BY id",
               "SELECT merge_id, kind, item_id FROM ris_patient_merge_moves ORDER BY merge_id, kind, "
               "item_id",
               "SELECT topic, ids FROM outbox ORDER BY id"});
  }
  std::vector<std::string> events() {
    auto c = db_->connect();
    std::vector<std::string> out;
    auto rows = (*c)->query(
        "SELECT topic, ids FROM outbox WHERE topic LIKE 'ris.patient.%merged' ORDER BY id", {});
    for (const auto& r : *rows)
      out.push_back(r.text(0) + " " + r.text(1));
    return out;
  }

  fs::path dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<WriteQueue> writes_;
  std::unique_ptr<events::Outbox> outbox_;
  std::unique_ptr<Patients> patients_;
  std::unique_ptr<Catalogue> catalogue_;
  std::unique_ptr<Orders> orders_;
  testing::ManualClock clock_;
  std::unique_ptr<Schedule> schedule_;
  std::unique_ptr<Merges> merges_;
  int64_t chest_ = 0, kept_ = 0, twice_ = 0;
  const access::Principal desk_ = signed_in("rosa", access::Role::Receptionist);
  const access::Principal admin_ = signed_in("chief", access::Role::Admin);
};

TEST_F(MergesTest, AMergeMovesOrdersAndRequestsAndLeavesTheDuplicateFoundButInert) {
  const int64_t first = order(twice_), second = order(twice_), own = order(kept_);
  auto asked = schedule_->request({second, "", "", "any", "mornings"}, "staff", "rosa");
  ASSERT_TRUE(asked && asked->invalid.empty() && !asked->conflict);
  PatientFields allergic = **patients_->get(twice_);
  allergic.contrast_allergy = true;
  allergic.allergies = "Iodinated contrast: hives";
  ASSERT_TRUE(patients_->update(twice_, version(twice_), allergic, "rosa")->saved());

  auto done = merges_->merge(twice_into_kept(), desk_);
  ASSERT_TRUE(done) << done.error().message();
  ASSERT_TRUE(done->saved());
  EXPECT_EQ(done->value.status, "merged");
  EXPECT_EQ(done->value.orders, 2);
  EXPECT_EQ(done->value.requests, 1);
  EXPECT_EQ(done->value.merged_by, "rosa");
  for (int64_t o : {first, second, own}) EXPECT_EQ(owner(o), kept_);
  EXPECT_EQ((*schedule_->request_view(asked->value.id))->request.patient_id, kept_);
  auto kept = *patients_->get(kept_);
  EXPECT_TRUE(kept->contrast_allergy) << "a merge never loses a contrast allergy";
  EXPECT_NE(kept->allergies.find("Iodinated contrast: hives"), std::string::npos);
  EXPECT_EQ(events(), std::vector<std::string>{"ris.patient.merged merge=" +
                                               std::to_string(done->value.id) + "&source=" +
                                               std::to_string(twice_) +
                                               "&target=" + std::to_string(kept_)});

  // Still found by its MRN, marked; no longer offered as a duplicate; takes no edits or orders.
  auto gone = *patients_->get(twice_);
  EXPECT_EQ(gone->merged_into, kept_);
  auto found = patients_->search({gone->mrn, "", 10, 0});
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].merged_into, kept_);
  PatientFields third;
  third.name = {"Garcia", "Ana", "", "", ""};
  third.birth_date = "1975-03-14";
  third.sex = "F";
  auto warned = patients_->create(third, "rosa", false);
  ASSERT_TRUE(warned);
  ASSERT_EQ(warned->duplicates.size(), 1u);
  EXPECT_EQ(warned->duplicates[0].patient.id, kept_);
  auto edit = patients_->update(twice_, gone->version, third, "rosa");
  ASSERT_FALSE(edit);
  EXPECT_EQ(edit.error().code, ErrorCode::StateConflict);
  OrderFields more;
  more.patient_id = twice_;
  more.procedure_ids = {chest_};
  more.reason = "Follow-up";
  more.referring_physician = "Dr. Serra";
  auto refused = orders_->create(more, "rosa");
  ASSERT_TRUE(refused);
  EXPECT_EQ(rules_of(refused->invalid, "patientId"), std::vector<std::string>{"merged"});
}

TEST_F(MergesTest, WrongMergesAreRefusedAndChangeNothing) {
  order(twice_);
  const int64_t third = patient("Garcia", "1975-03-14");
  const std::string before = snapshot();
  auto self = merges_->merge({kept_, version(kept_), kept_, version(kept_), "same"}, desk_);
  ASSERT_TRUE(self);
  EXPECT_EQ(rules_of(self->invalid, "targetId"), std::vector<std::string>{"self"});
  auto no_reason = merges_->merge(twice_into_kept(""), desk_);
  EXPECT_EQ(rules_of(no_reason->invalid, "reason"), std::vector<std::string>{"required"});
  auto old = twice_into_kept();
  old.target_version -= 1;
  auto stale = merges_->merge(old, desk_);
  ASSERT_TRUE(stale && stale->conflict);
  EXPECT_EQ(stale->conflict->rule, "stale");
  auto unknown = merges_->merge({twice_, version(twice_), 9999, 1, "typo"}, desk_);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
  auto tech = merges_->merge(twice_into_kept(), signed_in("tomas", access::Role::Technician));
  ASSERT_FALSE(tech);
  EXPECT_EQ(tech.error().code, ErrorCode::Forbidden);
  EXPECT_EQ(snapshot(), before);

  ASSERT_TRUE(merges_->merge(twice_into_kept(), desk_)->saved());
  const std::string merged = snapshot();
  // Into a merged patient, or a merged one again.
  auto into_merged =
      merges_->merge({third, version(third), twice_, version(twice_), "again"}, desk_);
  EXPECT_EQ(rules_of(into_merged->invalid, "targetId"), std::vector<std::string>{"merged"});
  auto again = merges_->merge({twice_, version(twice_), third, version(third), "again"}, desk_);
  EXPECT_EQ(rules_of(again->invalid, "sourceId"), std::vector<std::string>{"merged"});
  EXPECT_EQ(snapshot(), merged);
}

TEST_F(MergesTest, AnAdministratorUndoesAMergeAndOnlyWhatItMovedGoesBack) {
  const int64_t moved = order(twice_);
  PatientFields allergic = **patients_->get(twice_);
  allergic.contrast_allergy = true;
  allergic.allergies = "Iodinated contrast: hives";
  ASSERT_TRUE(patients_->update(twice_, version(twice_), allergic, "rosa")->saved());
  auto done = merges_->merge(twice_into_kept(), desk_);
  ASSERT_TRUE(done && done->saved());
  const int64_t later = order(kept_);  // made for the kept patient after the merge

  auto by_desk = merges_->undo(done->value.id, done->value.version, "wrong person", desk_);
  ASSERT_FALSE(by_desk);
  EXPECT_EQ(by_desk.error().code, ErrorCode::Forbidden);
  auto no_reason = merges_->undo(done->value.id, done->value.version, "", admin_);
  EXPECT_EQ(rules_of(no_reason->invalid, "reason"), std::vector<std::string>{"required"});

  auto undone = merges_->undo(done->value.id, done->value.version, "Twins, not one person", admin_);
  ASSERT_TRUE(undone) << undone.error().message();
  ASSERT_TRUE(undone->saved());
  EXPECT_EQ(undone->value.status, "undone");
  EXPECT_EQ(undone->value.undone_by, "chief");
  EXPECT_EQ(undone->value.undo_reason, "Twins, not one person");
  EXPECT_EQ(owner(moved), twice_);
  EXPECT_EQ(owner(later), kept_);
  EXPECT_EQ((*patients_->get(twice_))->merged_into, 0);
  EXPECT_EQ(events().back().substr(0, 20), "ris.patient.unmerged");
  EXPECT_FALSE((*patients_->get(kept_))->contrast_allergy) << "the other person's allergy goes back";

  const std::string before = snapshot();
  auto twice = merges_->undo(done->value.id, undone->value.version, "again", admin_);
  ASSERT_TRUE(twice && twice->conflict);
  EXPECT_EQ(twice->conflict->rule, "merge_state");
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ((*merges_->of_patient(kept_)).size(), 1u);
}

TEST_F(MergesTest, AMergeWhoseOrdersChangedSinceIsNotUndone) {
  const int64_t moved = order(twice_);
  auto done = merges_->merge(twice_into_kept(), desk_);
  ASSERT_TRUE(done && done->saved());
  const auto o = **orders_->get(moved);
  ASSERT_TRUE(orders_->cancel(o.id, o.version, "Not needed", "rosa")->saved());
  const std::string before = snapshot();
  auto undone = merges_->undo(done->value.id, done->value.version, "wrong", admin_);
  ASSERT_TRUE(undone && undone->conflict);
  EXPECT_EQ(undone->conflict->rule, "merge_used");
  EXPECT_NE(undone->conflict->message.find(o.accession_number), std::string::npos);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(MergesTest, AMergeIsNotUndoneUnderAPatientMergedSince) {
  auto first = merges_->merge(twice_into_kept(), desk_);
  ASSERT_TRUE(first && first->saved());
  const int64_t other = patient("Serra", "1980-01-01");
  ASSERT_TRUE(merges_->merge({kept_, version(kept_), other, version(other), "same"}, desk_)
                  ->saved());
  const std::string before = snapshot();
  auto undone = merges_->undo(first->value.id, first->value.version, "wrong", admin_);
  ASSERT_TRUE(undone && undone->conflict);
  EXPECT_EQ(undone->conflict->rule, "merged_later");
  EXPECT_EQ(snapshot(), before);
}

}  // namespace
}  // namespace vireo::ris
