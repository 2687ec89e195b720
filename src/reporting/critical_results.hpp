// Critical results (ACR's practice parameter on communication): a finding on the clinic's list
// of critical findings, flagged by the radiologist who found it, is an open loop until they
// record whom they told, how, and when that person received it. Open ones are listed, and each
// escalates (an event through the outbox, again every period) until it is closed.
//
// Thread-safety: all methods may be called concurrently; escalate_due from any node (a
// conditional write: each escalation is made once).
// Usage:
//   auto critical = CriticalResults::open(db, writes, outbox, {"Pneumothorax", ...});
//   auto flagged = (*critical)->flag(order_id, "Pneumothorax", "large, right", principal);
//   (*critical)->communicated(order_id, flagged->value.id, {"Dr. Puig (ED)", "phone", "2027-..."}, principal);
#pragma once

#include <memory>

#include "access/principal.hpp"
#include "core/clock.hpp"
#include "events/outbox.hpp"
#include "reporting/report.hpp"
#include "store/write_queue.hpp"

namespace vireo::reporting {

// Topics (ids: critical, order, accession, patient; escalated: level).
inline constexpr const char* kCriticalFlagged = "report.critical.flagged";
inline constexpr const char* kCriticalCommunicated = "report.critical.communicated";
inline constexpr const char* kCriticalEscalated = "report.critical.escalated";

// How a critical result was communicated.
inline constexpr const char* kCommunicationMethods[] = {"phone", "in_person", "secure_message"};

struct CriticalResult {
  int64_t id = 0;
  int64_t order_id = 0;
  std::string accession_number, patient_name, mrn;  // the order's, as it is now
  std::string finding, note;
  std::string found_at, found_by, found_by_name;
  std::string status = "open";  // open, communicated
  std::string communicated_to, method, received_at, recorded_by, recorded_at;
  int64_t escalations = 0;
  std::string escalated_at;
};

struct Communication {
  std::string to;           // whom: a name and role ("Dr. Anna Puig, emergency")
  std::string method;       // kCommunicationMethods
  std::string received_at;  // UTC ISO-8601: when they received it
};

// A change's result: fields to correct (400), a conflict (409), or the result as saved.
struct CriticalSaved {
  std::vector<FieldError> invalid;
  std::optional<ReportConflict> conflict;
  CriticalResult value;
  [[nodiscard]] bool saved() const { return invalid.empty() && !conflict; }
};

class CriticalResults {
 public:
  // `findings`: the clinic's list of critical findings (what may be flagged).
  static std::unique_ptr<CriticalResults> open(Database& db, WriteQueue& writes, const events::Outbox& outbox,
                                               std::vector<std::string> findings, const Clock& clock = system_clock());

  [[nodiscard]] const std::vector<std::string>& findings() const { return findings_; }
  // Flagged by the radiologist who found it (reporting.write), on an exam that was performed.
  [[nodiscard]] Result<CriticalSaved> flag(int64_t order_id, const std::string& finding, const std::string& note,
                                           const access::Principal& actor);
  // The loop closed: whom they told, how, when it was received (not before it was found, not in
  // the future). Once only (409 already_communicated).
  [[nodiscard]] Result<CriticalSaved> communicated(int64_t order_id, int64_t id, const Communication& how,
                                                   const access::Principal& actor);
  [[nodiscard]] Result<std::vector<CriticalResult>> of_order(int64_t order_id, const access::Principal& actor);
  // Every open one, the oldest first.
  [[nodiscard]] Result<std::vector<CriticalResult>> open_results(const access::Principal& actor);
  // Each open result not escalated in the last `period` (counted from when it was found): escalated
  // once more, its event in the outbox. How many were escalated.
  [[nodiscard]] Result<int64_t> escalate_due(std::chrono::seconds period);

 private:
  CriticalResults(Database& db, WriteQueue& writes, const events::Outbox& outbox, std::vector<std::string> findings,
                  const Clock& clock)
      : writes_(writes), outbox_(outbox), findings_(std::move(findings)), clock_(clock), readers_(db) {}
  [[nodiscard]] Result<std::vector<CriticalResult>> list(const std::string& where, std::vector<SqlValue> args);
  WriteQueue& writes_;
  const events::Outbox& outbox_;
  std::vector<std::string> findings_;
  const Clock& clock_;
  ConnectionPool readers_;
};

// The clinic's list when none is configured: ACR's examples of findings needing immediate
// communication.
[[nodiscard]] std::vector<std::string> default_critical_findings();

}  // namespace vireo::reporting
