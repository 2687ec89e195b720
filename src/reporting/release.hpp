// Release: when a signed report goes out to the referring physician and the patient. The clinic's
// rule (ReleaseRule): at once, or, for a sensitive result (one suspicious for or staging a
// malignancy, or with a critical result flagged), after a delay, so that the referrer can tell
// the patient before the portal does. Each signed version gets its release time in the
// signature's own write; the radiologist may release a held one early. Released, the order moves
// final → released and report.released goes through the outbox.
//
// Thread-safety: all methods may be called concurrently; release_due from any node (a conditional
// write: each version is released once).
// Usage:
//   auto releases = Releases::open(db, writes, outbox);
//   (*releases)->release_due();                        // the periodic job
//   (*releases)->release_now(order_id, principal);     // a held result, told already
#pragma once

#include <chrono>
#include <memory>

#include "access/principal.hpp"
#include "core/clock.hpp"
#include "events/outbox.hpp"
#include "reporting/report.hpp"
#include "store/write_queue.hpp"

namespace vireo::reporting {

// Topic (ids: report, order, accession, patient, version).
inline constexpr const char* kReportReleased = "report.released";

struct ReleaseRule {
  std::chrono::seconds sensitive_delay{0};  // 0: every report at once
};

// Whether a signed text holds a sensitive result: BI-RADS 4-6, Lung-RADS 4A-4X, TI-RADS TR5,
// LI-RADS LR-5, LR-M or LR-TIV, PI-RADS 4-5, or a TNM stage.
[[nodiscard]] bool sensitive_result(const ReportContent& content);

// A version just signed, as its release is decided.
struct SignedForRelease {
  int64_t report_id = 0, order_id = 0, number = 0;
  bool addendum = false;
  bool sensitive_text = false;  // sensitive_result() of its own content
};

// Inside the signature's write job: when the version goes out. A final report: at once, or after
// the rule's delay when its text is sensitive or a critical result was flagged on the exam. An
// addendum: at once (a correction of a report that is out goes out), or after the delay when its
// own text is sensitive; and never before a version of the same report still held.
[[nodiscard]] Status schedule_release(Connection& c, const events::Outbox& outbox, const SignedForRelease& v,
                                      const ReleaseRule& rule, int64_t now, const std::string& actor);

class Releases {
 public:
  static Result<std::unique_ptr<Releases>> open(Database& db, WriteQueue& writes, const events::Outbox& outbox,
                                                const Clock& clock = system_clock());
  // Releases the held versions whose time has come: how many.
  [[nodiscard]] Result<int64_t> release_due();
  // A radiologist releases the exam's held versions now (they have told the patient's doctor):
  // how many; 0 when none was held.
  [[nodiscard]] Result<int64_t> release_now(int64_t order_id, const access::Principal& actor);

 private:
  Releases(Database& db, WriteQueue& writes, const events::Outbox& outbox, const Clock& clock)
      : writes_(writes), outbox_(outbox), clock_(clock), readers_(db) {}
  WriteQueue& writes_;
  const events::Outbox& outbox_;
  const Clock& clock_;
  ConnectionPool readers_;
};

}  // namespace vireo::reporting
