// The radiologists' side on a real database (SQLite here, PostgreSQL under unit.postgresql): the
// reading worklist and its claims (a race of 16 for one exam), the report's working text and
// who may write it, the preliminary and signed versions with their PAdES PDFs, addenda that
// leave the signed text as it was, and refusals that change nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include "core/sha256.hpp"
#include "dicom/render.hpp"
#include "pdf/certificates.hpp"
#include "pdf/pkcs11.hpp"
#include "events/outbox.hpp"
#include "manual_clock.hpp"
#include "ocsp_responder.hpp"
#include "reporting/critical_results.hpp"
#include "reporting/letter.hpp"
#include "reporting/pdf_signer.hpp"
#include "reporting/reports.hpp"
#include "reporting/template_store.hpp"
#include "reporting/templates.hpp"
#include "reporting/peer_review.hpp"
#include "reporting/release.hpp"
#include "reporting/sign_checks.hpp"
#include "reporting/turnaround.hpp"
#include "reporting/vocabularies.hpp"
#include "ris/catalogue_store.hpp"
#include "ris/orders.hpp"
#include "ris/patients.hpp"
#include "ris/reading.hpp"
#include "ris/schedule.hpp"
#include "ris/worklist.hpp"
#include "ris_test_support.hpp"
#include "test_database.hpp"
#include "test_dir.hpp"

namespace vireo::reporting {
namespace {

namespace fs = std::filesystem;
using ris::testing_support::rules_of;
using ris::testing_support::signed_in;

ReportContent content(const std::string& findings, const std::string& impression) {
  ReportContent c;
  c.template_code = "VIR-CT-HEAD";
  c.sections = {{"findings", "Findings", findings}, {"impression", "Impression", impression}};
  return c;
}

class ReportingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("vireo-reporting");
    db_ = testing::test_database(dir_);
    writes_ = testing::started_writes(*db_);
    outbox_ = std::move(*events::Outbox::open(*db_));
    for (const char* topic : {ris::kReadingClaimed, ris::kReadingReleased, kReportPreliminary, kReportSigned,
                              kReportAmended, kReportReleased, kCriticalFlagged, kCriticalCommunicated,
                              kCriticalEscalated})
      outbox_->route(topic, "test-consumer");
    patients_ = std::move(*ris::Patients::open(*db_, *writes_, {"P{seq:4}", "CLINIC"}));
    catalogue_ = std::move(*ris::Catalogue::open(*db_, *writes_));
    orders_ = std::move(*ris::Orders::open(*db_, *writes_, *outbox_, {"A{seq:6}"}));
    clock_.now = parse_instant("2027-03-01T07:00:00Z")->time_since_epoch().count();
    auto zone = *TimeZone::named("Europe/Madrid");
    schedule_ = std::move(*ris::Schedule::open(*db_, *writes_, *outbox_, zone, clock_));
    exams_ = std::move(*ris::Exams::open(*db_, *writes_, *outbox_, zone, clock_));
    reading_ = std::move(*ris::Reading::open(*db_, *writes_, *outbox_));
    keys_ = std::move(*SigningKeys::open(*db_, *writes_));
    PdfSignerOptions options;
    options.clinic_name = "Clínica Diagonal";
    options.clinic_city = "Barcelona";
    options.key_passphrase = "a passphrase for the tests";
    // The archive's part (app/key_images): a real CT frame, in the window chosen; "gone" is not there.
    options.key_images = [this](const std::string& study, const KeyImage& k) -> Result<KeyImagePicture> {
      drawn_.push_back(study + " " + k.sop_uid);
      if (k.sop_uid.ends_with(".404") || gone_.contains(k.sop_uid))
        return fail(ErrorCode::NotFound, "key image " + k.sop_uid + " is gone");
      dicom::RenderOptions how;
      how.png = true;
      how.max_columns = how.max_rows = 256;
      how.window_center = k.window_center;
      how.window_width = k.window_width;
      auto png = dicom::render(fs::path(VIREO_TESTDATA) / "dicom" / "modality" / "CT_small.dcm", how);
      if (!png) return std::unexpected(png.error());
      return KeyImagePicture{*png, "3", "42", k.sop_uid.ends_with(".9") ? 4 : 1};  // ".9": a multi-frame image
    };
    signer_ = std::make_unique<PdfSigner>(*keys_, zone, options);
    auto reports = Reports::open(*db_, *writes_, *outbox_, *signer_);
    ASSERT_TRUE(reports) << reports.error().message();
    reports_ = std::move(*reports);

    ris::RoomFields ct;
    ct.name = "CT 1";
    ct.modality = "CT";
    for (int d = 1; d <= 5; ++d) ct.hours.push_back({d, "08:00", "20:00"});
    room_ = catalogue_->create_room(ct, "admin")->value.id;
    ris::ProcedureFields p;
    p.code = "CT-HEAD";
    p.name = "CT head";
    p.modality = "CT";
    p.body_part = "HEAD";
    p.duration_minutes = 15;
    p.report_template = "CT-HEAD";
    procedure_ = catalogue_->create_procedure(p, "admin")->value.id;
    ris::StaffFields doctor;
    doctor.radiologist = true;
    for (auto [user, name] : {std::pair{"serra", "Dr. Joan Serra"}, std::pair{"vila", "Dra. Marta Vila"}}) {
      doctor.username = user;
      doctor.display_name = name;
      staff_.push_back(catalogue_->create_staff(doctor, "admin")->value.id);
    }
    ris::PatientFields f;
    f.name.family = "Puigdemont i Soler";
    f.name.given = "Núria";
    f.birth_date = "1975-03-14";
    f.sex = "F";
    patient_ = patients_->create(f, "rosa", true)->patient.id;
  }
  void TearDown() override {
    reports_.reset();
    signer_.reset();
    keys_.reset();
    reading_.reset();
    exams_.reset();
    schedule_.reset();
    orders_.reset();
    catalogue_.reset();
    patients_.reset();
    outbox_.reset();
    writes_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  // An exam performed and its images acquired: booked in the n-th quarter hour, checked in,
  // started, acquired. Returns its order.
  int64_t acquired_exam(int n, const char* priority = "routine", int64_t room = 0, int64_t patient = 0) {
    ris::OrderFields f;
    f.patient_id = patient ? patient : patient_;
    f.procedure_ids = {procedure_};
    f.priority = priority;
    f.reason = "Headache";
    f.referring_physician = "Dr. Pau Casals";
    auto order = orders_->create(f, "rosa");
    EXPECT_TRUE(order && order->saved());
    const Instant start = *parse_instant("2027-03-01T08:00:00Z") + std::chrono::minutes(15 * n);
    auto booked = schedule_->book(order->value.id, room ? room : room_, start, "rosa");
    EXPECT_TRUE(booked && booked->saved()) << (booked && booked->conflict ? booked->conflict->message : "");
    auto arrived = schedule_->arrive(booked->value.id, booked->value.version, "rosa");
    const auto tech = signed_in("tomas", access::Role::Technician);
    auto started = exams_->start(arrived->value.id, arrived->value.version, tech);
    auto done = exams_->acquired(started->value.id, started->value.version, tech);
    EXPECT_TRUE(done && done->saved());
    return order->value.id;
  }
  // A fresh folder with the certificates radiologists bring (make_p12.sh), and what `script`, another
  // fixture of tests/fixtures/certificates run with the folder and `args`, adds to them.
  static fs::path brought_certificates(const std::string& name, const std::string& script = "",
                                       const std::string& args = "") {
    const fs::path dir = testing::fresh_test_dir(name);
    const std::string fixtures = VIREO_FIXTURES "/certificates/";
    std::string command = "sh '" + fixtures + "make_p12.sh' '" + dir.string() + "'";
    if (!script.empty()) command += " && sh '" + fixtures + script + "' '" + dir.string() + "' " + args;
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return dir;
  }
  // Signing as the clinic does, trusting the authority make_p12.sh made in `certs` (that of the
  // certificates radiologists bring).
  static PdfSignerOptions trusting(const fs::path& certs) {
    PdfSignerOptions options;
    options.clinic_name = "Clínica Diagonal";
    options.key_passphrase = "a passphrase for the tests";
    options.trusted_ca_pem = testing::slurp(certs / "authority.pem");
    return options;
  }
  // Dra. Laia Ferrer i Puig, the radiologist those certificates name, on the staff list as "lferrer".
  bool put_laia_on_staff() {
    ris::StaffFields doctor;
    doctor.radiologist = true;
    doctor.username = "lferrer";
    doctor.display_name = "Dra. Laia Ferrer i Puig";
    auto made = catalogue_->create_staff(doctor, "admin");
    return made && made->saved();
  }
  // Dra. Laia Ferrer i Puig on the staff list, signing reports with a signer of `options`.
  struct SigningAsLaia {
    std::unique_ptr<PdfSigner> signer;
    std::unique_ptr<Reports> reports;  // null when it cannot be opened
    access::Principal laia;
    std::string name;  // as her signature prints it
  };
  SigningAsLaia signing_as_laia(const PdfSignerOptions& options) {
    SigningAsLaia out;
    out.signer = std::make_unique<PdfSigner>(*keys_, *TimeZone::named("Europe/Madrid"), options);
    auto reports = Reports::open(*db_, *writes_, *outbox_, *out.signer);
    if (!reports || !put_laia_on_staff()) return out;
    out.reports = std::move(*reports);
    out.laia = signed_in("lferrer", access::Role::Radiologist);
    out.name = out.reports->signer_name("lferrer").value_or("");
    return out;
  }
  std::string order_status(int64_t id) { return (*orders_->get(id))->status; }
  std::vector<std::string> topics() {
    auto c = db_->connect();
    std::vector<std::string> out;
    auto rows = (*c)->query("SELECT topic FROM outbox ORDER BY id", {});
    for (const auto& r : *rows) out.push_back(r.text(0));
    return out;
  }
  // What a refusal must leave as it was.
  std::string snapshot() {
    return ris::testing_support::rows_text(
        *db_, {"SELECT id, status, reading_by, version FROM ris_orders ORDER BY id",
               "SELECT id, status, draft_revision, versions FROM rep_reports ORDER BY id",
               "SELECT report_id, position, body FROM rep_draft_sections ORDER BY report_id, position",
               "SELECT report_id, finding, position, value FROM rep_draft_findings ORDER BY 1, 2, 3",
               "SELECT report_id, position, sop_uid, caption FROM rep_draft_key_images ORDER BY 1, 2",
               "SELECT report_id, number, kind FROM rep_versions ORDER BY report_id, number",
               "SELECT report_id, number, pdf_sha256 FROM rep_signatures ORDER BY report_id, number",
               "SELECT topic, ids FROM outbox ORDER BY id"});
  }

  testing::ManualClock clock_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<WriteQueue> writes_;
  std::unique_ptr<events::Outbox> outbox_;
  std::unique_ptr<ris::Patients> patients_;
  std::unique_ptr<ris::Catalogue> catalogue_;
  std::unique_ptr<ris::Orders> orders_;
  std::unique_ptr<ris::Schedule> schedule_;
  std::unique_ptr<ris::Exams> exams_;
  std::unique_ptr<ris::Reading> reading_;
  std::unique_ptr<SigningKeys> keys_;
  std::unique_ptr<PdfSigner> signer_;
  std::unique_ptr<Reports> reports_;
  int64_t room_ = 0, procedure_ = 0, patient_ = 0;
  std::vector<int64_t> staff_;
  std::vector<std::string> drawn_;  // the key images the signer asked for: "study sop"
  std::set<std::string> gone_;       // key images deleted from the archive since
  const access::Principal serra_ = signed_in("serra", access::Role::Radiologist);
  const access::Principal vila_ = signed_in("vila", access::Role::Radiologist);

 private:
  fs::path dir_;
};

TEST_F(ReportingTest, TheWorklistIsMineAndUnassignedStatFirstThenLongestWaiting) {
  const int64_t routine = acquired_exam(0);
  const int64_t stat = acquired_exam(1, "stat");
  const int64_t theirs = acquired_exam(2);
  {
    auto c = db_->connect();
    ASSERT_TRUE((*c)->execute("UPDATE ris_orders SET reader_id = ? WHERE id = ?", {staff_[1], theirs}));
    ASSERT_TRUE((*c)->execute("UPDATE ris_orders SET acquired_at = '2027-03-01T09:00:00Z' WHERE id = ?", {stat}));
    ASSERT_TRUE((*c)->execute("UPDATE ris_orders SET acquired_at = '2027-03-01T08:00:00Z' WHERE id = ?", {routine}));
  }
  auto mine = reading_->worklist({}, serra_);
  ASSERT_TRUE(mine) << mine.error().message();
  ASSERT_EQ(mine->items.size(), 2u);
  EXPECT_EQ(mine->total, 2);
  EXPECT_EQ(mine->items[0].view.appointment.order_id, stat) << "stat before routine, though it waits less";
  EXPECT_EQ(mine->items[1].view.appointment.order_id, routine);
  EXPECT_EQ(mine->items[0].procedures, std::vector<std::string>{"CT head"});
  EXPECT_EQ(mine->items[0].modality, "CT");
  EXPECT_EQ(mine->items[0].report_template, "CT-HEAD");
  ris::ReadingQuery all;
  all.scope = "all";
  EXPECT_EQ(reading_->worklist(all, serra_)->total, 3);
  all.priority = "stat";
  EXPECT_EQ(reading_->worklist(all, serra_)->total, 1);
  all.priority = "urgentish";
  EXPECT_EQ(reading_->worklist(all, serra_).error().code, ErrorCode::InvalidArgument);
  ris::ReadingQuery paged;
  paged.limit = 1;
  paged.offset = 1;
  auto second = reading_->worklist(paged, serra_);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].view.appointment.order_id, routine);
  EXPECT_EQ(second->total, 2);
  EXPECT_EQ(reading_->worklist({}, signed_in("pat", access::Role::Patient)).error().code, ErrorCode::Forbidden);

  // Assigned to another: not to be opened by me.
  auto refused = reading_->claim(theirs, serra_);
  ASSERT_TRUE(refused && refused->conflict);
  EXPECT_EQ(refused->conflict->rule, "assigned_to_another");
  EXPECT_NE(refused->conflict->message.find("Marta Vila"), std::string::npos);

  // A radiologist who reads MR and mammography only: the unassigned CTs leave her list, though an
  // exam assigned to her, or one she is reading, stays whatever its modality.
  ris::StaffFields vila;
  vila.username = "vila";
  vila.display_name = "Dra. Marta Vila";
  vila.radiologist = true;
  vila.reads_modalities = {" mr", "MG", "MR"};
  auto updated = catalogue_->update_staff(staff_[1], 1, vila, "admin");
  ASSERT_TRUE(updated && updated->saved());
  EXPECT_EQ(updated->value.reads_modalities, (std::vector<std::string>{"MR", "MG"})) << "tidied, once each";
  auto hers = reading_->worklist({}, vila_);
  ASSERT_TRUE(hers);
  ASSERT_EQ(hers->total, 1);
  EXPECT_EQ(hers->items[0].view.appointment.order_id, theirs) << "assigned to her, a CT";
  EXPECT_EQ(reading_->worklist({}, serra_)->total, 2) << "an empty list of modalities is every one";
  vila.reads_modalities = {"CT", "XX"};
  auto wrong = catalogue_->update_staff(staff_[1], updated->value.version, vila, "admin");
  ASSERT_TRUE(wrong);
  ASSERT_EQ(wrong->invalid.size(), 1u);
  EXPECT_EQ(wrong->invalid[0].field, "readsModalities");
  vila.reads_modalities = {"CT"};
  ASSERT_TRUE(catalogue_->update_staff(staff_[1], updated->value.version, vila, "admin")->saved());
  EXPECT_EQ(reading_->worklist({}, vila_)->total, 3) << "the unassigned CTs and hers";
}

// A clinic with two centres: a radiologist who reads for one sees the exams nobody is assigned of
// that one only; the site follows a rename of it.
TEST_F(ReportingTest, ARadiologistReadsTheUnassignedExamsOfHerSitesOnly) {
  auto first = catalogue_->room(room_);
  ASSERT_TRUE(first && *first);
  ris::RoomFields diagonal = **first;
  diagonal.site = " Diagonal ";
  auto renamed = catalogue_->update_room(room_, (*first)->version, diagonal, "admin");
  ASSERT_TRUE(renamed && renamed->saved());
  EXPECT_EQ(renamed->value.site, "Diagonal") << "tidied";
  ris::RoomFields other = diagonal;
  other.name = "CT Sant Cugat";
  other.site = "Sant Cugat";
  auto cugat = catalogue_->create_room(other, "admin");
  ASSERT_TRUE(cugat && cugat->saved());
  const int64_t at_diagonal = acquired_exam(0);
  const int64_t at_cugat = acquired_exam(1, "routine", cugat->value.id);

  ris::StaffFields vila;
  vila.username = "vila";
  vila.display_name = "Dra. Marta Vila";
  vila.radiologist = true;
  vila.reads_sites = {" Sant Cugat", "Sant Cugat"};
  auto updated = catalogue_->update_staff(staff_[1], 1, vila, "admin");
  ASSERT_TRUE(updated && updated->saved());
  EXPECT_EQ(updated->value.reads_sites, (std::vector<std::string>{"Sant Cugat"})) << "tidied, once each";
  auto hers = reading_->worklist({}, vila_);
  ASSERT_TRUE(hers);
  ASSERT_EQ(hers->total, 1);
  EXPECT_EQ(hers->items[0].view.appointment.order_id, at_cugat);
  EXPECT_EQ(hers->items[0].site, "Sant Cugat");
  auto his = reading_->worklist({}, serra_);
  ASSERT_EQ(his->total, 2) << "no sites named: every site";
  std::set<int64_t> both;
  for (const auto& i : his->items) both.insert(i.view.appointment.order_id);
  EXPECT_EQ(both, (std::set<int64_t>{at_diagonal, at_cugat}));

  // A site no room has, sites for who does not read, a site's name too long: refused, nothing saved.
  const auto before = ris::testing_support::rows_text(*db_, {"SELECT id, reads_sites, version FROM ris_staff ORDER BY id",
                                                             "SELECT id, site, version FROM ris_rooms ORDER BY id"});
  auto refused = [&](ris::StaffFields m, int64_t id, int64_t version) {
    auto r = catalogue_->update_staff(id, version, m, "admin");
    return r && !r->saved() ? r->invalid.front().field + " " + r->invalid.front().rule : std::string("saved");
  };
  vila.reads_sites = {"Sarrià"};
  EXPECT_EQ(refused(vila, staff_[1], updated->value.version), "readsSites unknown");
  ris::StaffFields nurse;
  nurse.username = "tomas";
  nurse.display_name = "Tomàs Grau";
  nurse.contrast_technician = true;
  nurse.reads_sites = {"Diagonal"};
  auto technician = catalogue_->create_staff(nurse, "admin");
  ASSERT_TRUE(technician);
  ASSERT_FALSE(technician->saved());
  EXPECT_EQ(technician->invalid.front().rule, "not_radiologist");
  other.site = std::string(65, 'x');
  auto too_long = catalogue_->update_room(cugat->value.id, cugat->value.version, other, "admin");
  ASSERT_TRUE(too_long && !too_long->saved());
  EXPECT_EQ(too_long->invalid.front().field + " " + too_long->invalid.front().rule, "site too_long");
  EXPECT_EQ(ris::testing_support::rows_text(*db_, {"SELECT id, reads_sites, version FROM ris_staff ORDER BY id",
                                                   "SELECT id, site, version FROM ris_rooms ORDER BY id"}),
            before);

  // The centre renamed: what she reads follows it, and her list stays the same.
  other.site = "Sant Cugat del Vallès";
  ASSERT_TRUE(catalogue_->update_room(cugat->value.id, cugat->value.version, other, "admin")->saved());
  auto now = catalogue_->staff(false);
  ASSERT_TRUE(now);
  auto her = std::ranges::find_if(*now, [](const ris::StaffMember& m) { return m.username == "vila"; });
  ASSERT_NE(her, now->end());
  EXPECT_EQ(her->reads_sites, (std::vector<std::string>{"Sant Cugat del Vallès"}));
  EXPECT_EQ(her->version, updated->value.version + 1) << "an edit made meanwhile is told it is stale";
  EXPECT_EQ(reading_->worklist({}, vila_)->total, 1);
}

TEST_F(ReportingTest, OfSixteenRacingClaimsExactlyOneWinsAndTheOthersAreToldWho) {
  const int64_t order = acquired_exam(0);
  std::atomic<int> won = 0, told = 0;
  std::vector<std::thread> racers;
  for (int i = 0; i < 16; ++i)
    racers.emplace_back([&, i] {
      auto claimed = reading_->claim(order, signed_in("doctor" + std::to_string(i), access::Role::Radiologist));
      if (!claimed) return;
      if (claimed->saved()) ++won;
      else if (claimed->conflict->rule == "reading_claimed") ++told;
    });
  for (auto& t : racers) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(told.load(), 15);
  EXPECT_EQ(order_status(order), "in_reading");
  EXPECT_EQ(std::ranges::count(topics(), std::string(ris::kReadingClaimed)), 1);
  auto item = reading_->item(order);
  ASSERT_TRUE(item && *item);
  const std::string reader = (*item)->reading_by;
  EXPECT_TRUE(reader.starts_with("doctor"));
  // Opening it again is the reader's own claim; another may not take it, nor release it.
  EXPECT_TRUE(reading_->claim(order, signed_in(reader, access::Role::Radiologist))->saved());
  EXPECT_EQ(reading_->release(order, serra_)->conflict->rule, "reading_claimed");
  // The reader leaves it: it waits again, for anyone.
  auto left = reading_->release(order, signed_in(reader, access::Role::Radiologist));
  ASSERT_TRUE(left && left->saved());
  EXPECT_EQ(order_status(order), "acquired");
  EXPECT_TRUE(reading_->claim(order, serra_)->saved());
  EXPECT_EQ(reading_->claim(order, signed_in("tomas", access::Role::Technician)).error().code, ErrorCode::Forbidden);
}

TEST_F(ReportingTest, OnlyTheReaderWritesTheReportAndAStaleSaveChangesNothing) {
  const int64_t order = acquired_exam(0);
  auto unclaimed = reports_->save_draft(order, 0, content("Normal.", "Normal."), serra_);
  ASSERT_TRUE(unclaimed && unclaimed->conflict);
  EXPECT_EQ(unclaimed->conflict->rule, "exam_state") << "opened from the worklist first";
  ASSERT_TRUE(reading_->claim(order, serra_)->saved());
  auto first = reports_->save_draft(order, 0, content("No acute", ""), serra_);
  ASSERT_TRUE(first && first->saved());
  EXPECT_EQ(first->value.status, "draft");
  EXPECT_EQ(first->value.draft_revision, 1);
  auto second = reports_->save_draft(order, 1, content("No acute intracranial haemorrhage.", ""), serra_);
  ASSERT_TRUE(second && second->saved());
  EXPECT_EQ(second->value.draft_revision, 2);
  EXPECT_EQ(second->value.draft.sections[0].text, "No acute intracranial haemorrhage.");

  const std::string before = snapshot();
  EXPECT_EQ(reports_->save_draft(order, 1, content("typed in another window", ""), serra_)->conflict->rule, "stale");
  EXPECT_EQ(reports_->save_draft(order, 2, content("not mine", ""), vila_)->conflict->rule, "reading_claimed");
  EXPECT_EQ(reports_->save_draft(order, 2, content("x", ""), signed_in("tomas", access::Role::Technician))
                .error()
                .code,
            ErrorCode::Forbidden);
  ReportContent bad = content("x", "");
  bad.sections.push_back({"Findings!", "Dup", "y"});
  bad.sections.push_back({"findings", "Again", "z"});
  auto invalid = reports_->save_draft(order, 2, bad, serra_);
  ASSERT_TRUE(invalid);
  EXPECT_EQ(rules_of(invalid->invalid, "sections/2/key"), std::vector<std::string>{"format"});
  EXPECT_EQ(rules_of(invalid->invalid, "sections/3/key"), std::vector<std::string>{"duplicate"});
  EXPECT_EQ(reports_->save_draft(order, 2, content("x", ""), serra_, Reports::Draft::Addendum)->conflict->rule,
            "not_signed");
  EXPECT_EQ(snapshot(), before) << "refusals change nothing";
}

TEST_F(ReportingTest, AReportIsWrittenFromATemplateForItsKindOfExamOnly) {
  const int64_t order = acquired_exam(0);  // a CT
  ASSERT_TRUE(reading_->claim(order, serra_)->saved());
  const std::string before = snapshot();
  ReportContent knee = content("Menisci: intact.", "Normal MRI of the knee.");
  knee.template_code = "VIR-MR-KNEE";
  auto refused = reports_->save_draft(order, 0, knee, serra_);
  ASSERT_TRUE(refused && refused->conflict);
  EXPECT_EQ(refused->conflict->rule, "template_mismatch");
  EXPECT_NE(refused->conflict->message.find("MRI knee"), std::string::npos) << refused->conflict->message;
  knee.template_code = "NO-SUCH-TEMPLATE";
  auto unknown = reports_->save_draft(order, 0, knee, serra_);
  ASSERT_TRUE(unknown);
  ASSERT_EQ(unknown->invalid.size(), 1u);
  EXPECT_EQ(unknown->invalid[0].field, "templateCode");
  EXPECT_EQ(snapshot(), before) << "refused, nothing changed";
  auto chest = reports_->save_draft(order, 0, content("No nodule.", ""), serra_);
  ASSERT_TRUE(chest && chest->saved());
  EXPECT_EQ(chest->value.draft.template_code, "VIR-CT-HEAD");
  const ReportTemplate* head = vireo_template("VIR-CT-HEAD");
  ASSERT_NE(head, nullptr);
  EXPECT_EQ(head->modalities, std::vector<std::string>{"CT"});
  for (const auto& t : vireo_templates()) {
    for (const auto& e : template_errors(t)) ADD_FAILURE() << t.code << " " << e.field << ": " << e.message;
    EXPECT_FALSE(t.sections.empty()) << t.code;
    for (const auto& m : t.macros) {
      EXPECT_TRUE(std::ranges::any_of(t.sections, [&](const auto& s) { return s.key == m.section; }))
          << t.code << " " << m.key << " goes into a section the template has";
    }
    if (!t.findings_system.empty()) {
      EXPECT_NE(vocabulary(t.findings_system), nullptr) << t.code;
    }
  }
}

TEST_F(ReportingTest, ACriticalResultIsAnOpenLoopUntilItsCommunicationIsRecordedAndEscalatesMeanwhile) {
  const int64_t order = acquired_exam(0);
  auto critical = CriticalResults::open(*db_, *writes_, *outbox_, default_critical_findings(), clock_);
  // Only what is on the clinic's list, only by a radiologist.
  auto refused = critical->flag(order, "Mild scoliosis", "", serra_);
  ASSERT_TRUE(refused);
  ASSERT_EQ(refused->invalid.size(), 1u);
  EXPECT_EQ(refused->invalid[0].field, "finding");
  EXPECT_EQ(critical->flag(order, "Pulmonary embolism", "", signed_in("tomas", access::Role::Technician)).error().code,
            ErrorCode::Forbidden);
  auto flagged = critical->flag(order, "Pulmonary embolism", "Saddle embolus", serra_);
  ASSERT_TRUE(flagged && flagged->saved());
  const CriticalResult& r = flagged->value;
  EXPECT_EQ(r.status, "open");
  EXPECT_EQ(r.found_by_name, "Dr. Joan Serra");
  EXPECT_FALSE(r.accession_number.empty());
  EXPECT_EQ(topics().back(), kCriticalFlagged);
  ASSERT_EQ(critical->open_results(serra_)->size(), 1u);

  // Not escalated before its period; then once per period, by whichever node looks first.
  EXPECT_EQ(*critical->escalate_due(std::chrono::minutes(60)), 0);
  clock_.now += 3600;
  auto other_node = CriticalResults::open(*db_, *writes_, *outbox_, default_critical_findings(), clock_);
  std::atomic<int64_t> escalated = 0;
  std::thread a([&] { escalated += *critical->escalate_due(std::chrono::minutes(60)); });
  std::thread b([&] { escalated += *other_node->escalate_due(std::chrono::minutes(60)); });
  a.join();
  b.join();
  EXPECT_EQ(escalated.load(), 1);
  EXPECT_EQ(topics().back(), kCriticalEscalated);
  EXPECT_EQ(*critical->escalate_due(std::chrono::minutes(60)), 0) << "not again within the period";
  clock_.now += 3600;
  EXPECT_EQ(*critical->escalate_due(std::chrono::minutes(60)), 1) << "again after another";
  EXPECT_EQ(critical->of_order(order, serra_)->front().escalations, 2);

  // The loop closed: whom, how, when received; not before it was found, not later than now, once.
  const std::string before = snapshot();
  auto bad = critical->communicated(order, r.id, {"", "fax", "yesterday"}, serra_);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->invalid.size(), 3u);
  auto early = critical->communicated(order, r.id, {"Dr. Anna Puig, emergency", "phone", "2027-03-01T06:00:00Z"}, serra_);
  ASSERT_TRUE(early);
  ASSERT_EQ(early->invalid.size(), 1u);
  EXPECT_EQ(early->invalid[0].rule, "before_found");
  EXPECT_EQ(snapshot(), before);
  const std::string received = utc_iso(clock_.now - 60);
  auto closed = critical->communicated(order, r.id, {"Dr. Anna Puig, emergency", "phone", received}, vila_);
  ASSERT_TRUE(closed && closed->saved());
  EXPECT_EQ(closed->value.status, "communicated");
  EXPECT_EQ(closed->value.received_at, received);
  EXPECT_EQ(closed->value.recorded_by, "vila");
  EXPECT_EQ(topics().back(), kCriticalCommunicated);
  EXPECT_EQ(critical->communicated(order, r.id, {"x", "phone", received}, serra_)->conflict->rule, "already_communicated");
  EXPECT_TRUE(critical->open_results(serra_)->empty());
  clock_.now += 7200;
  EXPECT_EQ(*critical->escalate_due(std::chrono::minutes(60)), 0) << "a closed loop does not escalate";
}

TEST_F(ReportingTest, StructuredFindingsAreKeptWithTheTextAndSignedWithIt) {
  const int64_t order = acquired_exam(0);
  ASSERT_TRUE(reading_->claim(order, serra_)->saved());
  ReportContent c = content("Spiculated mass in the left breast.", "Suspicious.");
  c.findings = {{"birads", {{"assessment", "4"}, {"laterality", "L"}, {"location", "2"}, {"size_mm", "12"}}},
                {"tnm", {{"t", "T1c"}, {"n", "N0"}, {"m", "M0"}}}};
  auto saved = reports_->save_draft(order, 0, c, serra_);
  ASSERT_TRUE(saved && saved->saved());
  EXPECT_EQ(saved->value.draft.findings, c.findings);

  // A BI-RADS 7 and an M2 are refused, naming each, and nothing changes.
  const std::string before = snapshot();
  ReportContent bad = c;
  bad.findings[0].values[0].second = "7";
  bad.findings[1].values[2].second = "M2";
  auto refused = reports_->save_draft(order, 1, bad, serra_);
  ASSERT_TRUE(refused);
  std::vector<std::string> fields;
  for (const auto& e : refused->invalid) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"findings/0/assessment", "findings/1/m"}));
  EXPECT_EQ(snapshot(), before);

  // Findings alone are something to sign; they are signed as they were.
  ReportContent only = c;
  only.sections = {};
  ASSERT_TRUE(reports_->save_draft(order, 1, only, serra_)->saved());
  auto signed_report = reports_->sign(order, 2, serra_, "10.0.0.7");
  ASSERT_TRUE(signed_report && signed_report->saved());
  ASSERT_EQ(signed_report->value.versions.size(), 1u);
  EXPECT_EQ(signed_report->value.versions[0].content.findings, c.findings);
  EXPECT_TRUE(signed_report->value.draft.findings.empty()) << "the working text is the next addendum's";
  auto archived = reports_->signed_for_archive(order, 1);
  ASSERT_TRUE(archived) << archived.error().message();
  EXPECT_EQ(archived->version.content.findings, c.findings);
  EXPECT_EQ(sha256_hex(archived->pdf), archived->version.signature->pdf_sha256);
  EXPECT_EQ(reports_->signed_for_archive(order, 2).error().code, ErrorCode::NotFound);
}

// The text pdftotext reads in a PDF.
std::string pdf_text(const fs::path& dir, const std::string& pdf) {
  const fs::path file = dir / "read.pdf";
  std::ofstream(file, std::ios::binary) << pdf;
  std::string out;
  FILE* pipe = ::popen(("pdftotext -enc UTF-8 '" + file.string() + "' - 2>&1").c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

TEST_F(ReportingTest, KeyImagesAreKeptWithTheTextPrintedInTheirWindowAndSignedAsChosen) {
  const int64_t order = acquired_exam(0);
  ASSERT_TRUE(reading_->claim(order, serra_)->saved());
  ReportContent c = content("Hyperdense lesion in the left frontal lobe.", "Acute haemorrhage.");
  c.key_images = {{"1.2.826.1.3", "1.2.826.1.3.7", 1, 40.5, 80.25, "Left frontal haemorrhage"},
                  {"1.2.826.1.3", "1.2.826.1.3.9", 2, std::nullopt, std::nullopt, ""}};
  auto saved = reports_->save_draft(order, 0, c, serra_);
  ASSERT_TRUE(saved && saved->saved());
  auto loaded = reports_->of_order(order, serra_);
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->draft.key_images, c.key_images) << "the window reads back exactly";

  // Each wrong key image is named, and nothing changes.
  const std::string before = snapshot();
  ReportContent bad = c;
  bad.key_images = {{"1.2.826.1.3", "not-a-uid", 1, {}, {}, ""},
                    {"1.2.826.1.3", "1.2.826.1.3.7", 0, {}, {}, ""},
                    {"1.2.826.1.3", "1.2.826.1.3.8", 1, 40.0, std::nullopt, ""},
                    {"1.2.826.1.3", "1.2.826.1.3.9", 1, 40.0, 0.0, std::string(201, 'x')},
                    {"1.2.826.1.3", "1.2.826.1.3.9", 1, {}, {}, ""}};
  auto refused = reports_->save_draft(order, 1, bad, serra_);
  ASSERT_TRUE(refused);
  std::vector<std::string> fields;
  for (const auto& e : refused->invalid) fields.push_back(e.field + " " + e.rule);
  EXPECT_EQ(fields, (std::vector<std::string>{"keyImages/0/sopInstanceUid format", "keyImages/1/frame range",
                                              "keyImages/2/windowWidth required", "keyImages/3/windowWidth range",
                                              "keyImages/3/caption too_long", "keyImages/4 duplicate"}));
  bad.key_images.assign(kMaxKeyImages + 1, c.key_images[0]);
  for (size_t i = 0; i < bad.key_images.size(); ++i) bad.key_images[i].sop_uid += std::to_string(i);
  refused = reports_->save_draft(order, 1, bad, serra_);
  ASSERT_TRUE(refused && !refused->invalid.empty());
  EXPECT_EQ(refused->invalid[0].field, "keyImages");
  EXPECT_EQ(snapshot(), before);

  // Signed as chosen: the version keeps them, the PDF prints them under their captions.
  auto signed_report = reports_->sign(order, 1, serra_, "10.0.0.7");
  ASSERT_TRUE(signed_report && signed_report->saved());
  EXPECT_EQ(signed_report->value.versions.at(0).content.key_images, c.key_images);
  EXPECT_TRUE(signed_report->value.draft.key_images.empty()) << "the working text is the next addendum's";
  const std::string study = (*reading_->item(order))->view.study_uid;
  EXPECT_EQ(drawn_, (std::vector<std::string>{study + " 1.2.826.1.3.7", study + " 1.2.826.1.3.9"}));
  auto archived = reports_->signed_for_archive(order, 1);
  ASSERT_TRUE(archived);
  const std::string text = pdf_text(testing::fresh_test_dir("vireo-key-images"), archived->pdf);
  for (const char* expected : {"Key images", "1. Left frontal haemorrhage — Series 3, image 42",
                               "2. Series 3, image 42, frame 2"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in:\n" << text;
  EXPECT_EQ(text.find("frame 1"), std::string::npos) << "a single-frame image's frame is not named";

  // An addendum prints its own and those it adds to; an image no longer there stops the signature.
  ReportContent more;
  more.sections = {{"addendum", "Addendum", "Compared with the CT of 2026: new."}};
  more.key_images = {{"1.2.826.1.3", "1.2.826.1.3.404", 1, {}, {}, "Prior"}};
  ASSERT_TRUE(reports_->save_draft(order, signed_report->value.draft_revision, more, serra_, Reports::Draft::Addendum)
                  ->saved());
  drawn_.clear();
  auto gone = reports_->sign(order, signed_report->value.draft_revision + 1, serra_, "10.0.0.7");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::NotFound);
  EXPECT_EQ(drawn_, (std::vector<std::string>{study + " 1.2.826.1.3.404"}));
  EXPECT_EQ((*reports_->of_order(order, serra_))->versions.size(), 1u) << "nothing signed";

  // An image of the signed version deleted since does not make the addendum unsignable: it is
  // printed as far as the study still has them.
  gone_.insert("1.2.826.1.3.7");
  more.key_images.clear();
  ASSERT_TRUE(reports_->save_draft(order, signed_report->value.draft_revision + 1, more, serra_, Reports::Draft::Addendum)
                  ->saved());
  auto addendum = reports_->sign(order, signed_report->value.draft_revision + 2, serra_, "10.0.0.7");
  ASSERT_TRUE(addendum && addendum->saved()) << (addendum ? "" : addendum.error().message());
  auto second = reports_->signed_pdf(order, 2, serra_);
  ASSERT_TRUE(second);
  const std::string amended = pdf_text(testing::fresh_test_dir("vireo-key-images"), second->pdf);
  EXPECT_NE(amended.find("1. Series 3, image 42, frame 2"), std::string::npos) << amended;
  EXPECT_EQ(amended.find("Left frontal haemorrhage"), std::string::npos);
}

TEST_F(ReportingTest, ARadiologistSignsWithTheirOwnCertificateWhenTrustedAndWithTheClinicsOtherwise) {
  const fs::path certs = brought_certificates("vireo-own-certificates");
  PdfSignerOptions options = trusting(certs);
  auto [owned_signer, reports, laia, name] = signing_as_laia(options);
  ASSERT_TRUE(reports);
  PdfSigner& signer = *owned_signer;
  EXPECT_EQ(name, "Dra. Laia Ferrer i Puig");

  auto now = signer.certificate_of("lferrer");
  ASSERT_TRUE(now);
  EXPECT_EQ(now->source, "clinic");
  EXPECT_EQ(now->subject, "") << "none issued before the first signature";
  // Refused, saying why: a wrong password, an authority nobody here trusts, a certificate not for
  // signing, and somebody else's.
  const std::string p12 = testing::slurp(certs / "person.p12");
  auto reason = [&](const std::string& who, const std::string& person, const std::string& file, const char* password) {
    auto refused = signer.use_own_certificate(who, person, file, password);
    return refused ? std::string("accepted") : refused.error().detail;
  };
  EXPECT_NE(reason("lferrer", name, p12, "guess").find("password"), std::string::npos);
  EXPECT_NE(reason("lferrer", name, testing::slurp(certs / "stranger.p12"), "s3cret")
                .find("not issued by an authority this clinic trusts"), std::string::npos);
  EXPECT_NE(reason("lferrer", name, testing::slurp(certs / "encipher.p12"), "s3cret").find("not one for signing"),
            std::string::npos);
  EXPECT_NE(reason("serra", "Dr. Joan Serra", p12, "s3cret").find("is issued to Laia Ferrer i Puig, not to Dr. Joan Serra"),
            std::string::npos);
  EXPECT_EQ(signer.certificate_of("lferrer")->source, "clinic");
  EXPECT_EQ(signer.certificate_of("serra")->source, "clinic");

  auto own = signer.use_own_certificate("lferrer", name, p12, "s3cret");
  ASSERT_TRUE(own) << own.error().message();
  EXPECT_EQ(own->source, "own");
  EXPECT_NE(own->subject.find("CN=Laia Ferrer i Puig"), std::string::npos) << own->subject;
  EXPECT_NE(own->issuer.find("O=Col·legi Oficial de Metges de Barcelona"), std::string::npos) << own->issuer;
  EXPECT_EQ(signer.certificate_of("lferrer")->serial, own->serial);
  EXPECT_TRUE(signer.check_can_sign("lferrer"));
  // An account whose name only begins like hers finds none of her keys ("lferrer@" is a user name too).
  EXPECT_EQ(signer.certificate_of("lferrer@clinic.example")->source, "clinic");

  // Her report is signed with it, and checks out against the authority the clinic trusts.
  const int64_t order = acquired_exam(0);
  ASSERT_TRUE(reading_->claim(order, laia)->saved());
  ASSERT_TRUE(reports->save_draft(order, 0, content("No acute findings.", "Normal."), laia)->saved());
  auto signed_report = reports->sign(order, 1, laia, "10.0.0.7");
  ASSERT_TRUE(signed_report && signed_report->saved());
  EXPECT_EQ(signed_report->value.versions[0].signature->certificate_serial, own->serial);
  auto pdf = reports->signed_pdf(order, 1, laia);
  ASSERT_TRUE(pdf);
  auto check = signer.verify(pdf->pdf);
  ASSERT_TRUE(check);
  EXPECT_TRUE(check->valid()) << check->problem;
  EXPECT_EQ(check->signer_common_name, "Laia Ferrer i Puig");

  // A node that no longer trusts her authority refuses to sign with it, and says so beforehand:
  // it never signs with another certificate in its place.
  PdfSignerOptions distrustful = options;
  distrustful.trusted_ca_pem.clear();
  PdfSigner other_node(*keys_, *TimeZone::named("Europe/Madrid"), distrustful);
  auto cannot = other_node.check_can_sign("lferrer");
  ASSERT_FALSE(cannot);
  EXPECT_EQ(cannot.error().code, ErrorCode::StateConflict);
  EXPECT_FALSE(other_node.verify(pdf->pdf)->chain_trusted);

  // Back to the clinic's: the next signature is the clinic CA's, and what she signed stays valid.
  ASSERT_TRUE(signer.stop_own_certificate("lferrer"));
  EXPECT_EQ(signer.stop_own_certificate("lferrer").error().code, ErrorCode::NotFound);
  EXPECT_TRUE(other_node.check_can_sign("lferrer"));
  ReportContent more;
  more.sections = {{"addendum", "Addendum", "Compared with the prior: unchanged."}};
  const int64_t revision = signed_report->value.draft_revision;
  ASSERT_TRUE(reports->save_draft(order, revision, more, laia, Reports::Draft::Addendum)->saved());
  auto addendum = reports->sign(order, revision + 1, laia, "10.0.0.7");
  ASSERT_TRUE(addendum && addendum->saved());
  EXPECT_NE(addendum->value.versions[1].signature->certificate_serial, own->serial);
  EXPECT_NE(addendum->value.versions[1].signature->certificate_subject.find("Dra. Laia Ferrer i Puig"), std::string::npos);
  EXPECT_EQ(signer.certificate_of("lferrer")->source, "clinic");
  EXPECT_TRUE(signer.verify(reports->signed_pdf(order, 1, laia)->pdf)->valid());
  fs::remove_all(certs);
}

// A clinic keeps its radiologists' keys on a hardware security module (SoftHSM here): one chooses
// hers among those in her name; the key never leaves the module, and a node that does not reach it
// refuses to sign rather than sign with another.
TEST_F(ReportingTest, ARadiologistSignsWithHerKeyOnTheClinicsSecurityModule) {
  const fs::path certs = brought_certificates("vireo-token-certificates", "make_token.sh");
  ::setenv("SOFTHSM2_CONF", (certs / "softhsm2.conf").c_str(), 1);
  auto token = pdf::Pkcs11Token::open("/usr/lib/softhsm/libsofthsm2.so", "Vireo HSM", "123456");
  ASSERT_TRUE(token) << token.error().message();
  PdfSignerOptions options = trusting(certs);
  PdfSignerOptions without_module = options;
  options.token = *token;
  auto [owned_signer, reports, laia, name] = signing_as_laia(options);
  ASSERT_TRUE(reports);
  PdfSigner& signer = *owned_signer;

  // Hers are listed, each with why it may not sign; nobody else's, nor to a colleague whose name is
  // only part of hers (the module holds everyone's keys behind one PIN).
  auto choices = signer.token_certificates(name);
  ASSERT_TRUE(choices) << choices.error().message();
  ASSERT_EQ(choices->size(), 2u) << "her encryption certificate says \"(cifrado)\" after her name: not hers exactly";
  auto choice = [&](const std::string& object) {
    return *std::ranges::find_if(*choices, [&](const TokenChoice& c) { return c.object == object; });
  };
  EXPECT_EQ(choice("01").problem, "");
  EXPECT_EQ(choice("01").label, "Laia Ferrer");
  EXPECT_NE(choice("01").certificate.subject.find("CN=Laia Ferrer i Puig"), std::string::npos);
  EXPECT_NE(choice("03").problem.find("not issued by an authority this clinic trusts"), std::string::npos);
  EXPECT_TRUE(signer.token_certificates("Dr. Joan Serra")->empty());
  EXPECT_TRUE(signer.token_certificates("Dra. Laia Ferrer")->empty());
  EXPECT_TRUE(names_same_person("Laia Ferrer i Puig", "Dra. Laia Ferrer")) << "enough for a file she holds";
  const std::string hers = choice("01").fingerprint, untrusted = choice("03").fingerprint;

  // Refused as a file would be; a certificate that is not there, or hers to a colleague, is not
  // there (nothing is told of it).
  EXPECT_NE(signer.use_token_certificate("lferrer", name, untrusted).error().detail.find("not issued by an authority"),
            std::string::npos);
  EXPECT_EQ(signer.use_token_certificate("lferrer", name, std::string(64, 'f')).error().code, ErrorCode::NotFound);
  for (const char* other : {"Dr. Joan Serra", "Dra. Laia Ferrer"}) {
    auto refused = signer.use_token_certificate("serra", other, hers);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::NotFound);
    EXPECT_EQ(refused.error().detail.find("Laia Ferrer i Puig"), std::string::npos) << refused.error().detail;
  }
  EXPECT_EQ(signer.certificate_of("lferrer")->source, "clinic");

  auto chosen = signer.use_token_certificate("lferrer", name, hers);
  ASSERT_TRUE(chosen) << chosen.error().message();
  EXPECT_EQ(chosen->source, "token");
  EXPECT_EQ(signer.certificate_of("lferrer")->source, "token");
  EXPECT_TRUE(signer.check_can_sign("lferrer"));
  {
    auto c = db_->connect();
    auto kept = (*c)->query("SELECT encrypted_key_pem, token_object FROM rep_signing_identities WHERE name LIKE 'own:lferrer@%'");
    ASSERT_TRUE(kept && kept->size() == 1);
    EXPECT_TRUE(kept->front().text(0).starts_with("seal:")) << "no key is kept in the database, only its seal";
    EXPECT_EQ(kept->front().text(0).find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(kept->front().text(1), "01");
  }

  const int64_t order = acquired_exam(0);
  ASSERT_TRUE(reading_->claim(order, laia)->saved());
  ASSERT_TRUE(reports->save_draft(order, 0, content("No acute findings.", "Normal."), laia)->saved());
  auto signed_report = reports->sign(order, 1, laia, "10.0.0.7");
  ASSERT_TRUE(signed_report && signed_report->saved()) << (signed_report ? "" : signed_report.error().message());
  EXPECT_EQ(signed_report->value.versions[0].signature->certificate_serial, chosen->serial);
  auto check = signer.verify(reports->signed_pdf(order, 1, laia)->pdf);
  ASSERT_TRUE(check);
  EXPECT_TRUE(check->valid()) << check->problem;
  EXPECT_EQ(check->signer_common_name, "Laia Ferrer i Puig");

  // A node without the module says so before anything is asked of her, and never signs in its
  // place with the clinic's; she can go back to the clinic's from there.
  PdfSigner other_node(*keys_, *TimeZone::named("Europe/Madrid"), without_module);
  auto cannot = other_node.check_can_sign("lferrer");
  ASSERT_FALSE(cannot);
  EXPECT_EQ(cannot.error().code, ErrorCode::StateConflict);
  EXPECT_NE(cannot.error().detail.find("security module"), std::string::npos) << cannot.error().detail;
  EXPECT_EQ(other_node.certificate_of("lferrer")->source, "token");
  EXPECT_TRUE(other_node.verify(reports->signed_pdf(order, 1, laia)->pdf)->valid());

  // Someone with the database but not the passphrase points a colleague's row at her key: the seal
  // no longer holds, and nothing is signed with it.
  auto serra_chosen = signer.use_token_certificate("serra", "Dr. Joan Serra", hers);
  EXPECT_FALSE(serra_chosen);
  {
    auto c = db_->connect();
    ASSERT_TRUE((*c)->execute("INSERT INTO rep_signing_identities (name, encrypted_key_pem, cert_pem, chain_pem, created_at, "
                              "token_object) SELECT 'own:serra@99999999999999999999', encrypted_key_pem, cert_pem, "
                              "chain_pem, created_at, token_object FROM rep_signing_identities WHERE name LIKE "
                              "'own:lferrer@%'"));
  }
  PdfSigner after_restart(*keys_, *TimeZone::named("Europe/Madrid"), options);
  auto forged = after_restart.check_can_sign("serra");
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, ErrorCode::IntegrityError) << forged.error().detail;
  EXPECT_TRUE(after_restart.check_can_sign("lferrer")) << "hers still holds";

  ASSERT_TRUE(other_node.stop_own_certificate("lferrer"));
  EXPECT_EQ(signer.certificate_of("lferrer")->source, "clinic");
  fs::remove_all(certs);
}

// Her authority answers revocation queries (OCSP): a revoked certificate is refused when she brings
// it, and one revoked since stops her next signature, as does a responder that cannot be asked.
TEST_F(ReportingTest, ARevokedCertificateIsRefusedWhenBroughtAndBeforeEachSignature) {
  const fs::path certs = brought_certificates("vireo-ocsp-certificates", "make_ocsp.sh", "http://ocsp.comb.example/");
  PdfSignerOptions options = trusting(certs);
  std::vector<std::string> asked;
  options.revocation = testing::offline_ocsp_responder(certs, "authority", &asked);
  auto [owned_signer, reports, laia, name] = signing_as_laia(options);
  ASSERT_TRUE(reports);
  PdfSigner& signer = *owned_signer;

  auto revoked = signer.use_own_certificate("lferrer", name, testing::slurp(certs / "ocsp-revoked.p12"), "s3cret");
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().code, ErrorCode::InvalidArgument);
  EXPECT_NE(revoked.error().detail.find("was revoked by its authority"), std::string::npos) << revoked.error().detail;
  EXPECT_NE(revoked.error().detail.find("keyCompromise"), std::string::npos) << revoked.error().detail;
  EXPECT_EQ(signer.certificate_of("lferrer")->source, "clinic");
  ASSERT_FALSE(asked.empty());
  EXPECT_EQ(asked.back(), "http://ocsp.comb.example/");
  ASSERT_TRUE(signer.use_own_certificate("lferrer", name, testing::slurp(certs / "ocsp-good.p12"), "s3cret"));
  ASSERT_TRUE(signer.check_can_sign("lferrer"));
  const int64_t order = acquired_exam(0);
  ASSERT_TRUE(reading_->claim(order, laia)->saved());
  ASSERT_TRUE(reports->save_draft(order, 0, content("No acute findings.", "Normal."), laia)->saved());
  auto signed_report = reports->sign(order, 1, laia, "10.0.0.7");
  ASSERT_TRUE(signed_report && signed_report->saved()) << (signed_report ? "" : signed_report.error().message());
  EXPECT_TRUE(signer.verify(reports->signed_pdf(order, 1, laia)->pdf)->valid());

  // Revoked since (a lost card): her next signature is refused before her code is asked for.
  testing::revoke_in_index(certs, "0A11CE01");
  auto now_revoked = signer.check_can_sign("lferrer");
  ASSERT_FALSE(now_revoked);
  EXPECT_EQ(now_revoked.error().code, ErrorCode::StateConflict);
  EXPECT_NE(now_revoked.error().detail.find("was revoked"), std::string::npos) << now_revoked.error().detail;
  const int64_t second = acquired_exam(1);
  ASSERT_TRUE(reading_->claim(second, laia)->saved());
  ASSERT_TRUE(reports->save_draft(second, 0, content("No acute findings.", "Normal."), laia)->saved());
  auto refused = reports->sign(second, 1, laia, "10.0.0.7");
  ASSERT_FALSE(refused && refused->saved());
  EXPECT_EQ((*reports->of_order(second, laia))->versions.size(), 0u) << "nothing signed";

  // A responder that cannot be asked: not signed either, saying so.
  PdfSignerOptions offline = options;
  offline.revocation = [](const std::string&, std::string_view) -> Result<std::string> {
    return fail(ErrorCode::Unavailable, "the certificate's revocation responder cannot be reached");
  };
  PdfSigner cut_off(*keys_, *TimeZone::named("Europe/Madrid"), offline);
  auto unknown = cut_off.check_can_sign("lferrer");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().detail.find("cannot be checked now"), std::string::npos) << unknown.error().detail;
  fs::remove_all(certs);
}

TEST_F(ReportingTest, ACaCertificatePutInTheDatabaseByAnyoneElseIsNotTrusted) {
  const int64_t order = acquired_exam(0);
  ASSERT_TRUE(reading_->claim(order, serra_)->saved());
  ASSERT_TRUE(reports_->save_draft(order, 0, content("No acute findings.", "Normal."), serra_)->saved());
  ASSERT_TRUE(reports_->sign(order, 1, serra_, "10.0.0.7")->saved());
  const std::string pdf = reports_->signed_pdf(order, 1, serra_)->pdf;
  ASSERT_TRUE(signer_->verify(pdf)->valid());
  // Someone with the database but not the installation's passphrase puts their own CA in it: its
  // certificate is not the key kept beside it, and nothing trusts it.
  auto forged = pdf::make_clinic_ca("Clínica Diagonal");
  ASSERT_TRUE(forged);
  {
    auto c = db_->connect();
    ASSERT_TRUE((*c)->execute("UPDATE rep_signing_identities SET cert_pem = ? WHERE name = 'clinic-ca'",
                              {forged->cert_pem}));
  }
  PdfSignerOptions options;
  options.key_passphrase = "a passphrase for the tests";
  PdfSigner after_restart(*keys_, *TimeZone::named("Europe/Madrid"), options);
  auto check = after_restart.verify(pdf);
  ASSERT_FALSE(check);
  EXPECT_EQ(check.error().code, ErrorCode::IntegrityError);
  EXPECT_NE(check.error().detail.find("the database was changed outside Vireo"), std::string::npos) << check.error().detail;
  EXPECT_EQ(after_restart.check_keys().error().code, ErrorCode::IntegrityError) << "the node refuses to start";
}

TEST(SigningCertificates, AKeyOnTheSecurityModuleIsOnlyForTheOneItNamesExactly) {
  EXPECT_TRUE(names_exactly("LAIA FERRER I PUIG - 12345678Z", "Dra. Laia Ferrer i Puig"));
  EXPECT_TRUE(names_exactly("VILA GARCIA MARTA", "Dra. Marta Vila Garcia"));
  EXPECT_FALSE(names_exactly("Laia Ferrer i Puig", "Dra. Laia Ferrer"));
  EXPECT_FALSE(names_exactly("Laia Ferrer", "Dra. Laia Ferrer i Puig"));
  EXPECT_FALSE(names_exactly("12345678Z", "Dra. Laia Ferrer i Puig"));
}

TEST(SigningCertificates, ACertificateNamesThePersonWhateverTheOrderTitlesAccentsOrIdNumber) {
  EXPECT_TRUE(names_same_person("VILA GARCIA MARTA - 12345678Z", "Dra. Marta Vila"));
  EXPECT_TRUE(names_same_person("Laia Ferrer i Puig", "Dra. Laia Ferrer i Puig"));
  EXPECT_TRUE(names_same_person("NÚRIA PUIGDEMONT SOLER", "Dra. Nuria Puigdemont i Soler"));
  EXPECT_FALSE(names_same_person("Laia Ferrer i Puig", "Dr. Joan Serra"));
  EXPECT_FALSE(names_same_person("Marta Serra Vidal", "Dra. Marta Vila")) << "one word in common is not the person";
  EXPECT_FALSE(names_same_person("Servicio de Radiología", "Dra. Marta Vila"));
  EXPECT_FALSE(names_same_person("12345678Z", "Dra. Marta Vila"));
  EXPECT_FALSE(names_same_person("", "Dra. Marta Vila"));
}

TEST_F(ReportingTest, AWrongSideStopsTheSignatureUntilCorrectedOrAcknowledgedAndNothingIsSignedMeanwhile) {
  const int64_t order = acquired_exam(0);
  ASSERT_TRUE(reading_->claim(order, serra_)->saved());
  ReportContent c = content("Spiculated mass in the left breast.", "Suspicious.");
  c.findings = {{"birads", {{"assessment", "4"}, {"laterality", "L"}}}};
  ASSERT_TRUE(reports_->save_draft(order, 0, c, serra_)->saved());
  const Reports::SignContext right{{Side::Right, Side::None}, {}};

  // The finding's side blocks, acknowledged or not; the text's warns. Nothing is signed.
  const std::string before = snapshot();
  auto stopped = reports_->sign(order, 1, serra_, "10.0.0.7", right);
  ASSERT_TRUE(stopped && stopped->conflict);
  EXPECT_EQ(stopped->conflict->rule, "finding_side");
  ASSERT_EQ(stopped->conflict->checks.size(), 2u);
  EXPECT_EQ(stopped->conflict->checks[0].field, "findings/0/laterality");
  EXPECT_EQ(stopped->conflict->checks[1].rule, "text_side");
  EXPECT_EQ(stopped->conflict->checks[1].level, kSignWarn);
  auto acknowledged = Reports::SignContext{right.sides, {"finding_side", "text_side"}};
  EXPECT_EQ(reports_->sign(order, 1, serra_, "10.0.0.7", acknowledged)->conflict->rule, "finding_side");
  EXPECT_EQ((*reports_->check_sign(order, 1, serra_, acknowledged))->rule, "finding_side");
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(reports_->sign_checks_of(order, right.sides, serra_)->size(), 2u);
  EXPECT_EQ(reports_->sign_checks_of(order, right.sides, signed_in("tech", access::Role::Technician)).error().code,
            ErrorCode::Forbidden);

  // The finding corrected, the text still names the left side: a warning until acknowledged.
  c.findings[0].values[1].second = "R";
  ASSERT_TRUE(reports_->save_draft(order, 1, c, serra_)->saved());
  const std::string corrected = snapshot();
  EXPECT_EQ(reports_->sign(order, 2, serra_, "10.0.0.7", right)->conflict->rule, "text_side");
  EXPECT_EQ(snapshot(), corrected);
  auto signed_report = reports_->sign(order, 2, serra_, "10.0.0.7", {right.sides, {"text_side"}});
  ASSERT_TRUE(signed_report && signed_report->saved());
  EXPECT_EQ(signed_report->value.status, "final");
}

TEST_F(ReportingTest, ASignedReportIsKeptAsSignedAndAnAddendumAddsAVersion) {
  const int64_t order = acquired_exam(0);
  ASSERT_TRUE(reading_->claim(order, serra_)->saved());
  ReportContent preamble = content("  ", "\n");
  preamble.sections.insert(preamble.sections.begin(), ReportSection{"indication", "Clinical information", "Headache"});
  auto empty = reports_->save_draft(order, 0, preamble, serra_);
  ASSERT_TRUE(empty && empty->saved());
  std::string before = snapshot();
  EXPECT_EQ(reports_->sign(order, 1, serra_, "10.0.0.7")->conflict->rule, "empty_report")
      << "the order's clinical information alone is not a report";
  EXPECT_EQ(reports_->submit_preliminary(order, 1, serra_)->conflict->rule, "empty_report");
  EXPECT_EQ(snapshot(), before);

  auto text = reports_->save_draft(order, 1, content("No acute intracranial haemorrhage.", "Normal CT head."), serra_);
  ASSERT_TRUE(text && text->saved());
  auto preliminary = reports_->submit_preliminary(order, 2, serra_);
  ASSERT_TRUE(preliminary && preliminary->saved());
  EXPECT_EQ(preliminary->value.status, "preliminary");
  EXPECT_EQ(order_status(order), "preliminary");
  ASSERT_EQ(preliminary->value.versions.size(), 1u);
  EXPECT_EQ(preliminary->value.versions[0].kind, "preliminary");
  EXPECT_FALSE(preliminary->value.versions[0].signature);

  EXPECT_EQ(preliminary->value.draft_revision, 2) << "handing on keeps the working text's revision";
  before = snapshot();
  EXPECT_EQ(reports_->sign(order, 2, vila_, "10.0.0.8")->conflict->rule, "reading_claimed");
  EXPECT_EQ(reports_->sign(order, 1, serra_, "10.0.0.7")->conflict->rule, "stale");
  EXPECT_EQ(reports_->sign(order, 2, signed_in("chief", access::Role::Admin), "10.0.0.9").error().code,
            ErrorCode::Forbidden);
  auto ahead = reports_->check_sign(order, 1, serra_);
  ASSERT_TRUE(ahead && *ahead);
  EXPECT_EQ((*ahead)->rule, "stale") << "refused before the radiologist's code is asked for";
  EXPECT_FALSE(*reports_->check_sign(order, 2, serra_)) << "nothing in the way";
  EXPECT_EQ(snapshot(), before);

  auto signed_report = reports_->sign(order, 2, serra_, "10.0.0.7");
  ASSERT_TRUE(signed_report) << signed_report.error().message();
  ASSERT_TRUE(signed_report->saved()) << signed_report->conflict->message;
  const Report& r = signed_report->value;
  EXPECT_EQ(r.status, "final");
  EXPECT_EQ(order_status(order), "released") << "the clinic's rule: released when signed";
  EXPECT_TRUE(r.draft.sections.empty()) << "the working text is the next addendum's";
  ASSERT_EQ(r.versions.size(), 2u);
  const ReportVersion& final_version = r.versions[1];
  EXPECT_EQ(final_version.kind, "final");
  ASSERT_TRUE(final_version.signature);
  EXPECT_EQ(final_version.signature->signer, "serra");
  EXPECT_EQ(final_version.signature->signer_name, "Dr. Joan Serra");
  EXPECT_EQ(final_version.signature->signed_from, "10.0.0.7");
  EXPECT_NE(final_version.signature->certificate_subject.find("Dr. Joan Serra"), std::string::npos);
  ASSERT_TRUE(final_version.release);
  EXPECT_EQ(final_version.release->released_at, final_version.release->due_at);
  EXPECT_FALSE(final_version.release->sensitive);
  const auto signed_topics = topics();
  EXPECT_EQ((std::vector<std::string>(signed_topics.end() - 2, signed_topics.end())),
            (std::vector<std::string>{kReportSigned, kReportReleased}));
  auto pdf = reports_->signed_pdf(order, 2, serra_);
  ASSERT_TRUE(pdf) << pdf.error().message();
  EXPECT_EQ(sha256_hex(pdf->pdf), final_version.signature->pdf_sha256);
  auto check = signer_->verify(pdf->pdf);
  ASSERT_TRUE(check) << check.error().message();
  EXPECT_TRUE(check->valid()) << check->problem;
  EXPECT_EQ(check->sub_filter, "ETSI.CAdES.detached");

  // Signed: not signed again, never edited, nobody's to read.
  before = snapshot();
  EXPECT_EQ(reports_->sign(order, r.draft_revision, serra_, "10.0.0.7")->conflict->rule, "already_signed");
  EXPECT_EQ(reports_->save_draft(order, r.draft_revision, content("changed", ""), serra_)->conflict->rule,
            "already_signed");
  EXPECT_EQ(reports_->submit_preliminary(order, r.draft_revision, serra_)->conflict->rule, "already_signed");
  EXPECT_EQ(reading_->claim(order, vila_)->conflict->rule, "exam_state");
  {
    auto c = db_->connect();
    EXPECT_FALSE((*c)->execute("UPDATE rep_version_sections SET body = 'edited'", {})) << "append-only";
    EXPECT_FALSE((*c)->execute("DELETE FROM rep_signatures", {})) << "append-only";
  }
  EXPECT_EQ(snapshot(), before);

  // An addendum, by another radiologist: a new signed version; the first stays as it was.
  ReportContent addendum;
  addendum.sections = {{"addendum", "Addendum", "Compared with the MRI of 2027-02-10: unchanged."}};
  auto drafted = reports_->save_draft(order, r.draft_revision, addendum, vila_, Reports::Draft::Addendum);
  ASSERT_TRUE(drafted && drafted->saved());
  EXPECT_EQ(reports_->sign(order, drafted->value.draft_revision, serra_, "10.0.0.7")->conflict->rule, "not_your_draft")
      << "each signs only the addendum they wrote";
  auto amended = reports_->sign(order, drafted->value.draft_revision, vila_, "10.0.0.8");
  ASSERT_TRUE(amended && amended->saved());
  EXPECT_EQ(amended->value.status, "amended");
  EXPECT_EQ(order_status(order), "amended");
  ASSERT_EQ(amended->value.versions.size(), 3u);
  EXPECT_EQ(amended->value.versions[2].kind, "addendum");
  EXPECT_EQ(amended->value.versions[2].signature->signer, "vila");
  EXPECT_EQ(amended->value.versions[1].content, final_version.content) << "the signed text as it was";
  EXPECT_EQ(reports_->signed_pdf(order, 2, serra_)->pdf, pdf->pdf) << "the first PDF as it was";
  EXPECT_TRUE(signer_->verify(reports_->signed_pdf(order, 3, vila_)->pdf)->valid());
  // VIREO_PDF_KEEP=1 keeps both PDFs for a look (pdftoppm).
  if (std::getenv("VIREO_PDF_KEEP"))
    for (int64_t n : {2, 3}) std::ofstream("/tmp/vireo-report-" + std::to_string(n) + ".pdf") << reports_->signed_pdf(order, n, vila_)->pdf;
  const auto amended_topics = topics();
  EXPECT_EQ((std::vector<std::string>(amended_topics.end() - 2, amended_topics.end())),
            (std::vector<std::string>{kReportAmended, kReportReleased}));
}

TEST_F(ReportingTest, ASensitiveResultIsHeldForTheClinicsDelayThenReleasedOnceByWhicheverNodeLooks) {
  auto held = Reports::open(*db_, *writes_, *outbox_, *signer_, ReleaseRule{std::chrono::hours(72)}, clock_);
  auto releases = Releases::open(*db_, *writes_, *outbox_, clock_);
  auto other_node = Releases::open(*db_, *writes_, *outbox_, clock_);
  ASSERT_TRUE(held && releases && other_node);
  auto sign = [&](int n, const ReportContent& c) {
    const int64_t order = acquired_exam(n);
    EXPECT_TRUE(reading_->claim(order, serra_)->saved());
    EXPECT_TRUE((*held)->save_draft(order, 0, c, serra_)->saved());
    auto done = (*held)->sign(order, 1, serra_, "10.0.0.7");
    EXPECT_TRUE(done && done->saved());
    return std::pair{order, done->value.versions.back().release};
  };
  const int64_t flagged_order = acquired_exam(2);
  // Not sensitive: out at once, whatever the delay.
  auto [normal, normal_release] = sign(0, content("No acute finding.", "Normal."));
  EXPECT_EQ(order_status(normal), "released");
  ASSERT_TRUE(normal_release);
  EXPECT_FALSE(normal_release->released_at.empty());
  // A BI-RADS 4: held 72 hours, the order final meanwhile.
  ReportContent suspicious = content("Spiculated mass.", "Suspicious.");
  suspicious.findings = {{"birads", {{"assessment", "4B"}, {"laterality", "L"}}}};
  auto [breast, breast_release] = sign(1, suspicious);
  ASSERT_TRUE(breast_release);
  EXPECT_TRUE(breast_release->sensitive);
  EXPECT_EQ(breast_release->due_at, utc_iso(clock_.unix_seconds() + 72 * 3600));
  EXPECT_EQ(breast_release->released_at, "");
  EXPECT_EQ(order_status(breast), "final");
  // An addendum to it, however plain, waits with it.
  auto drafted = (*held)->save_draft(breast, 2, content("", "Biopsy advised."), serra_, Reports::Draft::Addendum);
  ASSERT_TRUE(drafted && drafted->saved());
  auto added = (*held)->sign(breast, drafted->value.draft_revision, serra_, "10.0.0.7");
  ASSERT_TRUE(added && added->saved());
  ASSERT_TRUE(added->value.versions.back().release);
  EXPECT_EQ(added->value.versions.back().release->due_at, breast_release->due_at);
  EXPECT_EQ(added->value.versions.back().release->released_at, "");
  EXPECT_EQ(*(*releases)->release_due(), 0);
  // Held, no letter goes to the patient; released, it speaks of the latest BI-RADS assessment.
  EXPECT_EQ((*(*held)->letter_source(breast, serra_)).conflict->rule, "not_released");
  EXPECT_EQ((*(*held)->letter_source(normal, serra_)).conflict->rule, "no_letter");
  clock_.now += 72 * 3600;
  EXPECT_EQ(*(*releases)->release_due(), 2);
  auto letter = (*held)->letter_source(breast, serra_);
  ASSERT_TRUE(letter && !letter->conflict);
  EXPECT_EQ(letter->version.number, 1) << "the addendum has no assessment of its own";
  auto pdf = signer_->letter(letter->exam, letter->version, "ca");
  ASSERT_TRUE(pdf) << pdf.error().message();
  EXPECT_TRUE(pdf->starts_with("%PDF-"));
  EXPECT_EQ(*(*other_node)->release_due(), 0) << "released once";
  EXPECT_EQ(order_status(breast), "amended") << "(its addendum signed)";
  EXPECT_EQ(topics().back(), kReportReleased);
  // A critical result flagged makes any text sensitive; the radiologist may release it early.
  ASSERT_TRUE(reading_->claim(flagged_order, serra_)->saved());
  auto critical = CriticalResults::open(*db_, *writes_, *outbox_, default_critical_findings(), clock_);
  ASSERT_TRUE(critical->flag(flagged_order, default_critical_findings()[0], "", serra_)->saved());
  ASSERT_TRUE((*held)->save_draft(flagged_order, 0, content("Pneumothorax.", "Pneumothorax."), serra_)->saved());
  auto flagged = (*held)->sign(flagged_order, 1, serra_, "10.0.0.7");
  ASSERT_TRUE(flagged && flagged->saved());
  EXPECT_TRUE(flagged->value.versions.back().release->sensitive);
  EXPECT_EQ(order_status(flagged_order), "final");
  EXPECT_EQ((*releases)->release_now(flagged_order, signed_in("tomas", access::Role::Technician)).error().code,
            ErrorCode::Forbidden);
  EXPECT_EQ(*(*releases)->release_now(flagged_order, vila_), 1);
  EXPECT_EQ(*(*releases)->release_now(flagged_order, vila_), 0) << "nothing held any more";
  EXPECT_EQ(order_status(flagged_order), "released");
  auto report = (*held)->of_order(flagged_order, serra_);
  EXPECT_EQ((*report)->versions.back().release->released_by, "vila");
  EXPECT_TRUE((*report)->versions.back().release->sensitive);
  // Out already, a correction goes out at once: the critical result flagged holds the report, not
  // what is added to it.
  auto correction = (*held)->save_draft(flagged_order, 2, content("", "Correction: left, not right."), serra_,
                                        Reports::Draft::Addendum);
  ASSERT_TRUE(correction && correction->saved());
  auto corrected = (*held)->sign(flagged_order, correction->value.draft_revision, serra_, "10.0.0.7");
  ASSERT_TRUE(corrected && corrected->saved());
  EXPECT_FALSE(corrected->value.versions.back().release->released_at.empty());
}

}  // namespace
}  // namespace vireo::reporting

namespace vireo::reporting {
namespace {

CodedFinding finding(std::string system, std::vector<std::pair<std::string, std::string>> values) {
  return {std::move(system), std::move(values)};
}

std::vector<std::string> rules(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field + " " + e.rule);
  return out;
}

TEST_F(ReportingTest, TurnaroundIsCountedPerModalityRadiologistAndPriorityWithWhatWaitsNow) {
  // Three reports signed, their moments set: ordered a day ago, images an hour later, signed 30,
  // 60 and 90 minutes after their images (the third a stat exam, by another radiologist).
  std::vector<int64_t> orders;
  for (int n = 0; n < 3; ++n) {
    const int64_t order = acquired_exam(n, n == 2 ? "stat" : "routine");
    const auto& reader = n == 2 ? vila_ : serra_;
    EXPECT_TRUE(reading_->claim(order, reader)->saved());
    EXPECT_TRUE(reports_->save_draft(order, 0, content("No acute finding.", "Normal."), reader)->saved());
    EXPECT_TRUE(reports_->sign(order, 1, reader, "10.0.0.7")->saved());
    orders.push_back(order);
  }
  const int64_t waiting = acquired_exam(3, "urgent");  // not yet reported
  // (Signatures are append-only: the other moments are set from each one's.)
  auto c = db_->connect();
  for (int n = 0; n < 3; ++n) {
    auto signed_row = (*c)->query("SELECT s.signed_at FROM rep_signatures s JOIN rep_reports r ON r.id = s.report_id "
                                  "WHERE r.order_id = ?",
                                  {orders[n]});
    ASSERT_TRUE(signed_row && signed_row->size() == 1);
    const std::string signed_at = (*signed_row)[0].text(0);
    const int64_t at = parse_instant(signed_at)->time_since_epoch().count();
    ASSERT_TRUE((*c)->execute("UPDATE ris_orders SET created_at = ?, acquired_at = ? WHERE id = ?",
                              {utc_iso(at - 1800 * (n + 1) - 3600), utc_iso(at - 1800 * (n + 1)), orders[n]}));
    ASSERT_TRUE((*c)->execute("UPDATE rep_releases SET released_at = ? WHERE report_id = (SELECT id FROM rep_reports "
                              "WHERE order_id = ?)",
                              {signed_at, orders[n]}));
  }
  auto stats = ReportingStats::open(*db_);
  auto t = (*stats)->turnaround(7, serra_);
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->overall.reports, 3);
  EXPECT_EQ(t->overall.to_acquired.median_min, 60);
  EXPECT_EQ(t->overall.to_signed.median_min, 60);
  EXPECT_EQ(t->overall.to_signed.p90_min, 90);
  EXPECT_EQ(t->overall.to_released.median_min, 0);
  EXPECT_EQ(t->overall.total.p90_min, 150);
  ASSERT_EQ(t->by_radiologist.size(), 2u);
  EXPECT_EQ(t->by_radiologist[0].key, "Dr. Joan Serra");
  EXPECT_EQ(t->by_radiologist[0].to_signed.median_min, 30);
  EXPECT_EQ(t->by_radiologist[1].key, "Dra. Marta Vila");
  EXPECT_EQ(t->by_radiologist[1].to_signed.median_min, 90);
  ASSERT_EQ(t->by_priority.size(), 2u);
  EXPECT_EQ(t->by_priority[1].key, "stat");
  ASSERT_EQ(t->by_modality.size(), 1u);
  EXPECT_EQ(t->by_modality[0].key, "CT");
  ASSERT_EQ(t->pending.size(), 1u);
  EXPECT_EQ((std::tuple{t->pending[0].modality, t->pending[0].priority, t->pending[0].count}),
            (std::tuple{std::string("CT"), std::string("urgent"), int64_t{1}}));
  auto acquired = (*c)->query("SELECT acquired_at FROM ris_orders WHERE id = ?", {waiting});
  ASSERT_TRUE(acquired && acquired->size() == 1);
  EXPECT_FALSE((*acquired)[0].text(0).empty());
  EXPECT_EQ(t->pending[0].oldest_acquired_at, (*acquired)[0].text(0));
  EXPECT_EQ(t->held, 0);
  // Signed before the period: not counted; a period out of range, or a technician: refused.
  testing::ManualClock a_week_on;
  a_week_on.now = system_clock().unix_seconds() + 8 * 86400;
  auto later = ReportingStats::open(*db_, a_week_on);
  EXPECT_EQ((*later)->turnaround(7, serra_)->overall.reports, 0);
  EXPECT_EQ((*later)->turnaround(9, serra_)->overall.reports, 3);
  EXPECT_EQ((*stats)->turnaround(0, serra_).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ((*stats)->turnaround(367, serra_).error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ((*stats)->turnaround(7, signed_in("tomas", access::Role::Technician)).error().code, ErrorCode::Forbidden);
}

TEST_F(ReportingTest, AShareOfReportsIsOfferedForPeerReviewToAnotherRadiologistWhoScoresItOnce) {
  const int64_t order = acquired_exam(0);
  ASSERT_TRUE(reading_->claim(order, serra_)->saved());
  ASSERT_TRUE(reports_->save_draft(order, 0, content("No acute finding.", "Normal."), serra_)->saved());
  auto signed_report = reports_->sign(order, 1, serra_, "10.0.0.7");
  ASSERT_TRUE(signed_report && signed_report->saved());
  const Report& r = signed_report->value;
  const events::Event signed_event{kReportSigned,
                                   {{"report", std::to_string(r.id)},
                                    {"order", std::to_string(order)},
                                    {"accession", r.accession_number},
                                    {"patient", std::to_string(r.patient_id)},
                                    {"version", "1"}}};
  // None offered at 0%; at 100%, once, however often the event comes.
  auto none = PeerReviews::open(*db_, *writes_, 0, clock_);
  ASSERT_TRUE(none->offer(signed_event));
  EXPECT_TRUE(none->offered(vila_)->empty());
  auto reviews = PeerReviews::open(*db_, *writes_, 100, clock_);
  ASSERT_TRUE(reviews->offer(signed_event));
  ASSERT_TRUE(reviews->offer(signed_event));
  EXPECT_TRUE(reviews->offered(serra_)->empty()) << "not one's own report";
  auto offered = reviews->offered(vila_);
  ASSERT_EQ(offered->size(), 1u);
  EXPECT_EQ((*offered)[0].reader_name, "Dr. Joan Serra");
  EXPECT_EQ((*offered)[0].accession_number, r.accession_number);
  EXPECT_EQ((*offered)[0].procedures, std::vector<std::string>{"CT head"});

  // Refused: its author, a score not in RADPEER, a discrepancy without a word, a technician.
  EXPECT_EQ(reviews->score(order, {"1", ""}, serra_)->conflict->rule, "own_report");
  EXPECT_EQ(rules_of(reviews->score(order, {"4", ""}, vila_)->invalid, "score"), std::vector<std::string>{"vocabulary"});
  EXPECT_EQ(rules_of(reviews->score(order, {"2b", " "}, vila_)->invalid, "comment"), std::vector<std::string>{"required"});
  EXPECT_EQ(reviews->score(order, {"1", ""}, signed_in("tomas", access::Role::Technician)).error().code,
            ErrorCode::Forbidden);
  EXPECT_EQ(reviews->score(order + 100, {"1", ""}, vila_).error().code, ErrorCode::NotFound);
  auto scored = reviews->score(order, {"2b", "Missed 6 mm nodule, right upper lobe."}, vila_);
  ASSERT_TRUE(scored && scored->saved());
  EXPECT_EQ(scored->value.reviewer_name, "Dra. Marta Vila");
  EXPECT_EQ(scored->value.status, "done");
  EXPECT_EQ(reviews->score(order, {"1", ""}, vila_)->conflict->rule, "already_reviewed");
  EXPECT_TRUE(reviews->offered(vila_)->empty());

  // For the administrator: per radiologist. Not for a radiologist.
  auto summary = reviews->summary(365, signed_in("ada", access::Role::Admin));
  ASSERT_TRUE(summary) << summary.error().message();
  ASSERT_EQ(summary->size(), 1u);
  EXPECT_EQ((*summary)[0].reader_name, "Dr. Joan Serra");
  EXPECT_EQ((*summary)[0].reviewed, 1);
  EXPECT_EQ((*summary)[0].significant, 1);
  EXPECT_EQ((*summary)[0].scores[2], (std::pair<std::string, int64_t>{"2b", 1}));
  EXPECT_EQ(reviews->summary(365, vila_).error().code, ErrorCode::Forbidden);
}

TEST(PeerReview, TheShareChosenIsStableAndAboutTheShareAsked) {
  EXPECT_FALSE(chosen_for_review("20270000001", 0));
  EXPECT_TRUE(chosen_for_review("20270000001", 100));
  int chosen = 0;
  for (int i = 0; i < 2000; ++i) chosen += chosen_for_review("2027" + std::to_string(1000000 + i), 10) ? 1 : 0;
  EXPECT_GT(chosen, 140);
  EXPECT_LT(chosen, 260);
  EXPECT_EQ(chosen_for_review("20270001234", 37), chosen_for_review("20270001234", 37));
}

TEST(Turnaround, TheMedianAndThe90thPercentileAreNearestRank) {
  EXPECT_EQ(span_of({}).count, 0);
  auto s = span_of({5, 1, 3, 2, 4, 6, 7, 8, 9, 10});
  EXPECT_EQ((std::tuple{s.count, s.median_min, s.p90_min}), (std::tuple{int64_t{10}, 5.0, 9.0}));
  s = span_of({42});
  EXPECT_EQ((std::tuple{s.median_min, s.p90_min}), (std::tuple{42.0, 42.0}));
}

TEST(Release, ResultsSuspiciousForOrStagingAMalignancyAreSensitive) {
  auto with = [](CodedFinding f) {
    ReportContent c;
    c.findings = {std::move(f)};
    return sensitive_result(c);
  };
  EXPECT_FALSE(sensitive_result({}));
  EXPECT_FALSE(with({"birads", {{"assessment", "3"}, {"laterality", "L"}}}));
  EXPECT_TRUE(with({"birads", {{"assessment", "4A"}, {"laterality", "L"}}}));
  EXPECT_TRUE(with({"birads", {{"assessment", "6"}, {"laterality", "R"}}}));
  EXPECT_FALSE(with({"lungrads", {{"category", "3"}}}));
  EXPECT_TRUE(with({"lungrads", {{"category", "4X"}}}));
  EXPECT_TRUE(with({"lirads", {{"category", "LR-M"}}}));
  EXPECT_FALSE(with({"pirads", {{"score", "3"}}}));
  EXPECT_TRUE(with({"pirads", {{"score", "5"}}}));
  EXPECT_TRUE(with({"tnm", {{"t", "T1a"}}}));
}

TEST(SignChecks, TheSideIsReadInTheClinicsLanguagesFromWordsNotParts) {
  EXPECT_EQ(side_named_in("Mammography, left breast"), Side::Left);
  EXPECT_EQ(side_named_in("Ecografía mama DERECHA"), Side::Right);
  EXPECT_EQ(side_named_in("Mamografia bilateral"), Side::Both);
  EXPECT_EQ(side_named_in("Genoll esquerre i dret"), Side::Both);
  EXPECT_EQ(side_named_in("Leftover contrast; bright signal; copyright"), Side::None);
  // Procedure names abbreviate; a report's "RT" is as likely radiotherapy.
  EXPECT_EQ(side_named_in("RM RODILLA DCHA", true), Side::Right);
  EXPECT_EQ(side_named_in("ECO MAMA IZQ", true), Side::Left);
  EXPECT_EQ(side_named_in("XR knee (LT)", true), Side::Left);
  EXPECT_EQ(side_named_in("Post-RT changes", false), Side::None);
  EXPECT_EQ(side_of_images({"L", "L", ""}), Side::Left);
  EXPECT_EQ(side_of_images({"L", "R"}), Side::Both);
  EXPECT_EQ(side_of_images({"U", ""}), Side::None);
  EXPECT_EQ((ExamSides{Side::None, Side::Right}).exam(), Side::Right);
  EXPECT_EQ((ExamSides{Side::Left, Side::Right}).exam(), Side::Left);
}

TEST(SignChecks, AWrongSideBlocksInAFindingWarnsInTheTextAndAnExamOfNoSideHasNone) {
  ReportContent c;
  c.sections = {{"findings", "Findings", "Mass in the right breast."}, {"impression", "Impression", "Bilateral cysts."},
                {"comparison", "Comparison", "Right breast unchanged."}};
  c.findings = {{"birads", {{"assessment", "4"}, {"laterality", "R"}}}, {"birads", {{"assessment", "2"}}}};
  auto checks = sign_checks(c, {Side::Left, Side::None}, false);
  std::vector<std::string> got;
  for (const auto& k : checks) got.push_back(k.rule + " " + k.level + " " + k.field);
  EXPECT_EQ(got, (std::vector<std::string>{"finding_side block findings/0/laterality", "text_side warn findings",
                                            "text_side warn comparison"}));
  EXPECT_EQ(checks[1].detail, "The findings name the right side; this exam is of the left side");
  EXPECT_EQ(checks[1].exam_side + " " + checks[1].named_side, "left right");
  EXPECT_TRUE(sign_checks(c, {Side::Right, Side::None}, false).empty());
  EXPECT_TRUE(sign_checks(c, {Side::Both, Side::None}, false).empty()) << "a bilateral exam names both";
  EXPECT_TRUE(sign_checks(c, {Side::None, Side::None}, false).empty()) << "a chest has no side to contradict";
  // The images' side stands in for an order that names none, and is checked against one that does.
  EXPECT_EQ(sign_checks(c, {Side::None, Side::Left}, false).size(), 3u);
  auto imaged = sign_checks(c, {Side::Right, Side::Left}, false);
  ASSERT_EQ(imaged.size(), 1u);
  EXPECT_EQ(imaged[0].rule, "images_side");
  EXPECT_EQ(imaged[0].detail, "The images are of the left; the exam was ordered for the right side");
}

TEST(SignChecks, AnExamOfAPairedPartWithNoSideKnownSaysNoSideCheckRan) {
  EXPECT_TRUE(paired_part_named("MRI knee\nKNEE"));
  EXPECT_TRUE(paired_part_named("RM de rodilla"));
  EXPECT_TRUE(paired_part_named("Ecografia de mama"));
  EXPECT_TRUE(paired_part_named("Radiografia de la mà"));
  EXPECT_FALSE(paired_part_named("CT head\nHEAD"));
  EXPECT_FALSE(paired_part_named("TC de tórax"));
  ReportContent c;
  c.sections = {{"findings", "Findings", "Meniscal tear."}};
  ExamSides knee{Side::None, Side::None, true};
  auto checks = sign_checks(c, knee, false, "MR");
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].rule + " " + checks[0].level, "side_unknown warn");
  EXPECT_TRUE(sign_checks(c, {Side::Right, Side::None, true}, false, "MR").empty()) << "ordered";
  EXPECT_TRUE(sign_checks(c, {Side::None, Side::Left, true}, false, "MR").empty()) << "imaged";
  EXPECT_TRUE(sign_checks(c, {Side::None, Side::None, false}, false, "CT").empty()) << "a head has no side";
  EXPECT_TRUE(sign_checks(c, knee, true, "MR").empty()) << "said when the report was signed";
}

TEST(SignChecks, AClassificationNamedInTheTextOnlyIsAWarning) {
  ReportContent c;
  c.sections = {{"findings", "Findings", "Solid nodule, ACR TI-RADS 5 (TR5)."}, {"impression", "Impression", "Bi-Rads 5."}};
  auto checks = sign_checks(c, {}, false, "US");
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0], (SignCheck{"finding_uncoded", kSignWarn, "findings",
                                  "The findings name TI-RADS but no structured finding records it: add it under "
                                  "Structured findings"}));
  EXPECT_EQ(checks[1].field, "impression");
  c.findings = {{"birads", {{"assessment", "5"}, {"laterality", "R"}}}, {"tirads", {{"composition", "solid"}}}};
  EXPECT_TRUE(sign_checks(c, {}, false, "US").empty());
  ReportContent plain;
  plain.sections = {{"findings", "Findings", "Pirate-shaped radsomething; no classification."}};
  EXPECT_TRUE(sign_checks(plain, {}, false, "CT").empty());
}

TEST(SignChecks, AMammogramIsNotSignedWithoutItsBiradsAssessmentAndAWarningOnlyOnceAcknowledged) {
  // As the report is checked: against the template it was written from.
  auto checked = [](const ReportContent& c, bool addendum) {
    return sign_checks(c, {}, addendum, "", vireo_template(c.template_code));
  };
  ReportContent mg;
  mg.template_code = "VIR-MG-BREAST";
  mg.sections = {{"impression", "Impression", "Negative mammogram."}};
  auto checks = checked(mg, false);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0], (SignCheck{"finding_required", kSignBlock, "findings",
                                  "The Mammography template asks for a structured finding (birads)"}));
  EXPECT_TRUE(checked(mg, true).empty()) << "an addendum adds to the assessment signed";
  mg.findings = {{"birads", {{"assessment", "1"}}}};
  EXPECT_TRUE(checked(mg, false).empty());
  ReportContent us = mg;
  us.template_code = "VIR-US-BREAST";
  us.findings.clear();
  auto warned = checked(us, false);
  ASSERT_EQ(warned.size(), 1u);
  EXPECT_EQ(warned[0].level, kSignWarn);
  EXPECT_EQ(stopping_check(warned, {}), &warned[0]);
  EXPECT_EQ(stopping_check(warned, {"text_side"}), &warned[0]);
  EXPECT_EQ(stopping_check(warned, {"finding_required"}), nullptr);
  EXPECT_EQ(stopping_check(warned, {"finding_required/findings"}), nullptr) << "one by one";
  EXPECT_EQ(stopping_check(warned, {"finding_required/impression"}), &warned[0]) << "another one's";
  EXPECT_EQ(stopping_check(checks, {"finding_required"}), &checks[0]) << "a blocking check is not acknowledged";
  // A mammogram's report needs it whatever template it was written from, or none.
  ReportContent untemplated;
  untemplated.sections = {{"impression", "Impression", "Negative."}};
  auto mammogram = sign_checks(untemplated, {}, false, "MG");
  ASSERT_EQ(mammogram.size(), 1u);
  EXPECT_EQ(mammogram[0].rule + " " + mammogram[0].level, "finding_required block");
  EXPECT_TRUE(sign_checks(untemplated, {}, false, "CT").empty());
  EXPECT_TRUE(sign_checks(untemplated, {}, true, "MG").empty());
  ReportContent thyroid = us;
  thyroid.template_code = "VIR-US-THYROID";
  EXPECT_TRUE(checked(thyroid, false).empty()) << "a normal thyroid has no nodule to classify";
}

TEST(Letter, SpeaksOfTheAssessmentThatAsksMostOfThePatientInPlainWords) {
  ReportContent c;
  EXPECT_EQ(letter_assessment(c), "");
  c.findings = {{"birads", {{"assessment", "2"}, {"laterality", "R"}}}, {"birads", {{"assessment", "0"}, {"laterality", "L"}}}};
  EXPECT_EQ(letter_assessment(c), "0") << "a recall asks more of her than a benign finding";
  c.findings.push_back({"birads", {{"assessment", "4A"}, {"laterality", "L"}}});
  c.findings.push_back({"lungrads", {{"category", "4X"}}});
  EXPECT_EQ(letter_assessment(c), "4A");
  const LetterText suspicious = letter_text("4A", "en");
  EXPECT_EQ(suspicious.title, "Your breast imaging result");
  ASSERT_EQ(suspicious.parts.size(), 2u);
  EXPECT_NE(suspicious.parts[0].body.find("biopsy"), std::string::npos);
  EXPECT_NE(letter_text("1", "es").parts[0].body.find("no muestra signos de cáncer"), std::string::npos);
  EXPECT_NE(letter_text("3", "ca").parts[1].body.find("6 mesos"), std::string::npos);
  EXPECT_NE(letter_text("0", "en").parts[0].body.find("more pictures"), std::string::npos);
  for (const char* a : {"0", "1", "2", "3", "4", "4B", "5", "6"})
    for (const char* language : {"en", "es", "ca"})
      for (const auto& part : letter_text(a, language).parts)
        EXPECT_EQ(part.body.find("BI-RADS"), std::string::npos) << "no jargon: " << a << " " << language;
}

TEST(Vocabularies, WhatIsNotInTheVocabularyIsRefusedNamingTheField) {
  EXPECT_TRUE(check_finding(finding("birads", {{"assessment", "4A"}, {"laterality", "L"}, {"size_mm", "12"}}), 0).empty());
  EXPECT_EQ(rules(check_finding(finding("birads", {{"assessment", "7"}, {"laterality", "L"}}), 2)),
            std::vector<std::string>{"findings/2/assessment vocabulary"})
      << "no BI-RADS 7";
  EXPECT_EQ(rules(check_finding(finding("tnm", {{"t", "T2"}, {"n", "N1"}, {"m", "M2"}}), 0)),
            std::vector<std::string>{"findings/0/m vocabulary"})
      << "no M2";
  EXPECT_EQ(rules(check_finding(finding("birads", {{"laterality", "L"}}), 0)),
            std::vector<std::string>{"findings/0/assessment required"});
  EXPECT_EQ(rules(check_finding(finding("birads", {{"assessment", "2"}, {"laterality", "L"}, {"size_mm", "0"}}), 0)),
            std::vector<std::string>{"findings/0/size_mm range"});
  EXPECT_EQ(rules(check_finding(finding("birads", {{"assessment", "2"}, {"laterality", "L"}, {"colour", "red"}}), 0)),
            std::vector<std::string>{"findings/0/colour unknown"});
  EXPECT_EQ(rules(check_finding(finding("birads", {{"assessment", "2"}, {"assessment", "3"}, {"laterality", "R"}}), 0)),
            std::vector<std::string>{"findings/0/assessment duplicate"});
  EXPECT_EQ(rules(check_finding(finding("radlex", {}), 0)), std::vector<std::string>{"findings/0/system unknown"});
  const auto message = check_finding(finding("birads", {{"assessment", "7"}, {"laterality", "L"}}), 0)[0].message;
  EXPECT_NE(message.find("one of 0, 1, 2, 3, 4, 4A, 4B, 4C, 5, 6"), std::string::npos) << message;
}

TEST(Vocabularies, ACategoryCarriesItsManagementInTheReportsLanguage) {
  const auto birads = describe(finding("birads", {{"assessment", "4B"}, {"laterality", "L"}, {"size_mm", "12"}}), "es");
  EXPECT_EQ(birads.category, "BI-RADS 4B: Sospecha moderada de malignidad");
  EXPECT_EQ(birads.management, "Diagnóstico histológico");
  EXPECT_EQ(birads.description, "Lado: izquierdo; Tamaño: 12 mm");
  EXPECT_EQ(birads.sentence(),
            "BI-RADS 4B: Sospecha moderada de malignidad. Lado: izquierdo; Tamaño: 12 mm. Diagnóstico histológico.");
  // TI-RADS counts its level from the points of the features: 2 + 2 + 3 + 0 = 7, TR5.
  const auto thyroid = describe(
      finding("tirads", {{"composition", "solid"}, {"echogenicity", "hypo"}, {"shape", "taller"}, {"margin", "smooth"}}),
      "en");
  EXPECT_EQ(thyroid.category, "TI-RADS TR5: Highly suspicious");
  const auto four = describe(
      finding("tirads", {{"composition", "solid"}, {"echogenicity", "hypo"}, {"shape", "wider"}, {"margin", "smooth"}}),
      "ca");
  EXPECT_EQ(four.category, "TI-RADS TR4: Moderadament sospitós");
  // Echogenic foci are all that apply: macrocalcifications (1) and punctate foci (3) add up, 4 + 4 = 8.
  const auto foci = describe(finding("tirads", {{"composition", "solid"}, {"echogenicity", "hypo"}, {"shape", "wider"},
                                                {"margin", "smooth"}, {"macrocalcifications", "present"},
                                                {"punctate_foci", "present"}}),
                             "en");
  EXPECT_EQ(foci.category, "TI-RADS TR5: Highly suspicious");
  EXPECT_EQ(describe(finding("tnm", {{"t", "T3b"}, {"prefix", "c"}}), "en").category, "TNM cT3b")
      << "N and M as far as imaging assessed them";
  EXPECT_TRUE(check_finding(finding("birads", {{"assessment", "1"}, {"laterality", "B"}}), 0).empty())
      << "a bilateral assessment names no one side";
  EXPECT_EQ(describe(finding("tnm", {{"t", "T2"}, {"n", "N1"}, {"m", "M0"}, {"prefix", "c"}}), "en").category,
            "TNM cT2 N1 M0");
}

std::string mrrt_fixture(const std::string& name) {
  std::ifstream in(std::string(VIREO_FIXTURES) + "/mrrt/" + name, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(ReportingTest, TheAdministratorImportsEditsRetiresAndRestoresTemplatesAndTwoEditorsDoNotOverwriteEachOther) {
  auto templates = Templates::open(*db_, *writes_);
  const auto admin = signed_in("chief", access::Role::Admin);
  EXPECT_EQ(templates->import_mrrt(mrrt_fixture("cardiac_mr.html"), {}, serra_).error().code, ErrorCode::Forbidden);
  EXPECT_EQ(templates->all(serra_).error().code, ErrorCode::Forbidden);

  auto imported = templates->import_mrrt(mrrt_fixture("cardiac_mr.html"), {}, admin);
  ASSERT_TRUE(imported && imported->saved()) << (imported && !imported->invalid.empty() ? imported->invalid[0].message : "");
  EXPECT_EQ(imported->value.code, "RADREPORT-0009901");
  EXPECT_EQ((std::pair{imported->value.source, imported->value.revision}), (std::pair{std::string("clinic"), int64_t{1}}));
  EXPECT_EQ(imported->value.fields.size(), 4u) << "kept as rows, read back whole";
  auto again = templates->import_mrrt(mrrt_fixture("cardiac_mr.html"), {}, admin);
  ASSERT_TRUE(again && again->conflict);
  EXPECT_EQ(again->conflict->rule, "exists");
  auto renamed = templates->import_mrrt(mrrt_fixture("cardiac_mr.html"), {"CLINIC-CARDIAC", {"MR", "CT"}}, admin);
  ASSERT_TRUE(renamed && renamed->saved());
  EXPECT_EQ(renamed->value.modalities, (std::vector<std::string>{"MR", "CT"}));
  auto broken = templates->import_mrrt("<html><body>not a template</body></html>", {}, admin);
  ASSERT_TRUE(broken);
  ASSERT_EQ(broken->invalid.size(), 1u);
  EXPECT_EQ(broken->invalid[0].field, "file");
  EXPECT_NE(broken->invalid[0].message.find("<head>"), std::string::npos) << broken->invalid[0].message;

  // Vireo's own, edited: the clinic's copy takes its place; a second editor who loaded it before
  // is told; restoring gives Vireo's back.
  ReportTemplate head = *vireo_template("VIR-CT-HEAD");
  head.sections[3].text = "No intracranial haemorrhage. [[Haemorrhage]]";
  head.fields = {{"Haemorrhage", "findings", "SELECT", {"none", "subdural", "subarachnoid"}, "", "PROHIBIT"}};
  auto edited = templates->save(head, 0, admin);
  ASSERT_TRUE(edited && edited->saved()) << (edited && !edited->invalid.empty() ? edited->invalid[0].message : "");
  EXPECT_EQ((std::pair{edited->value.source, edited->value.revision}), (std::pair{std::string("clinic"), int64_t{1}}));
  auto stale = templates->save(head, 0, admin);
  ASSERT_TRUE(stale && stale->conflict);
  EXPECT_EQ(stale->conflict->rule, "stale");
  head.name = "CT head (clinic)";
  EXPECT_EQ(templates->save(head, 1, admin)->value.revision, 2);
  auto offered = templates->offered("CT", serra_);
  ASSERT_TRUE(offered);
  auto named = std::ranges::find(*offered, std::string("VIR-CT-HEAD"), &ReportTemplate::code);
  ASSERT_NE(named, offered->end());
  EXPECT_EQ(named->name, "CT head (clinic)");
  EXPECT_NE(std::ranges::find(*offered, std::string("CLINIC-CARDIAC"), &ReportTemplate::code), offered->end());
  EXPECT_EQ(std::ranges::find(*offered, std::string("RADREPORT-0009901"), &ReportTemplate::code), offered->end())
      << "an MR template is not offered for a CT";

  // The blank its rule requires stops the signature until it is filled.
  const int64_t order = acquired_exam(0);
  ASSERT_TRUE(reading_->claim(order, serra_)->saved());
  ReportContent c = content("No intracranial haemorrhage. [[Haemorrhage]]", "Normal.");
  ASSERT_TRUE(reports_->save_draft(order, 0, c, serra_)->saved());
  auto blocked = reports_->check_sign(order, 1, serra_);
  ASSERT_TRUE(blocked && *blocked);
  EXPECT_EQ((*blocked)->rule, "field_required");
  c.sections[0].text = "No intracranial haemorrhage.";
  ASSERT_TRUE(reports_->save_draft(order, 1, c, serra_)->saved());
  EXPECT_FALSE(*reports_->check_sign(order, 2, serra_));

  // Retired, it is not offered and not chosen anew; a report written from it keeps it.
  head.status = "RETIRED";
  ASSERT_TRUE(templates->save(head, 2, admin)->saved());
  offered = templates->offered("CT", serra_);
  EXPECT_EQ(std::ranges::find(*offered, std::string("VIR-CT-HEAD"), &ReportTemplate::code), offered->end());
  EXPECT_TRUE(reports_->save_draft(order, 2, c, serra_)->saved()) << "the draft keeps its template";
  const int64_t other = acquired_exam(1);
  ASSERT_TRUE(reading_->claim(other, serra_)->saved());
  auto refused = reports_->save_draft(other, 0, c, serra_);
  ASSERT_TRUE(refused && refused->conflict);
  EXPECT_EQ(refused->conflict->rule, "template_retired");

  auto restored = templates->restore("VIR-CT-HEAD", 3, admin);
  ASSERT_TRUE(restored && restored->saved());
  EXPECT_EQ(restored->value.source, "vireo");
  EXPECT_EQ(restored->value.revision, 4) << "revisions go on: none is given twice";
  EXPECT_EQ((*templates->get("VIR-CT-HEAD", admin))->name, "CT head");
  EXPECT_EQ(templates->restore("VIR-CT-HEAD", 4, admin)->conflict->rule, "not_changed");
  // An editor who loaded the clinic's copy before the restore is told, even after a new copy.
  head.status = "ACTIVE";
  head.name = "Head CT";
  EXPECT_EQ(templates->save(head, 2, admin)->conflict->rule, "stale");
  auto copied = templates->save(head, 4, admin);
  ASSERT_TRUE(copied && copied->saved());
  EXPECT_EQ((std::pair{copied->value.source, copied->value.revision}), (std::pair{std::string("clinic"), int64_t{5}}));
  EXPECT_EQ(copied->value.fields.size(), 1u) << "the copy's blanks, written again";
  EXPECT_EQ(templates->restore("CLINIC-CARDIAC", 1, admin)->conflict->rule, "not_vireos");
}

TEST_F(ReportingTest, AComponentTemplateIsEmbeddedWithItsBlanksAndNeverInItself) {
  auto templates = Templates::open(*db_, *writes_);
  const auto admin = signed_in("chief", access::Role::Admin);
  auto early = templates->import_mrrt(mrrt_fixture("ecografia_tiroide_ca.html"), {}, admin);
  ASSERT_TRUE(early);
  ASSERT_EQ(early->invalid.size(), 1u);
  EXPECT_EQ(early->invalid[0].field + " " + early->invalid[0].rule, "sections/1/embed unknown");
  auto component = templates->import_mrrt(mrrt_fixture("nodul_tiroide_ca.html"), {"CA-NODUL", {}}, admin);
  ASSERT_TRUE(component && component->saved());
  auto thyroid = templates->import_mrrt(mrrt_fixture("ecografia_tiroide_ca.html"), {"CA-TIROIDE", {}}, admin);
  ASSERT_TRUE(thyroid && thyroid->saved()) << (thyroid && !thyroid->invalid.empty() ? thyroid->invalid[0].message : "");
  EXPECT_EQ(thyroid->value.sections[1].embed, "CA-NODUL") << "named by the identifier it was published under";

  auto offered = templates->offered("US", serra_);
  ASSERT_TRUE(offered);
  EXPECT_EQ(std::ranges::find(*offered, std::string("CA-NODUL"), &ReportTemplate::code), offered->end())
      << "a component is not a report's template";
  auto it = std::ranges::find(*offered, std::string("CA-TIROIDE"), &ReportTemplate::code);
  ASSERT_NE(it, offered->end());
  EXPECT_EQ(it->sections[1].text,
            "Glàndula tiroide de mida normal i ecoestructura homogènia.\nNòdul al lòbul [[Lòbul]] de [[Mida]] mm.");
  ASSERT_EQ(it->fields.size(), 2u);
  EXPECT_EQ(it->fields[0].section, "findings");
  EXPECT_EQ(it->language, "ca");

  // A component embedding what embeds it is refused.
  ReportTemplate nodule = component->value;
  nodule.sections[0].embed = "CA-TIROIDE";
  auto cycle = templates->save(nodule, 1, admin);
  ASSERT_TRUE(cycle);
  ASSERT_FALSE(cycle->invalid.empty());
  EXPECT_EQ(cycle->invalid[0].rule, "top_level");
  ReportTemplate inner = nodule;
  inner.code = "CA-INNER";
  inner.sections[0].embed = "CA-NODUL";
  ASSERT_TRUE(templates->create(inner, admin)->saved());
  nodule.sections[0].embed = "CA-INNER";
  auto loop = templates->save(nodule, 1, admin);
  ASSERT_TRUE(loop);
  ASSERT_FALSE(loop->invalid.empty());
  EXPECT_EQ(loop->invalid[0].rule, "cycle");
  // Through any of a component's sections, not only its last.
  ReportTemplate plain = inner;
  plain.code = "CA-PLAIN";
  plain.sections[0].embed = "";
  ASSERT_TRUE(templates->create(plain, admin)->saved());
  nodule.sections = {{"first", "First", "", "CA-INNER"}, {"second", "Second", "", "CA-PLAIN"}};
  nodule.fields.clear();
  auto hidden = templates->save(nodule, 1, admin);
  ASSERT_TRUE(hidden);
  ASSERT_FALSE(hidden->invalid.empty());
  EXPECT_EQ(hidden->invalid[0].field + " " + hidden->invalid[0].rule, "sections/0/embed cycle");
}

TEST_F(ReportingTest, APatientsPriorReportsAreTheSignedVersionsOfHerEarlierExamsTheLatestFirst) {
  // Claimed, written (handed on first when asked) and signed by Dr. Serra: its report as signed.
  auto signed_report = [&](int64_t order, const char* findings, bool handed_on = false) {
    EXPECT_TRUE(reading_->claim(order, serra_)->saved());
    auto saved = reports_->save_draft(order, 0, content(findings, "Normal CT head."), serra_);
    EXPECT_TRUE(saved && saved->saved());
    if (handed_on) {
      EXPECT_TRUE(reports_->submit_preliminary(order, saved->value.draft_revision, serra_)->saved());
    }
    auto done = reports_->sign(order, saved->value.draft_revision, serra_, "10.0.0.7");
    EXPECT_TRUE(done && done->saved()) << (done && done->conflict ? done->conflict->message : "");
    return done->value;
  };
  // Booked out of the order they were performed in: the list goes by when, not by which came first.
  const int64_t later = acquired_exam(2);
  signed_report(later, "No haemorrhage.", true);
  const int64_t handed_on = acquired_exam(1);  // a text awaiting a signature: no report yet
  ASSERT_TRUE(reading_->claim(handed_on, vila_)->saved());
  ASSERT_TRUE(reports_->save_draft(handed_on, 0, content("A text nobody signed.", "x"), vila_)->saved());
  ASSERT_TRUE(reports_->submit_preliminary(handed_on, 1, vila_)->saved());
  const int64_t earliest = acquired_exam(0);
  const Report was = signed_report(earliest, "A small meningioma.");
  ASSERT_TRUE(reports_->save_draft(earliest, was.draft_revision, content("Compared with the MRI: unchanged.", ""),
                                   serra_, Reports::Draft::Addendum)
                  ->saved());
  ASSERT_TRUE(reports_->sign(earliest, was.draft_revision + 1, serra_, "10.0.0.7")->saved());
  ris::PatientFields other;
  other.name.family = "Soler";
  other.name.given = "Carme";
  other.birth_date = "1950-01-02";
  other.sex = "F";
  const int64_t someone_else = acquired_exam(3, "routine", 0, patients_->create(other, "rosa", true)->patient.id);
  signed_report(someone_else, "Another patient's text.");
  const int64_t today = acquired_exam(4);

  auto priors = reports_->prior_reports(today, serra_);
  ASSERT_TRUE(priors) << priors.error().message();
  ASSERT_EQ(priors->items.size(), 2u) << "her signed reports only: not the preliminary text, not another patient's";
  EXPECT_EQ(priors->total, 2);
  const auto& [latest, first] = std::tie(priors->items[0], priors->items[1]);
  EXPECT_EQ(latest.exam.view.appointment.order_id, later) << "the latest exam first";
  EXPECT_EQ(latest.status, "final");
  ASSERT_EQ(latest.versions.size(), 1u) << "only signed versions: not the preliminary one before";
  EXPECT_EQ(latest.versions[0].kind, "final");
  EXPECT_EQ(latest.versions[0].content.sections[0].text, "No haemorrhage.");
  EXPECT_EQ(latest.exam.procedures, std::vector<std::string>{"CT head"});
  EXPECT_EQ(first.exam.view.appointment.order_id, earliest);
  EXPECT_EQ(first.status, "amended");
  ASSERT_EQ(first.versions.size(), 2u);
  EXPECT_EQ(first.versions[0].kind, "final");
  EXPECT_EQ(first.versions[1].kind, "addendum");
  EXPECT_EQ(first.versions[1].content.sections[0].text, "Compared with the MRI: unchanged.");
  for (const auto& p : priors->items)
    for (const auto& v : p.versions) EXPECT_TRUE(v.signature) << "only signed versions";

  // Before an exam only: the report of one performed after it is not its prior, nor its own.
  auto of_later = reports_->prior_reports(later, serra_);
  ASSERT_TRUE(of_later);
  ASSERT_EQ(of_later->items.size(), 1u);
  EXPECT_EQ(of_later->items[0].exam.view.appointment.order_id, earliest);
  EXPECT_TRUE(reports_->prior_reports(earliest, serra_)->items.empty());
  EXPECT_TRUE(reports_->prior_reports(someone_else, serra_)->items.empty());

  // The reading worklist counts them for each exam waiting.
  ris::ReadingQuery all;
  all.scope = "all";
  auto waiting = reading_->worklist(all, serra_);
  ASSERT_TRUE(waiting);
  ASSERT_EQ(waiting->items.size(), 2u);  // the preliminary text and today's exam
  auto counts = reports_->prior_report_counts(waiting->items, serra_);
  ASSERT_TRUE(counts);
  EXPECT_EQ(*counts, (std::map<int64_t, int64_t>{{handed_on, 1}, {today, 2}}));
  std::vector<ris::ReadingItem> signed_ones;
  for (int64_t order : {later, earliest, someone_else}) signed_ones.push_back(**reading_->item(order));
  EXPECT_EQ(*reports_->prior_report_counts(signed_ones, serra_), (std::map<int64_t, int64_t>{{later, 1}}))
      << "an exam's own signed report is not its prior; another patient's none";

  EXPECT_EQ(reports_->prior_reports(today, signed_in("tomas", access::Role::Technician)).error().code,
            ErrorCode::Forbidden);
  EXPECT_EQ(reports_->prior_reports(999999, serra_).error().code, ErrorCode::NotFound);
}

}  // namespace
}  // namespace vireo::reporting
