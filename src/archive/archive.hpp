// The DICOM archive domain: storing instances (durably, idempotently), finding them with
// C-FIND semantics, locating them for retrieval, listing and deleting. Protocol-free: the
// DIMSE server, the REST API and the import command all call this.
//
// Thread-safety: all methods may be called concurrently. Writes go through the node's
// WriteQueue (group commit); reads use pooled connections.
// Usage:
//   auto archive = Archive::open(db, blobs, writes, policy);
//   auto stored = (*archive)->store_file(received_tmp, {"MODALITY_AE", sop_uid});
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "archive/duplicate_policy.hpp"
#include "archive/query.hpp"
#include "dicom/dicom_file.hpp"
#include "dicom/patient_rewrite.hpp"
#include "events/outbox.hpp"
#include "store/blob_store.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::archive {

enum class StoreOutcome { Stored, Duplicate, Overwritten };

struct StoreResult {
  StoreOutcome outcome = StoreOutcome::Stored;
  std::string sop_instance_uid;
  std::string study_instance_uid;
  std::string patient_id;
  std::string sop_class_uid;
};

struct StoreSource {
  std::string name;                       // calling AE title, "import", "rest"
  std::string expected_sop_instance_uid;  // from the C-STORE request, checked against the data
  std::string expected_sop_class_uid;
  std::string expected_study_instance_uid;  // STOW-RS to /studies/{study}
  std::string file_sha256;  // the file's hash, when the receiver computed it while writing it

  [[nodiscard]] static StoreSource named(std::string n) {
    StoreSource s;
    s.name = std::move(n);
    return s;
  }
};

struct StoredInstance {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string transfer_syntax;
  std::string blob_key;
  std::string sha256;
  int64_t size = 0;
  std::string patient_id, study_uid;  // for the audit trail
  std::string series_uid;
};

using FindRow = std::map<tag::Tag, std::string>;

struct Conflict {
  std::string sop_instance_uid, stored_sha256, received_sha256, resolution, source, at;
};

// An instance the archive refused to keep, and why (the administrator's status page).
struct Rejection {
  std::string at, source, sop_instance_uid, reason;
};

struct IntegrityReport {
  int64_t instances_checked = 0;
  std::vector<std::string> missing_blobs;   // SOP Instance UIDs whose file is gone
  std::vector<std::string> corrupt_blobs;   // SOP Instance UIDs whose file fails its hash
  std::vector<std::string> orphan_blobs;    // blob keys with no index row
  int64_t orphans_removed = 0;
  // On a store other nodes share: orphans queued for removal (sweep_removals), as they may be
  // another node's writes whose index rows are about to be committed.
  int64_t orphans_queued = 0;
};

struct MovedStudies {
  int64_t studies = 0, instances = 0;
};

// Studies of one patient made another's (a merge of two patients, or its undoing): `change`
// names the move ("ris-merge:12"), and an undoing names the change it undoes.
struct PatientMove {
  std::string change;
  dicom::PatientAttributes from;  // matched by id and issuer
  dicom::PatientAttributes to;    // what the files will say
  std::string undoes;             // "": every study of `from`; else only those `undoes` moved
  std::string actor;
  // Set: this study only, corrected to name `to` (a study reconciled to its order, whose
  // accession number `to` may carry): no link between the two patients, so later images of
  // `from` stay `from`'s.
  std::string study_uid = {};
  // Asked after each study moved, with what moved so far: an error stops the move there (the
  // rest is left for the next delivery). How a long move keeps its claim on the work
  // (Dispatcher::renew_lease), and how its caller knows what moved when the call then fails.
  std::function<Status(const MovedStudies&)> between_studies = {};
};

// A study's move, as recorded (the patient page's history, an undo).
struct StudyMove {
  std::string change, study_uid, from_patient_id, from_issuer, to_patient_id, to_issuer, at, actor;
  int64_t instances = 0;
};

struct ArchiveStats {
  int64_t patients = 0, studies = 0, series = 0, instances = 0, bytes = 0;
};

namespace detail {
struct PreparedInstance;  // parsed, checked and in the blob store, not yet indexed
struct IndexOutcome;      // what indexing one instance decided
struct Rewritten;         // an instance's file rewritten for a move, not yet committed
}  // namespace detail

class Archive {
 public:
  // `writes` must be started, with `blobs` as the store it syncs, and outlive the archive;
  // `outbox` takes the archive's events (study.received, instance.stored, *.deleted).
  static Result<std::unique_ptr<Archive>> open(Database& db, BlobStore& blobs, WriteQueue& writes,
                                               const events::Outbox& outbox, DuplicatePolicy policy,
                                               const MigrationProgress& progress = {});
  // Below this much free space new instances are refused with OutOfResources.
  void set_min_free_bytes(uint64_t bytes) { min_free_bytes_ = bytes; }
  // Called with each blob key whose file the archive removes (a deleted study or series, an
  // overwritten instance), so that caches of data derived from it drop it. Set before use.
  void on_blob_removed(std::function<void(const std::string& blob_key)> fn) { blob_removed_ = std::move(fn); }
  // OutOfResources when the blob store is below its free-space floor: checked before a
  // sender's data is accepted, so a full disk is answered, never hit mid-write.
  [[nodiscard]] Status check_free_space();
  [[nodiscard]] Result<uint64_t> free_bytes() { return blobs_.free_bytes(); }
  [[nodiscard]] uint64_t min_free_bytes() const { return min_free_bytes_; }
  ~Archive() = default;

  // Where a receiver writes an incoming file before store_file takes it.
  [[nodiscard]] std::filesystem::path temp_path() { return blobs_.temp_path(); }
  // Takes ownership of `file` (a Part 10 file in blobs.temp_path() space): parses, stores
  // durably, indexes. On any failure the file is removed and nothing is changed.
  [[nodiscard]] Result<StoreResult> store_file(const std::filesystem::path& file, const StoreSource& source);
  struct StoreItem {
    std::filesystem::path file;
    StoreSource source;
  };
  // store_file for several files at once, results in order: each is parsed and checked on
  // its own, and all are indexed in one commit behind one flush (a STOW-RS request).
  [[nodiscard]] std::vector<Result<StoreResult>> store_files(const std::vector<StoreItem>& items);
  // Copies an external file in (adding a meta header where it has none), then store_file.
  [[nodiscard]] Result<StoreResult> import_file(const std::filesystem::path& path, const std::string& aet);

  // Calls `row` for each match; stop early by returning false.
  [[nodiscard]] Status find(const FindQuery& query, const std::function<bool(const FindRow&)>& row);
  // The instances below the entities that the unique keys of `query` name (C-MOVE, C-GET).
  [[nodiscard]] Result<std::vector<StoredInstance>> locate(const FindQuery& query);
  [[nodiscard]] Result<StoredInstance> instance(const std::string& sop_instance_uid, const Scope& scope);
  // Each instance's attributes in the DICOM JSON model as kept at ingest (BulkDataURIs are
  // dicom::kBulkDataPlaceholder + tag), in the order given; nullopt for instances stored
  // before they were kept (read their file instead).
  [[nodiscard]] Result<std::vector<std::optional<std::string>>> metadata(const std::vector<StoredInstance>& instances);
  // The same for the studies, series or instances with these UIDs (a study or series by its
  // first stored instance), in order; nullopt where none is kept (or the UID is unknown).
  [[nodiscard]] Result<std::vector<std::optional<std::string>>> metadata_of(Level level,
                                                                          const std::vector<std::string>& uids);
  // How instance_file checks the stored SHA-256 before handing the file out.
  enum class HashCheck {
    Skip,       // the caller checks it itself (WADO-RS hashes while streaming)
    EveryRead,  // whole files leaving the archive (C-MOVE, C-GET, downloads)
    Once,       // parts read again and again (frames, rendered, bulk data): the first read
                // in this process checks the whole file, later ones trust that check
  };
  // A readable path to the instance's file, its hash checked as `check` says.
  [[nodiscard]] Result<std::filesystem::path> instance_file(const StoredInstance& inst, HashCheck check);

  // Whether the instance's file can be read on this node without fetching it from a shared store.
  [[nodiscard]] bool is_local(const StoredInstance& inst) { return blobs_.is_local(inst.blob_key); }
  // `length` bytes of the instance's file from `offset`: by a ranged read of the store itself
  // when this node has no copy (and none is kept).
  [[nodiscard]] Result<std::string> read_part(const StoredInstance& inst, uint64_t offset, uint64_t length) {
    return blobs_.read_range(inst.blob_key, offset, length);
  }
  // These frames (numbers from 1) as stored, read by byte range with the frame layout recorded
  // at ingest, each checked against its own recorded hash: for an instance whose blob is on a
  // shared store with no copy on this node, so that one frame does not cost the whole object.
  // nullopt when that does not apply (the blob is here, no layout was recorded, or the frames
  // asked for are most of the object): the caller reads the file. InvalidArgument for a frame
  // number beyond the instance's. A frame whose bytes do not match its hash gives nullopt too:
  // the whole object is read then, and its own hash decides.
  [[nodiscard]] Result<std::optional<std::vector<dicom::Frame>>> frames_by_range(const StoredInstance& inst,
                                                                               const std::vector<uint32_t>& numbers);

  // Delete a study or series and its files; returns the number of instances removed.
  [[nodiscard]] Result<int64_t> delete_study(const std::string& study_uid);
  [[nodiscard]] Result<int64_t> delete_series(const std::string& series_uid);

  // Moves the studies `move` names to its `to` patient: each instance's file is rewritten to name
  // that patient (the values replaced kept in its Original Attributes Sequence), then each study
  // moves in one commit (its instances' new files, metadata and the index) and its old files go.
  // Idempotent: a study already moved is not found again, so a retry finishes what one began.
  // Late or out of order is safe: a merge whose undoing came first moves nothing, and an undoing
  // moves back only studies whose last move was the merge it undoes. While a merge holds, images
  // arriving with the merged patient's ID are rewritten as they come. The first study that could
  // not move (Unavailable when it changed meanwhile; a damaged file; a full disk) fails the call
  // after the others moved.
  [[nodiscard]] Result<MovedStudies> move_patient(const PatientMove& move);
  // The moves recorded under `change` (or, with `change` empty, of this patient either way).
  [[nodiscard]] Result<std::vector<StudyMove>> moves(const std::string& change, const std::string& patient_id = {},
                                                     const std::string& issuer = {});

  [[nodiscard]] Result<std::vector<Conflict>> conflicts(int64_t limit);
  // Instances refused (unreadable, not what the request named, no room to keep them), newest
  // first. Only the latest kKeptRejections are kept: a sender of garbage cannot fill the table.
  static constexpr int64_t kKeptRejections = 1000;
  [[nodiscard]] Result<std::vector<Rejection>> rejections(int64_t limit);
  // Records a refusal decided outside store_file (a receiver that had no room to write); for
  // lack of room, once a minute.
  void note_rejection(const std::string& source, const std::string& sop_instance_uid, const Error& why);
  [[nodiscard]] Result<ArchiveStats> stats();
  // When the study's first instance was indexed (UTC ISO-8601): what other domains kept about a
  // study of the same UID before then belongs to a deleted one. NotFound for an unknown study.
  [[nodiscard]] Result<std::string> study_created_at(const std::string& study_uid);
  // Startup check: every index row has its blob (and, with `deep`, the right hash); every
  // blob has its row. Orphan blobs (written, never acknowledged) are removed when `repair`.
  // `repair`: orphans are removed, or on a shared store queued for removal.
  [[nodiscard]] Result<IntegrityReport> check_integrity(bool deep, bool repair);
  // On a store several nodes share, a blob is removed a while (set_removal_delay, an hour by
  // default) after it was given up, if no index row names it then and nobody wrote it since.
  // Makes the removals due now; returns how many objects went.
  [[nodiscard]] Result<int64_t> sweep_removals();
  void set_removal_delay(int64_t seconds) { removal_delay_s_ = seconds; }
  // Every indexed instance's blob: its key, SHA-256 and size (the check, moving the blobs).
  struct IndexedBlob {
    std::string sop_instance_uid, key, sha256;
    int64_t size = 0;
  };
  [[nodiscard]] Result<std::vector<IndexedBlob>> indexed_blobs();

  WriteQueue& writer() { return writer_; }

 private:
  Archive(Database& db, BlobStore& blobs, WriteQueue& writes, const events::Outbox& outbox, DuplicatePolicy policy);
  Result<int64_t> delete_where(Level level, const std::string& uid);
  // store_file's steps: before the index (removes `file` on failure, and tells `refused` the
  // SOP Instance UID, where known, for the record of refusals) and after its commit.
  using Refused = std::function<void(const std::string& sop_instance_uid, const Error& why)>;
  // `correct_patient`: a file naming a patient merged into another (an active patient link) is
  // rewritten to name that other first, as the merge's own files were.
  Result<detail::PreparedInstance> prepare(const std::filesystem::path& file, const StoreSource& source,
                                           const Refused& refused, bool correct_patient = true);
  // The patient that images naming this one are filed under now (a merge), and the merge, if any.
  struct PatientLink {
    std::string change;
    dicom::PatientAttributes to;
    std::string created_at;  // the time its files record as their change's
  };
  std::optional<PatientLink> corrected_patient(const std::string& patient_id, const std::string& issuer);
  // One study of move_patient: its files rewritten, then moved in one commit. The number of
  // instances moved (0: not wanted any more, or moved already).
  Result<int64_t> move_study(const PatientMove& m, const std::string& at, int64_t study_pk, const std::string& study_uid);
  void discard(const std::vector<detail::Rewritten>& files);
  Result<StoreResult> conclude(const detail::PreparedInstance& p, const Result<detail::IndexOutcome>& outcome);

  Database& db_;
  BlobStore& blobs_;
  const events::Outbox& outbox_;
  DuplicatePolicy policy_;
  ConnectionPool readers_;
  WriteQueue& writer_;
  std::vector<tag::Tag> ingest_tags_;
  std::vector<std::pair<tag::Tag, tag::Tag>> ingest_nested_tags_;
  uint64_t min_free_bytes_ = 0;
  std::function<void(const std::string&)> blob_removed_;
  void remove_blob(const std::string& key);
  // `restart`: a key already queued is given up again now (its clock starts over); otherwise a
  // queued key keeps its time (the check queues every orphan it finds, each time it runs).
  [[nodiscard]] Status queue_removals(const std::vector<std::string>& keys, bool restart);
  int64_t removal_delay_s_ = 3600;
  std::mutex verified_mutex_;
  std::unordered_set<std::string> verified_;  // blob keys whose hash held in this process
};

}  // namespace vireo::archive
