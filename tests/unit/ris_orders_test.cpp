#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "events/outbox.hpp"
#include "ris/catalogue_store.hpp"
#include "ris/orders.hpp"
#include "ris/patients.hpp"
#include "ris_test_support.hpp"
#include "test_database.hpp"
#include "test_dir.hpp"

namespace vireo::ris {
namespace {

namespace fs = std::filesystem;
using V = std::vector<std::string>;

using testing_support::rules_of;

class OrdersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("vireo-orders");
    db_ = testing::test_database(dir_);
    writes_ = testing::started_writes(*db_);
    auto outbox = events::Outbox::open(*db_);
    ASSERT_TRUE(outbox) << outbox.error().message();
    outbox_ = std::move(*outbox);
    outbox_->route(kOrderCreated, "test-consumer");
    outbox_->route(kOrderCancelled, "test-consumer");
    auto patients = Patients::open(*db_, *writes_, {"P{seq:4}", "CLINIC"});
    ASSERT_TRUE(patients);
    patients_ = std::move(*patients);
    auto catalogue = Catalogue::open(*db_, *writes_);
    ASSERT_TRUE(catalogue);
    catalogue_ = std::move(*catalogue);
    auto orders = Orders::open(*db_, *writes_, *outbox_, {"A{yyyy}{seq:5}"});
    ASSERT_TRUE(orders) << orders.error().message();
    orders_ = std::move(*orders);

    PatientFields ana;
    ana.name.family = "García";
    ana.birth_date = "1975-03-14";
    ana.sex = "F";
    patient_ = patients_->create(ana, "rosa", true)->patient.id;
    for (auto [code, active] : {std::pair{"CT-THX", true}, {"CT-ABD", true}, {"CT-OLD", false}}) {
      ProcedureFields p;
      p.code = code;
      p.name = code;
      p.modality = "CT";
      p.duration_minutes = 15;
      p.active = active;
      procedures_.push_back(catalogue_->create_procedure(p, "admin")->value.id);
    }
    ProcedureFields brain;
    brain.code = "MR-BRAIN";
    brain.name = "MR brain";
    brain.modality = "MR";
    brain.duration_minutes = 30;
    procedures_.push_back(catalogue_->create_procedure(brain, "admin")->value.id);
  }
  void TearDown() override {
    orders_.reset();
    catalogue_.reset();
    patients_.reset();
    outbox_.reset();
    writes_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  OrderFields chest_and_abdomen() {
    OrderFields f;
    f.patient_id = patient_;
    f.procedure_ids = {procedures_[0], procedures_[1]};
    f.priority = "urgent";
    f.reason = "Weight loss, rule out malignancy";
    f.clinical_info = "Creatinine 0.9 mg/dL (2026-11-30)";
    f.referring_physician = "Dr. Serra";
    return f;
  }
  std::vector<std::string> events() {
    auto c = db_->connect();
    std::vector<std::string> out;
    auto rows = (*c)->query("SELECT topic, ids FROM outbox ORDER BY id", {});
    for (const auto& r : *rows) out.push_back(r.text(0) + " " + r.text(1));
    return out;
  }
  int64_t count() {
    auto c = db_->connect();
    return (*(*c)->query("SELECT COUNT(*) FROM ris_orders", {}))[0].integer(0);
  }

  std::unique_ptr<Orders> orders_;
  std::vector<int64_t> procedures_;
  int64_t patient_ = 0;
  std::unique_ptr<Database> db_;
  std::unique_ptr<WriteQueue> writes_;
  std::unique_ptr<events::Outbox> outbox_;

 private:
  fs::path dir_;
  std::unique_ptr<Patients> patients_;
  std::unique_ptr<Catalogue> catalogue_;
};

TEST_F(OrdersTest, AnOrderGetsItsAccessionNumberAndItsEventInOneWrite) {
  auto made = orders_->create(chest_and_abdomen(), "rosa");
  ASSERT_TRUE(made && made->saved())
      << (made ? made->invalid.front().message : made.error().message());
  const Order& o = made->value;
  const std::string year = utc_now_iso().substr(0, 4);
  EXPECT_EQ(o.accession_number, "A" + year + "00001");
  EXPECT_EQ(o.status, "requested");
  EXPECT_EQ(o.procedure_ids, (std::vector<int64_t>{procedures_[0], procedures_[1]}));
  EXPECT_EQ(o.priority, "urgent");
  EXPECT_EQ(orders_->create(chest_and_abdomen(), "rosa")->value.accession_number,
            "A" + year + "00002");
  EXPECT_EQ(events(), (V{"ris.order.created order=" + std::to_string(o.id) + "&accession=A" + year +
                             "00001&patient=" + std::to_string(patient_),
                         "ris.order.created order=" + std::to_string(o.id + 1) + "&accession=A" +
                             year + "00002&patient=" + std::to_string(patient_)}));
  auto listed = orders_->of_patient(patient_);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ(listed->front().id, o.id + 1) << "newest first";
}

// An order placed elsewhere keeps its accession number; the pattern's numbers go around it.
TEST_F(OrdersTest, AGivenAccessionNumberIsKeptOnceUniqueAndThePatternSkipsIt) {
  const std::string year = utc_now_iso().substr(0, 4);
  auto f = chest_and_abdomen();
  f.accession_number = "A" + year + "00001";
  auto given = orders_->create(f, "rosa");
  ASSERT_TRUE(given && given->saved());
  EXPECT_EQ(given->value.accession_number, "A" + year + "00001");
  EXPECT_EQ(orders_->create(chest_and_abdomen(), "rosa")->value.accession_number,
            "A" + year + "00002");
  auto again = orders_->create(f, "rosa");
  EXPECT_EQ(rules_of(again->invalid, "accessionNumber"), V{"taken"});
  f.accession_number = "TOO-LONG-FOR-AN-SH";
  EXPECT_EQ(rules_of(orders_->create(f, "rosa")->invalid, "accessionNumber"), V{"too_long"});
  f.accession_number = "A\\B";
  EXPECT_EQ(rules_of(orders_->create(f, "rosa")->invalid, "accessionNumber"), V{"format"});
  EXPECT_EQ(count(), 2);
}

TEST(PhysicianKey, TheSamePhysicianHoweverTheNameIsWritten) {
  EXPECT_EQ(physician_key("Dr. Marcus Welby"), "MARCUS WELBY");
  EXPECT_EQ(physician_key("WELBY^MARCUS"), "MARCUS WELBY");
  EXPECT_EQ(physician_key("Welby, Marcus"), "MARCUS WELBY");
  EXPECT_EQ(physician_key("WELBY^MARCUS^^DR"), "MARCUS WELBY");
  EXPECT_EQ(physician_key("Dra. Núria Ibáñez"), physician_key("IBANEZ^NURIA"));
  EXPECT_NE(physician_key("Dr. Welby"), physician_key("WELBY^MARCUS"));
  EXPECT_EQ(physician_key("  Dr. "), "");
}

// A referring physician sees the orders that name them, with their patients and bookings, and
// nothing else; orders made before the key was kept get it when the orders open.
TEST_F(OrdersTest, AReferringPhysicianSeesOnlyTheOrdersThatNameThem) {
  auto welby = chest_and_abdomen();
  welby.referring_physician = "Dr. Marcus Welby";
  const int64_t first = orders_->create(welby, "rosa")->value.id;
  const auto second = orders_->create(welby, "rosa")->value;
  ASSERT_TRUE(orders_->create(chest_and_abdomen(), "rosa"));  // Dr. Serra's
  ASSERT_TRUE(orders_->cancel(second.id, second.version, "Asked twice", "rosa")->saved());

  auto seen = orders_->referrals("WELBY^MARCUS", false, 50);
  ASSERT_TRUE(seen) << seen.error().message();
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[0].order.id, second.id) << "newest first";
  EXPECT_EQ((*seen)[1].order.id, first);
  EXPECT_EQ((*seen)[1].patient_name, "García");
  EXPECT_EQ((*seen)[1].procedures, (V{"CT-THX", "CT-ABD"}));
  EXPECT_TRUE((*seen)[1].starts_at.empty()) << "not booked";
  auto open = orders_->referrals("WELBY^MARCUS", true, 50);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].order.id, first);
  EXPECT_TRUE(orders_->referrals("", false, 50)->empty());
  EXPECT_TRUE(orders_->referrals("HOUSE^GREGORY", false, 50)->empty());

  {
    auto c = db_->connect();
    ASSERT_TRUE((*c)->execute("UPDATE ris_orders SET referring_key = ''", {}));
  }
  EXPECT_TRUE(orders_->referrals("WELBY^MARCUS", false, 50)->empty());
  orders_ = std::move(*Orders::open(*db_, *writes_, *outbox_, {"A{yyyy}{seq:5}"}));
  EXPECT_EQ(orders_->referrals("WELBY^MARCUS", false, 50)->size(), 2u);
}

TEST_F(OrdersTest, EachWrongFieldIsNamedAndNothingIsSaved) {
  auto f = chest_and_abdomen();
  f.patient_id = 9999;
  f.procedure_ids = {procedures_[2]};
  auto o = orders_->create(f, "rosa");
  ASSERT_TRUE(o);
  EXPECT_EQ(rules_of(o->invalid, "patientId"), V{"unknown"});
  EXPECT_EQ(rules_of(o->invalid, "procedureIds"), V{"unknown"}) << "a retired procedure";
  f = chest_and_abdomen();
  f.procedure_ids = {procedures_[0], procedures_[0]};
  f.priority = "asap";
  f.reason = " ";
  f.referring_physician = "Serra^Joan";
  o = orders_->create(f, "rosa");
  EXPECT_EQ(rules_of(o->invalid, "procedureIds"), V{"format"});
  EXPECT_EQ(rules_of(o->invalid, "priority"), V{"unknown"});
  EXPECT_EQ(rules_of(o->invalid, "reason"), V{"required"});
  EXPECT_EQ(rules_of(o->invalid, "referringPhysician"), V{"format"});
  f = chest_and_abdomen();
  f.procedure_ids = {};
  EXPECT_EQ(rules_of(orders_->create(f, "rosa")->invalid, "procedureIds"), V{"required"});
  f.procedure_ids = {procedures_[0], procedures_[3]};
  EXPECT_EQ(rules_of(orders_->create(f, "rosa")->invalid, "procedureIds"), V{"modalities"})
      << "a CT and an MR cannot be booked together in one room";
  EXPECT_EQ(count(), 0);
  EXPECT_TRUE(events().empty()) << "no event for what was not saved";
}

TEST_F(OrdersTest, CancellingNeedsAReasonTheVersionReadAndAnOrderNotBegun) {
  auto o = orders_->create(chest_and_abdomen(), "rosa")->value;
  auto no_reason = orders_->cancel(o.id, o.version, "  ", "rosa");
  ASSERT_TRUE(no_reason);
  EXPECT_EQ(rules_of(no_reason->invalid, "reason"), V{"required"});
  auto stale = orders_->cancel(o.id, o.version + 1, "Patient moved away", "rosa");
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::AlreadyExists);
  auto done = orders_->cancel(o.id, o.version, "Patient moved away", "rosa");
  ASSERT_TRUE(done && done->saved());
  EXPECT_EQ(done->value.status, "cancelled");
  EXPECT_EQ(done->value.cancel_reason, "Patient moved away");
  EXPECT_EQ(events().back().substr(0, 19), "ris.order.cancelled");
  auto again = orders_->cancel(o.id, done->value.version, "twice", "rosa");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::StateConflict);
  EXPECT_EQ(orders_->cancel(424242, 1, "x", "rosa").error().code, ErrorCode::NotFound);
}

TEST_F(OrdersTest, AccessionNumbersStayUniqueWhenManyOrderAtOnce) {
  std::vector<std::thread> desks;
  std::vector<std::string> numbers(16);
  for (size_t i = 0; i < numbers.size(); ++i)
    desks.emplace_back([&, i] {
      auto o = orders_->create(chest_and_abdomen(), "desk" + std::to_string(i));
      if (o && o->saved()) numbers[i] = o->value.accession_number;
    });
  for (auto& d : desks) d.join();
  std::set<std::string> unique(numbers.begin(), numbers.end());
  EXPECT_EQ(unique.size(), numbers.size());
  EXPECT_FALSE(unique.contains(""));
}

TEST(OrderOptions, APatternThatCannotMakeAnAccessionNumberIsRefused) {
  EXPECT_EQ(accession_pattern_problem("{yyyy}{seq:7}"), "");
  EXPECT_NE(accession_pattern_problem("ACC-{yyyy}-{seq:10}"), "") << "longer than 16";
  EXPECT_NE(accession_pattern_problem("A\\{seq:4}"), "");
}

}  // namespace
}  // namespace vireo::ris
