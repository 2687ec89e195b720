// The audit trail (IHE ATNA, HIPAA §164.312(b)): one event for every access to patient
// data, every sign-in and refusal, every DICOM association and operation. Events are
// append-only and chained: each stores the SHA-256 of its predecessor's hash and its own
// content, so an edited, removed or reordered row breaks the chain that verify() walks.
//
// Thread-safety: record() may be called from any thread, also from inside a write job;
// events are queued and appended in batches by a job on the node's WriteQueue, which reads
// the chain's last hash inside the write transaction, so several processes (nodes, the CLI)
// extend one chain. flush() waits until what was recorded before it is committed (never
// call it from inside a write job).
// Usage:
//   auto log = AuditLog::open(db, writes);
//   (*log)->record({.actor = "alice", .actor_role = "radiologist", .action = "read", ...});
//   auto v = (*log)->verify();   // v->ok, v->first_broken_id
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::audit {

struct AuditEvent {
  int64_t id = 0;          // assigned when written
  std::string at;          // UTC ISO-8601 with milliseconds; set by record() when empty
  std::string actor;       // user name, DICOM AE title, "cli:<os user>" or "anonymous"
  std::string actor_role;  // roles, "dicom-peer", "operator"
  std::string
      action;  // query, read, export, create, update, delete, login, logout, refused, dicom-*
  std::string outcome = "success";  // success, failure
  std::string patient_id;           // when the event concerns one patient
  std::string study_uid;            // when it concerns one study
  std::string resource;  // what was touched: "GET /api/studies/1.2.3", "C-STORE 12 instances"
  std::string source;    // network address of the actor
  std::string user_agent;
  std::string detail;  // why it failed, query keys, counts
  std::string prev_hash;
  std::string hash;
};

struct AuditFilter {
  std::string patient_id, actor, action, from, to;  // from/to: ISO-8601 prefixes, inclusive
  int64_t limit = 100, offset = 0;
};

struct ChainReport {
  bool ok = true;
  int64_t events = 0;
  int64_t first_broken_id = 0;  // the first event whose link does not hold
  std::string reason;
};

[[nodiscard]] const std::vector<Migration>& audit_migrations();
// The hash an event must carry, given its predecessor's hash (exposed for the tests).
[[nodiscard]] std::string chain_hash(const AuditEvent& e, const std::string& prev_hash);

class AuditLog {
 public:
  // `writes` must be started and outlive the log.
  static Result<std::unique_ptr<AuditLog>> open(Database& db, WriteQueue& writes,
                                                const MigrationProgress& progress = {});
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void record(AuditEvent e);
  // Waits until every event recorded before the call is committed.
  [[nodiscard]] Status flush();
  [[nodiscard]] Result<std::vector<AuditEvent>> search(const AuditFilter& f);
  [[nodiscard]] Result<ChainReport> verify(const std::function<void(int64_t done)>& progress = {});
  // Called for every committed event (syslog export); set before events are recorded.
  void set_sink(std::function<void(const AuditEvent&)> sink);

 private:
  AuditLog(Database& db, WriteQueue& writes) : db_(db), writes_(writes) {}
  // Queues a job that appends what is waiting; called without mutex_ (a stopped queue
  // answers at once, on this thread).
  void post_append();
  // Inside a write job: gives the events their ids and chain hashes and inserts them.
  static Status append(Connection& c, std::vector<AuditEvent>& batch);
  void appended(const Status& s);

  Database& db_;
  WriteQueue& writes_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::deque<AuditEvent> queue_;
  std::vector<AuditEvent> in_flight_;  // the batch the one queued job appends (used by that job and its answer)
  bool appending_ = false;             // a job is queued or running
  uint64_t queued_ = 0, written_ = 0;
  int failures_ = 0;  // consecutive failed appends of the batch in flight
  Status last_error_;
  std::function<void(const AuditEvent&)> sink_;
};

}  // namespace vireo::audit
