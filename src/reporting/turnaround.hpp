// Report turnaround: how long exams took from order to images, images to signature, signature to
// release (and order to release), over the reports signed in a period, by modality, radiologist
// and priority; and what waits now for a report. For the dashboard of whoever runs the reading
// room; times are minutes, as the median and the 90th percentile.
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto stats = ReportingStats::open(db);
//   auto last_month = (*stats)->turnaround(30, principal);
#pragma once

#include <memory>

#include "access/principal.hpp"
#include "core/clock.hpp"
#include "ris/reading.hpp"
#include "store/database.hpp"

namespace vireo::reporting {

// One interval over a group's reports: how many had both ends, and its median and 90th
// percentile, in minutes.
struct Span {
  int64_t count = 0;
  double median_min = 0, p90_min = 0;
};

struct TurnaroundGroup {
  std::string key;  // a modality, a radiologist's name, a priority; "" overall
  int64_t reports = 0;
  Span to_acquired, to_signed, to_released, total;  // order→images, images→signed, signed→released, order→released
};

struct Turnaround {
  std::string from, to;  // UTC ISO-8601: the period of the signatures counted
  TurnaroundGroup overall;
  std::vector<TurnaroundGroup> by_modality, by_radiologist, by_priority;  // each by key
  std::vector<ris::PendingReading> pending;  // waiting for their report now
  int64_t held = 0;                          // signed, held by the release rule now
};

inline constexpr int kMaxTurnaroundDays = 366;

class ReportingStats {
 public:
  static Result<std::unique_ptr<ReportingStats>> open(Database& db, const Clock& clock = system_clock());
  // The reports first signed in the last `days` days (1..kMaxTurnaroundDays), and what waits now.
  [[nodiscard]] Result<Turnaround> turnaround(int days, const access::Principal& actor);

 private:
  ReportingStats(Database& db, const Clock& clock) : clock_(clock), readers_(db) {}
  const Clock& clock_;
  ConnectionPool readers_;
};

// The median and the 90th percentile (nearest rank) of `minutes`.
[[nodiscard]] Span span_of(std::vector<double> minutes);

}  // namespace vireo::reporting
