#include <gtest/gtest.h>

#include "test_dir.hpp"
#include "test_database.hpp"

#include <set>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "archive/archive.hpp"
#include "events/dispatcher.hpp"
#include "dicom/dicom_file.hpp"
#include "dicom/frame_map.hpp"
#include "store/fs_blob_store.hpp"
#include "store/sqlite_database.hpp"

namespace vireo::archive {
namespace {

namespace fs = std::filesystem;
const fs::path kDicom = fs::path(VIREO_TESTDATA) / "dicom";

using testing::slurp;

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dicom::initialize("error");
    dir_ = testing::fresh_test_dir("vireo-archive");
    db_ = testing::test_database(dir_);
    blobs_ = std::move(*FsBlobStore::open(dir_ / "blobs"));
    open(DuplicatePolicy::KeepFirst);
  }
  void TearDown() override {
    archive_.reset();
    fs::remove_all(dir_);
  }
  void open(DuplicatePolicy policy) {
    archive_.reset();
    if (!writes_) writes_ = testing::started_writes(*db_, blobs_.get());
    if (!outbox_) outbox_ = std::move(*events::Outbox::open(*db_));
    auto a = Archive::open(*db_, *blobs_, *writes_, *outbox_, policy);
    ASSERT_TRUE(a) << a.error().message();
    archive_ = std::move(*a);
  }
  Result<StoreResult> import(const std::string& name) { return archive_->import_file(kDicom / name, "TEST"); }
  std::vector<FindRow> find(Level level, std::vector<QueryKey> keys, Scope scope = Scope::everything()) {
    std::vector<FindRow> rows;
    auto s = archive_->find({level, std::move(keys), std::move(scope)}, [&](const FindRow& r) {
      rows.push_back(r);
      return true;
    });
    EXPECT_TRUE(s) << s.error().message();
    return rows;
  }

  fs::path dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<FsBlobStore> blobs_;
  std::unique_ptr<WriteQueue> writes_;
  std::unique_ptr<events::Outbox> outbox_;
  std::unique_ptr<Archive> archive_;
};

TEST_F(ArchiveTest, StoresIndexesAndAggregates) {
  for (auto f : {"dicomdir/98892003/MR1/15820", "dicomdir/98892003/MR1/4919", "dicomdir/98892003/MR2/4950"}) {
    auto r = import(f);
    ASSERT_TRUE(r) << f << ": " << r.error().message();
    EXPECT_EQ(r->outcome, StoreOutcome::Stored);
  }
  auto studies = find(Level::Study, {{tag::kPatientID, "98890234"}});
  ASSERT_FALSE(studies.empty());
  int64_t total = 0;
  for (auto& s : studies) total += std::stoll(s[tag::kNumberOfStudyRelatedInstances]);
  EXPECT_EQ(total, 3);
  EXPECT_EQ(studies[0][tag::kModalitiesInStudy], "MR");
  auto stats = archive_->stats();
  EXPECT_EQ(stats->instances, 3);
  EXPECT_EQ(stats->patients, 1);
}

TEST_F(ArchiveTest, CharacterSetsAreIndexedAsUtf8AndSearchableWithoutAccents) {
  ASSERT_TRUE(import("charset/chrGerm.dcm"));  // ISO_IR 100: Äneas^Rüdiger
  auto rows = find(Level::Patient, {{tag::kPatientName, "aneas^rud*"}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][tag::kPatientName], "Äneas^Rüdiger");
}

// A merge of two patients: the studies of one become the other's, in the index, in the
// metadata the viewer reads and in the stored files, which keep the values they replaced.
TEST_F(ArchiveTest, StudiesMovedToAnotherPatientNameItEverywhereAndKeepWhatTheyReplaced) {
  for (auto f : {"dicomdir/98892003/MR1/15820", "dicomdir/98892003/MR1/4919", "dicomdir/98892003/MR2/4950",
                 "modality/CT_small.dcm"})
    ASSERT_TRUE(import(f)) << f;
  const auto before = find(Level::Study, {{tag::kPatientID, "98890234"}});
  ASSERT_FALSE(before.empty());
  std::vector<StoredInstance> old;
  for (const auto& sop : find(Level::Instance, {{tag::kPatientID, "98890234"}}))
    old.push_back(*archive_->instance(sop.at(tag::kSOPInstanceUID), Scope::everything()));
  ASSERT_EQ(old.size(), 3u);

  const dicom::PatientAttributes kept{"VIR0000007", "VIREO", "Núñez^María", "19750314", "F"};
  PatientMove merge{"ris-merge:1", {"98890234", "", "", "", ""}, kept, "", "rosa"};
  auto moved = archive_->move_patient(merge);
  ASSERT_TRUE(moved) << moved.error().message();
  EXPECT_EQ(moved->studies, std::ssize(before));
  EXPECT_EQ(moved->instances, 3);

  EXPECT_TRUE(find(Level::Patient, {{tag::kPatientID, "98890234"}}).empty());
  auto now = find(Level::Study, {{tag::kPatientID, "VIR0000007"}});
  ASSERT_EQ(now.size(), before.size());
  EXPECT_EQ(now[0][tag::kPatientName], "Núñez^María");
  EXPECT_EQ(now[0][tag::kIssuerOfPatientID], "VIREO");
  auto patient = find(Level::Patient, {{tag::kPatientID, "VIR0000007"}});
  ASSERT_EQ(patient.size(), 1u);
  EXPECT_EQ(patient[0][tag::kNumberOfPatientRelatedInstances], "3");
  for (const auto& was : old) {
    auto inst = archive_->instance(was.sop_instance_uid, Scope::everything());
    ASSERT_TRUE(inst);
    EXPECT_NE(inst->blob_key, was.blob_key);
    EXPECT_FALSE(blobs_->stat(was.blob_key)) << "the file naming the old patient is gone";
    auto file = archive_->instance_file(*inst, Archive::HashCheck::EveryRead);
    ASSERT_TRUE(file);
    auto parsed = dicom::read_instance(*file, std::vector<tag::Tag>{tag::kStudyInstanceUID, tag::kSeriesInstanceUID, tag::kPatientID,
                                                                    tag::kPatientBirthDate});
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed->value(tag::kPatientID), "VIR0000007");
    EXPECT_EQ(parsed->value(tag::kPatientBirthDate), "19750314");
    auto meta = archive_->metadata({*inst});
    ASSERT_TRUE(meta && (*meta)[0]);
    const std::string& json = *(*meta)[0];
    EXPECT_NE(json.find("VIR0000007"), std::string::npos);
    EXPECT_NE(json.find("\"04000561\""), std::string::npos) << "Original Attributes Sequence";
    EXPECT_NE(json.find("98890234"), std::string::npos) << "the replaced Patient ID is kept";
    EXPECT_NE(json.find("CORRECT"), std::string::npos);
  }
  auto report = archive_->check_integrity(true, false);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->missing_blobs.empty());
  EXPECT_TRUE(report->corrupt_blobs.empty());
  EXPECT_TRUE(report->orphan_blobs.empty());
  EXPECT_EQ(archive_->moves("ris-merge:1")->size(), before.size());

  auto again = archive_->move_patient(merge);  // delivered twice
  ASSERT_TRUE(again);
  EXPECT_EQ(again->studies, 0);

  // The patient kept had a study of its own: undoing the merge leaves it there.
  ASSERT_TRUE(archive_->move_patient({"other", {"1CT1", "", "", "", ""}, kept, "", "rosa"}));
  auto undone = archive_->move_patient(
      {"ris-unmerge:1", {"VIR0000007", "VIREO", "", "", ""}, {"98890234", "", "Anonymized", "", ""}, "ris-merge:1", "admin"});
  ASSERT_TRUE(undone) << undone.error().message();
  EXPECT_EQ(undone->studies, std::ssize(before));
  EXPECT_EQ(find(Level::Study, {{tag::kPatientID, "98890234"}}).size(), before.size());
  EXPECT_EQ(find(Level::Study, {{tag::kPatientID, "VIR0000007"}}).size(), 1u);
  EXPECT_EQ(archive_->moves("", "VIR0000007", "VIREO")->size(), before.size() * 2 + 1);
  EXPECT_EQ(archive_->stats()->patients, 2);
}

// A long move is asked after each study whether to go on (how its delivery keeps its lease):
// told to stop, it stops there and fails, having said what moved; the next call moves the rest.
TEST_F(ArchiveTest, AMoveToldToStopAfterAStudyLeavesTheRestForTheNextCall) {
  for (auto f : {"dicomdir/98892003/MR1/15820", "dicomdir/98892003/MR2/4950"}) ASSERT_TRUE(import(f)) << f;
  const auto before = find(Level::Study, {{tag::kPatientID, "98890234"}});
  ASSERT_EQ(before.size(), 2u);
  const dicom::PatientAttributes kept{"VIR0000010", "VIREO", "Puig^Marta", "19680921", "F"};
  PatientMove merge{"ris-merge:5", {"98890234", "", "", "", ""}, kept, "", "rosa"};
  std::vector<int64_t> told;
  merge.between_studies = [&](const MovedStudies& so_far) -> Status {
    told.push_back(so_far.studies);
    return fail(ErrorCode::StateConflict, "another node has it now");
  };
  auto stopped = archive_->move_patient(merge);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, ErrorCode::StateConflict);
  EXPECT_EQ(told, (std::vector<int64_t>{1}));
  EXPECT_EQ(find(Level::Study, {{tag::kPatientID, "98890234"}}).size(), 1u);
  EXPECT_EQ(find(Level::Study, {{tag::kPatientID, "VIR0000010"}}).size(), 1u);
  merge.between_studies = [&](const MovedStudies& so_far) -> Status {
    told.push_back(so_far.studies);
    return {};
  };
  auto rest = archive_->move_patient(merge);
  ASSERT_TRUE(rest) << rest.error().message();
  EXPECT_EQ(rest->studies, 1);
  EXPECT_EQ(told, (std::vector<int64_t>{1, 1}));
  EXPECT_TRUE(find(Level::Study, {{tag::kPatientID, "98890234"}}).empty());
  EXPECT_EQ(find(Level::Study, {{tag::kPatientID, "VIR0000010"}}).size(), 2u);
}

// A file in another character set, given a name it cannot hold: the whole file becomes UTF-8.
TEST_F(ArchiveTest, AMovedFileOfAnotherCharacterSetBecomesUtf8AndKeepsItsOldName) {
  ASSERT_TRUE(import("charset/chrGerm.dcm"));  // ISO_IR 100: Äneas^Rüdiger
  auto moved = archive_->move_patient(
      {"ris-merge:2", {"SCSGERM", "", "", "", ""}, {"VIR0000008", "VIREO", "Ōta^Ayşe", "", "F"}, "", "rosa"});
  ASSERT_TRUE(moved) << moved.error().message();
  auto rows = find(Level::Instance, {{tag::kPatientID, "VIR0000008"}});
  ASSERT_EQ(rows.size(), 1u);
  auto inst = archive_->instance(rows[0][tag::kSOPInstanceUID], Scope::everything());
  auto meta = archive_->metadata({*inst});
  ASSERT_TRUE(meta && (*meta)[0]);
  EXPECT_NE((*meta)[0]->find("Ōta^Ayşe"), std::string::npos);
  EXPECT_NE((*meta)[0]->find("Äneas^Rüdiger"), std::string::npos);
  const std::string bytes = slurp(*archive_->instance_file(*inst, Archive::HashCheck::EveryRead));
  EXPECT_NE(bytes.find("ISO_IR 192"), std::string::npos);
  EXPECT_NE(bytes.find("ISO_IR 100"), std::string::npos) << "the set it had, recorded with the old values";
  EXPECT_EQ(find(Level::Patient, {{tag::kPatientName, "ota*"}}).size(), 1u);
}

// A name its Latin-1 file can hold keeps the file in Latin-1 (viewers that read only the file's
// own set show it right).
TEST_F(ArchiveTest, AMovedFileKeepsItsCharacterSetWhenItHoldsTheNewName) {
  ASSERT_TRUE(import("charset/chrGerm.dcm"));  // ISO_IR 100
  auto moved = archive_->move_patient(
      {"ris-merge:3", {"SCSGERM", "", "", "", ""}, {"VIR0000009", "VIREO", "Núñez^María", "", "F"}, "", "rosa"});
  ASSERT_TRUE(moved) << moved.error().message();
  auto rows = find(Level::Instance, {{tag::kPatientID, "VIR0000009"}});
  ASSERT_EQ(rows.size(), 1u);
  auto inst = archive_->instance(rows[0][tag::kSOPInstanceUID], Scope::everything());
  auto meta = archive_->metadata({*inst});
  ASSERT_TRUE(meta && (*meta)[0]);
  EXPECT_NE((*meta)[0]->find("Núñez^María"), std::string::npos);
  const std::string bytes = slurp(*archive_->instance_file(*inst, Archive::HashCheck::EveryRead));
  EXPECT_NE(bytes.find("ISO_IR 100"), std::string::npos);
  EXPECT_EQ(bytes.find("ISO_IR 192"), std::string::npos) << "the file keeps its character set";
  EXPECT_NE(bytes.find("N\xFA\xF1" "ez^Mar\xED" "a"), std::string::npos) << "written in Latin-1";
}

// Merges delivered late or out of order never move images against the RIS: a merge undone
// before its images moved moves nothing; images arriving later with the merged patient's ID are
// filed under the patient kept, rewritten; an undoing moves back only what its merge moved last.
TEST_F(ArchiveTest, PatientMovesHoldWhenLateOrOutOfOrderAndLateImagesAreCorrected) {
  ASSERT_TRUE(import("dicomdir/98892003/MR1/15820"));
  const dicom::PatientAttributes source{"98890234", "", "Doe^Peter", "", "M"};
  const dicom::PatientAttributes kept{"VIR0000010", "VIREO", "Kept^Ana", "19700501", "F"};
  // The undoing delivered first: the merge, arriving late, moves nothing.
  ASSERT_TRUE(archive_->move_patient({"ris-unmerge:7", kept, source, "ris-merge:7", "admin"}));
  auto late = archive_->move_patient({"ris-merge:7", source, kept, "", "rosa"});
  ASSERT_TRUE(late);
  EXPECT_EQ(late->studies, 0);
  EXPECT_EQ(find(Level::Study, {{tag::kPatientID, "98890234"}}).size(), 1u);

  // A merge that holds: later images of the merged ID are rewritten as they come.
  ASSERT_EQ(archive_->move_patient({"ris-merge:8", source, kept, "", "rosa"})->studies, 1);
  ASSERT_TRUE(import("dicomdir/98892003/MR1/4919"));  // the merged patient's ID, another study
  EXPECT_TRUE(find(Level::Patient, {{tag::kPatientID, "98890234"}}).empty());
  auto resent = import("dicomdir/98892003/MR1/15820");  // the original, sent again
  ASSERT_TRUE(resent) << resent.error().message();
  EXPECT_EQ(resent->outcome, StoreOutcome::Duplicate) << "corrected as the merge's own copy was";
  EXPECT_EQ(find(Level::Study, {{tag::kPatientID, "VIR0000010"}}).size(), 2u);

  // Its undoing brings back both, the later one too; a merge again under another merge, then the
  // first undoing redelivered, leaves them with the patient kept.
  ASSERT_EQ(archive_->move_patient({"ris-unmerge:8", kept, source, "ris-merge:8", "admin"})->studies, 2);
  EXPECT_EQ(find(Level::Study, {{tag::kPatientID, "98890234"}}).size(), 2u);
  ASSERT_TRUE(import("dicomdir/98892003/MR2/4950"));  // after the undoing: not corrected
  EXPECT_EQ(find(Level::Study, {{tag::kPatientID, "98890234"}}).size(), 2u);
  ASSERT_EQ(archive_->move_patient({"ris-merge:9", source, kept, "", "rosa"})->studies, 2);
  auto again = archive_->move_patient({"ris-unmerge:8", kept, source, "ris-merge:8", "admin"});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->studies, 0);
  EXPECT_EQ(find(Level::Study, {{tag::kPatientID, "VIR0000010"}}).size(), 2u);
}

TEST_F(ArchiveTest, DuplicatesAreIdempotentAndConflictsReported) {
  ASSERT_TRUE(import("modality/MR_small.dcm"));
  auto again = import("modality/MR_small.dcm");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, StoreOutcome::Duplicate);
  auto conflict = import("transfer_syntax/MR_small_RLE.dcm");
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, ErrorCode::DuplicateConflict);
  EXPECT_EQ(archive_->conflicts(10)->size(), 1u);
  EXPECT_EQ(archive_->stats()->instances, 1);
  open(DuplicatePolicy::Overwrite);
  auto replaced = import("transfer_syntax/MR_small_RLE.dcm");
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->outcome, StoreOutcome::Overwritten);
  auto report = archive_->check_integrity(true, false);
  EXPECT_TRUE(report->orphan_blobs.empty());
  EXPECT_TRUE(report->corrupt_blobs.empty());
}

TEST_F(ArchiveTest, MalformedFilesChangeNothing) {
  for (auto f : {"malformed/MR_truncated.dcm", "malformed/derived/zero_bytes.dcm",
                 "malformed/derived/truncated_in_dataset_header.dcm", "malformed/derived/random_after_DICM.dcm",
                 "malformed/derived/pixeldata_length_beyond_eof.dcm"}) {
    auto r = import(f);
    ASSERT_FALSE(r) << f;
    EXPECT_EQ(r.error().code, ErrorCode::MalformedDicom) << f << ": " << r.error().message();
  }
  EXPECT_EQ(archive_->stats()->instances, 0);
  int files = 0;
  ASSERT_TRUE(blobs_->for_each_key([&](const std::string&, int64_t) { ++files; }));
  EXPECT_EQ(files, 0);
}

TEST_F(ArchiveTest, ConcurrentStoresShareCommits) {
  std::vector<fs::path> files;
  for (auto& e : fs::recursive_directory_iterator(kDicom / "dicomdir"))
    if (e.is_regular_file() && e.path().filename().string().find("DICOMDIR") == std::string::npos &&
        e.path().extension() != ".txt")
      files.push_back(e.path());
  std::atomic<size_t> next{0}, ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (size_t i; (i = next++) < files.size();)
        if (archive_->import_file(files[i], "TEST")) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), files.size());
  EXPECT_EQ(archive_->stats()->instances, static_cast<int64_t>(files.size()));
  EXPECT_LE(archive_->writer().transactions(), files.size());
}

TEST_F(ArchiveTest, StoreFilesIndexesABatchInOneCommitAndAnswersEachInOrder) {
  std::vector<Archive::StoreItem> items;
  for (auto f : {"modality/MR_small.dcm", "malformed/derived/zero_bytes.dcm", "modality/CT_small.dcm",
                 "modality/MR_small.dcm", "transfer_syntax/MR_small_RLE.dcm"}) {
    fs::path tmp = archive_->temp_path();
    fs::copy_file(kDicom / f, tmp);
    items.push_back({tmp, StoreSource::named("TEST")});
  }
  const uint64_t before = archive_->writer().transactions();
  auto results = archive_->store_files(items);
  EXPECT_EQ(archive_->writer().transactions(), before + 1) << "one commit for the whole batch";
  ASSERT_EQ(results.size(), items.size());
  ASSERT_TRUE(results[0]);
  EXPECT_EQ(results[0]->outcome, StoreOutcome::Stored);
  ASSERT_FALSE(results[1]);
  EXPECT_EQ(results[1].error().code, ErrorCode::MalformedDicom);
  ASSERT_TRUE(results[2]);
  EXPECT_EQ(results[2]->outcome, StoreOutcome::Stored);
  ASSERT_TRUE(results[3]) << "the same instance twice in a batch is a duplicate, not an error";
  EXPECT_EQ(results[3]->outcome, StoreOutcome::Duplicate);
  ASSERT_FALSE(results[4]);
  EXPECT_EQ(results[4].error().code, ErrorCode::DuplicateConflict);
  EXPECT_EQ(archive_->stats()->instances, 2);
  auto refused = archive_->rejections(10);
  ASSERT_TRUE(refused);
  ASSERT_EQ(refused->size(), 1u) << "the unreadable file, in the batch's commit; a conflict is not a refusal";
  EXPECT_EQ((*refused)[0].source, "TEST");
  EXPECT_NE((*refused)[0].reason.find("not a readable DICOM"), std::string::npos) << (*refused)[0].reason;
  for (const auto& item : items) EXPECT_FALSE(fs::exists(item.file)) << "every received file is taken or removed";
  auto report = archive_->check_integrity(true, false);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->orphan_blobs.empty());
  EXPECT_TRUE(report->missing_blobs.empty());
}

TEST_F(ArchiveTest, OnlyTheLatestRefusalsAreKept) {
  // A sender of garbage cannot grow the table without bound.
  std::vector<Archive::StoreItem> items;
  for (int64_t i = 0; i < Archive::kKeptRejections + 5; ++i) {
    fs::path tmp = archive_->temp_path();
    std::ofstream(tmp) << "not dicom " << i;
    items.push_back({tmp, StoreSource::named("NOISY")});
  }
  auto results = archive_->store_files(items);
  ASSERT_EQ(results.size(), items.size());
  auto refused = archive_->rejections(Archive::kKeptRejections * 2);
  ASSERT_TRUE(refused);
  EXPECT_EQ(static_cast<int64_t>(refused->size()), Archive::kKeptRejections);
}

TEST_F(ArchiveTest, AStudyKeepsItsFirstPatientAndThatPatientsCounters) {
  ASSERT_TRUE(import("dicomdir/77654033/CT2/17106"));
  // A second instance of the same study whose header names another patient.
  fs::path other = dir_ / "other.dcm";
  fs::copy_file(kDicom / "dicomdir/77654033/CT2/17136", other);
  ASSERT_EQ(std::system(("dcmodify -nb -m PatientID=SOMEONE_ELSE " + other.string() + " >/dev/null 2>&1").c_str()), 0);
  ASSERT_TRUE(archive_->import_file(other, "TEST"));
  auto patients = find(Level::Patient, {});
  ASSERT_EQ(patients.size(), 1u) << "no patient row is created for a study that already has one";
  EXPECT_EQ(patients[0][tag::kNumberOfPatientRelatedInstances], "2");
  EXPECT_EQ(patients[0][tag::kNumberOfPatientRelatedStudies], "1");
}

TEST_F(ArchiveTest, AnExistingSeriesKeepsItsStudy) {
  ASSERT_TRUE(import("dicomdir/77654033/CT2/17106"));
  fs::path other = dir_ / "other.dcm";
  fs::copy_file(kDicom / "dicomdir/77654033/CT2/17136", other);  // same series, study UID changed
  ASSERT_EQ(std::system(("dcmodify -nb -m StudyInstanceUID=1.2.3.4.5 " + other.string() + " >/dev/null 2>&1").c_str()), 0);
  ASSERT_TRUE(archive_->import_file(other, "TEST"));
  auto stats = archive_->stats();
  EXPECT_EQ(stats->studies, 1) << "no empty study is created";
  EXPECT_EQ(stats->series, 1);
  auto studies = find(Level::Study, {});
  EXPECT_EQ(studies[0][tag::kNumberOfStudyRelatedInstances], "2");
}

TEST_F(ArchiveTest, LocateAndDelete) {
  ASSERT_TRUE(import("dicomdir/77654033/CT2/17106"));
  ASSERT_TRUE(import("dicomdir/77654033/CT2/17136"));
  ASSERT_TRUE(import("dicomdir/77654033/CR1/6154"));
  auto series = find(Level::Series, {{tag::kModality, "CT"}});
  ASSERT_EQ(series.size(), 1u);
  std::string series_uid = series[0][tag::kSeriesInstanceUID];
  auto located = archive_->locate({Level::Series, {{tag::kSeriesInstanceUID, series_uid}}, Scope::everything()});
  ASSERT_EQ(located->size(), 2u);
  auto deleted = archive_->delete_series(series_uid);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 2);
  EXPECT_EQ(archive_->stats()->instances, 1);
  // The CT study lost its only series, so it is gone too; the CR study stays.
  auto studies = find(Level::Study, {});
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0][tag::kModalitiesInStudy], "CR");
  EXPECT_EQ(archive_->delete_series(series_uid).error().code, ErrorCode::NotFound);
}

// What other domains learn from the archive goes through the outbox, in the job that made
// the change: a new study once, every instance, each deletion.
TEST_F(ArchiveTest, PublishesWhatItIndexesAndDeletes) {
  for (const char* topic : {"study.received", "instance.stored", "study.deleted", "series.deleted"})
    outbox_->route(topic, "test");
  ASSERT_TRUE(import("dicomdir/77654033/CT2/17106"));
  ASSERT_TRUE(import("dicomdir/77654033/CT2/17136"));
  ASSERT_TRUE(import("dicomdir/77654033/CT2/17106")) << "a duplicate";
  ASSERT_TRUE(import("dicomdir/77654033/CR1/6154"));
  std::vector<events::Event> seen;
  events::Dispatcher d(*db_, *writes_, *outbox_, "test-node");
  d.handle("test", [&](const events::Event& e) -> Status {
    seen.push_back(e);
    return {};
  });
  auto delivered = d.deliver_due();
  ASSERT_TRUE(delivered) << delivered.error().message();
  std::vector<std::string> topics;
  for (const auto& e : seen) topics.push_back(e.topic);
  EXPECT_EQ(topics, (std::vector<std::string>{"study.received", "instance.stored", "instance.stored", "study.received",
                                              "instance.stored"}))
      << "the duplicate changed nothing, so it tells nothing";
  const std::string ct_study = seen[0].id("study");
  EXPECT_FALSE(ct_study.empty());
  EXPECT_EQ(seen[0].id("patient"), "77654033");
  EXPECT_EQ(seen[1].id("study"), ct_study);
  EXPECT_FALSE(seen[1].id("series").empty());
  EXPECT_FALSE(seen[1].id("instance").empty());

  seen.clear();
  const std::string ct_series = find(Level::Series, {{tag::kModality, "CT"}})[0][tag::kSeriesInstanceUID];
  ASSERT_TRUE(archive_->delete_series(ct_series));
  ASSERT_TRUE(d.deliver_due());
  ASSERT_EQ(seen.size(), 2u) << "the series, and the study its last series took along";
  EXPECT_EQ(seen[0].topic, "series.deleted");
  EXPECT_EQ(seen[0].id("study"), ct_study);
  EXPECT_EQ(seen[1].topic, "study.deleted");
  EXPECT_EQ(seen[1].id("study"), ct_study);
}

// A date range matches inside both of its ends, over the stored index.
TEST_F(ArchiveTest, DateRangesMatchBetweenTheirEnds) {
  ASSERT_TRUE(import("modality/CT_small.dcm"));          // 20040119
  ASSERT_TRUE(import("modality/MR_small.dcm"));          // 20040826
  ASSERT_TRUE(import("modality/ECG_waveform_ecg.dcm"));  // 20130125
  auto dates = [&](const std::string& range) {
    std::set<std::string> out;
    for (auto& row : find(Level::Study, {{tag::kStudyDate, range}})) out.insert(row[tag::kStudyDate]);
    return out;
  };
  EXPECT_EQ(dates("20040101-20041231"), (std::set<std::string>{"20040119", "20040826"}));
  EXPECT_EQ(dates("20040120-20130125"), (std::set<std::string>{"20040826", "20130125"})) << "both ends included";
  EXPECT_EQ(dates("-20040826"), (std::set<std::string>{"20040119", "20040826"}));
  EXPECT_EQ(dates("20040827-"), (std::set<std::string>{"20130125"}));
  EXPECT_EQ(dates("20040120-20040825"), (std::set<std::string>{}));
}

// Frames and rendered images read parts of one file again and again: its hash is checked
// on the first read in a process, whole-file deliveries check it every time.
TEST_F(ArchiveTest, HashChecksEveryReadOrOncePerProcess) {
  auto r = import("modality/CT_small.dcm");
  ASSERT_TRUE(r);
  auto inst = archive_->instance(r->sop_instance_uid, Scope::everything());
  ASSERT_TRUE(inst);
  ASSERT_TRUE(archive_->instance_file(*inst, Archive::HashCheck::Once));
  auto path = archive_->instance_file(*inst, Archive::HashCheck::Skip);
  ASSERT_TRUE(path);
  {
    std::fstream f(*path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-4, std::ios::end);
    f.write("XXXX", 4);
  }
  EXPECT_TRUE(archive_->instance_file(*inst, Archive::HashCheck::Once)) << "already checked in this process";
  // A whole-file delivery finds the damage: from then on, in this same process, the verdict
  // remembered from before the damage no longer vouches for the file.
  EXPECT_EQ(archive_->instance_file(*inst, Archive::HashCheck::EveryRead).error().code, ErrorCode::IntegrityError);
  auto once = archive_->instance_file(*inst, Archive::HashCheck::Once);
  ASSERT_FALSE(once) << "damage once found is never trusted again";
  EXPECT_EQ(once.error().code, ErrorCode::IntegrityError);
  open(DuplicatePolicy::KeepFirst);  // a new process checks again
  EXPECT_EQ(archive_->instance_file(*inst, Archive::HashCheck::Once).error().code, ErrorCode::IntegrityError);
}

// The row-level rule lives in the archive, so every API over it inherits it.
TEST_F(ArchiveTest, ScopesLimitRowsToThePatientOrTheReferringPhysiciansPatients) {
  ASSERT_TRUE(import("modality/ECG_waveform_ecg.dcm"));  // patient 642341, referred by "2721"
  ASSERT_TRUE(import("modality/PT_GH184.dcm"));          // patient 999999, referred by "S029729"
  ASSERT_TRUE(import("modality/CT_small.dcm"));          // patient 1CT1, no referring physician
  EXPECT_EQ(find(Level::Study, {}).size(), 3u);
  EXPECT_TRUE(find(Level::Study, {}, Scope{}).empty()) << "no scope, no rows";
  EXPECT_TRUE(find(Level::Patient, {}, Scope{}).empty());

  for (Level level : {Level::Patient, Level::Study, Level::Series, Level::Instance}) {
    auto own = find(level, {}, Scope::patient("642341"));
    ASSERT_EQ(own.size(), 1u) << static_cast<int>(level);
    EXPECT_EQ(own[0][tag::kPatientID], "642341");
  }
  // Asking for another patient's study by UID finds nothing, rather than a refusal that
  // would confirm it exists.
  auto pt = find(Level::Study, {{tag::kPatientID, "999999"}});
  ASSERT_EQ(pt.size(), 1u);
  EXPECT_TRUE(find(Level::Study, {{tag::kStudyInstanceUID, pt[0][tag::kStudyInstanceUID]}},
                   Scope::patient("642341")).empty());
  auto pt_instance = find(Level::Instance, {{tag::kPatientID, "999999"}});
  ASSERT_EQ(pt_instance.size(), 1u);
  std::string pt_sop = pt_instance[0][tag::kSOPInstanceUID];
  EXPECT_EQ(archive_->instance(pt_sop, Scope::patient("642341")).error().code, ErrorCode::NotFound);
  EXPECT_TRUE(archive_->instance(pt_sop, Scope::patient("999999")));
  EXPECT_TRUE(archive_->locate({Level::Study, {{tag::kPatientID, "999999"}}, Scope::patient("642341")})->empty());

  auto referred = find(Level::Study, {}, Scope::referred_by("2721"));
  ASSERT_EQ(referred.size(), 1u);
  EXPECT_EQ(referred[0][tag::kPatientID], "642341");
  EXPECT_EQ(find(Level::Patient, {}, Scope::referred_by("s029729")).size(), 1u) << "names match case-insensitively";
  EXPECT_TRUE(find(Level::Study, {}, Scope::referred_by("NOBODY^")).empty());
}


// The blobs of a store on other machines, as an object store's are to a node without a copy:
// the same files as `inner`, but never local, and every read counted.
class FarStore final : public BlobStore {
 public:
  explicit FarStore(FsBlobStore& inner) : inner_(inner) {}
  std::filesystem::path temp_path() override { return inner_.temp_path(); }
  Result<BlobInfo> put_file(const std::string& name, const std::string& group, const std::filesystem::path& source,
                            Durability durability, const std::string& known_sha256) override {
    return inner_.put_file(name, group, source, durability, known_sha256);
  }
  Status sync(const std::vector<std::string>& keys) override { return inner_.sync(keys); }
  Result<std::filesystem::path> local_path(const std::string& key) override {
    ++whole_reads;
    return inner_.local_path(key);
  }
  std::optional<std::filesystem::path> direct_path(const std::string&) override { return std::nullopt; }
  bool is_local(const std::string&) override { return false; }
  Result<std::string> read_range(const std::string& key, uint64_t offset, uint64_t length) override {
    ++range_reads;
    range_bytes += length;
    auto path = inner_.local_path(key);
    if (!path) return std::unexpected(path.error());
    return read_file_range(*path, offset, length);
  }
  Result<BlobInfo> stat(const std::string& key) override { return inner_.stat(key); }
  Status verify(const std::string& key, const std::string& sha256) override {
    ++whole_reads;
    return inner_.verify(key, sha256);
  }
  Status remove(const std::string& key) override { return inner_.remove(key); }
  Status for_each_key(const std::function<void(const std::string&, int64_t)>& fn) override {
    return inner_.for_each_key(fn);
  }
  bool shared() const override { return true; }
  Result<uint64_t> free_bytes() override { return inner_.free_bytes(); }
  void clear_temp() override { inner_.clear_temp(); }

  int whole_reads = 0, range_reads = 0;
  uint64_t range_bytes = 0;

 private:
  FsBlobStore& inner_;
};

TEST_F(ArchiveTest, AFrameOfAMultiFrameImageOnAFarStoreIsReadByRangeAndCheckedAgainstItsHash) {
  const fs::path xa = kDicom / "modality/XA_multiframe_jpeg.dcm";
  auto stored = import("modality/XA_multiframe_jpeg.dcm");
  ASSERT_TRUE(stored) << stored.error().message();
  auto here = archive_->instance(stored->sop_instance_uid, Scope::everything());
  ASSERT_TRUE(here);
  auto local = archive_->frames_by_range(*here, {50});
  ASSERT_TRUE(local);
  EXPECT_FALSE(local->has_value()) << "a blob on this node is read in place";

  FarStore far(*blobs_);
  auto opened = Archive::open(*db_, far, *writes_, *outbox_, DuplicatePolicy::KeepFirst);
  ASSERT_TRUE(opened);
  auto& remote = **opened;
  auto inst = remote.instance(stored->sop_instance_uid, Scope::everything());
  ASSERT_TRUE(inst);
  auto expected = dicom::read_frames(xa, {50, 1, 2, 3}, false);
  ASSERT_TRUE(expected);

  auto one = remote.frames_by_range(*inst, {50});
  ASSERT_TRUE(one) << one.error().message();
  ASSERT_TRUE(one->has_value());
  ASSERT_EQ((*one)->size(), 1u);
  EXPECT_TRUE((**one)[0].bytes == (*expected)[0].bytes);
  EXPECT_EQ((**one)[0].transfer_syntax, inst->transfer_syntax);
  EXPECT_EQ(far.whole_reads, 0);
  EXPECT_EQ(far.range_reads, 1);
  EXPECT_LT(far.range_bytes, static_cast<uint64_t>(inst->size) / 20) << "one frame of 96, not the object";

  auto three = remote.frames_by_range(*inst, {1, 2, 3});  // neighbours: one request
  ASSERT_TRUE(three && three->has_value());
  EXPECT_EQ(far.range_reads, 2);
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE((**three)[i].bytes == (*expected)[i + 1].bytes) << i;

  auto beyond = remote.frames_by_range(*inst, {97});
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error().code, ErrorCode::InvalidArgument);
  auto all = remote.frames_by_range(*inst, {});
  ASSERT_TRUE(all);
  EXPECT_FALSE(all->has_value()) << "most of the object: fetched whole, and kept";

  // A byte of frame 50 damaged in the store: that frame is not served by range; the whole
  // object is read instead, and its own hash reports the damage. Its neighbour still comes.
  auto path = blobs_->direct_path(inst->blob_key);
  ASSERT_TRUE(path);
  auto map = dicom::map_frames(*path);
  ASSERT_TRUE(map);
  {
    std::fstream f(*path, std::ios::in | std::ios::out | std::ios::binary);
    const auto at = static_cast<std::streamoff>(map->frames[49].pieces[0].offset + 100);
    f.seekg(at);
    const char was = static_cast<char>(f.get());
    f.seekp(at);
    f.put(static_cast<char>(was ^ 0x5a));
  }
  auto damaged = remote.frames_by_range(*inst, {50});
  ASSERT_TRUE(damaged);
  EXPECT_FALSE(damaged->has_value());
  auto whole = remote.instance_file(*inst, Archive::HashCheck::Once);
  ASSERT_FALSE(whole);
  EXPECT_EQ(whole.error().code, ErrorCode::IntegrityError);
  auto neighbour = remote.frames_by_range(*inst, {49});
  ASSERT_TRUE(neighbour && neighbour->has_value());
}

// The recorded layout belongs to the stored file it was found in: a reader holding the row of a
// file since replaced reads whole, never by the new file's layout.
TEST_F(ArchiveTest, AReplacedInstanceIsReadByItsOwnLayoutOnly) {
  const fs::path xa = kDicom / "modality/XA_multiframe_jpeg.dcm";
  auto first = import("modality/XA_multiframe_jpeg.dcm");
  ASSERT_TRUE(first);
  FarStore far(*blobs_);
  auto remote = Archive::open(*db_, far, *writes_, *outbox_, DuplicatePolicy::KeepFirst);
  ASSERT_TRUE(remote);
  auto old_row = (*remote)->instance(first->sop_instance_uid, Scope::everything());
  ASSERT_TRUE(old_row);

  auto map = dicom::map_frames(xa);
  ASSERT_TRUE(map);
  std::string bytes = slurp(xa);
  bytes[map->frames[9].pieces[0].offset + 40] ^= 0x21;  // frame 10 differs
  const fs::path changed = dir_ / "changed.dcm";
  std::ofstream(changed, std::ios::binary) << bytes;
  open(DuplicatePolicy::Overwrite);
  auto second = archive_->import_file(changed, "TEST");
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->outcome, StoreOutcome::Overwritten);

  auto stale = (*remote)->frames_by_range(*old_row, {10});
  ASSERT_TRUE(stale);
  EXPECT_FALSE(stale->has_value()) << "no layout for a file no longer stored";
  auto new_row = (*remote)->instance(first->sop_instance_uid, Scope::everything());
  ASSERT_TRUE(new_row);
  auto fresh = (*remote)->frames_by_range(*new_row, {10});
  ASSERT_TRUE(fresh && fresh->has_value());
  auto expected = dicom::read_frames(changed, {10}, false);
  ASSERT_TRUE(expected);
  EXPECT_TRUE((**fresh)[0].bytes == (*expected)[0].bytes);
}

TEST_F(ArchiveTest, SingleFrameImagesKeepNoFrameLayout) {
  auto stored = import("modality/MR_small.dcm");
  ASSERT_TRUE(stored);
  FarStore far(*blobs_);
  auto remote = Archive::open(*db_, far, *writes_, *outbox_, DuplicatePolicy::KeepFirst);
  ASSERT_TRUE(remote);
  auto inst = (*remote)->instance(stored->sop_instance_uid, Scope::everything());
  ASSERT_TRUE(inst);
  auto got = (*remote)->frames_by_range(*inst, {1});
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->has_value()) << "the whole file is the frame: read it whole";
  EXPECT_EQ(far.range_reads, 0);
  auto conn = db_->connect();
  ASSERT_TRUE(conn);
  auto rows = (*conn)->query("SELECT m.frame_map FROM instance_metadata m JOIN instances i ON i.id = m.instance_fk "
                             "WHERE i.sop_instance_uid = ?",
                             {stored->sop_instance_uid});
  ASSERT_TRUE(rows && rows->size() == 1u);
  EXPECT_TRUE((*rows)[0].is_null(0));
}

}  // namespace
}  // namespace vireo::archive
