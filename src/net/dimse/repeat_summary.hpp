// Keeps a flood of the same event from one source out of the audit trail: the first
// occurrence from a source is recorded at once, the others within `window` are counted and
// recorded as one summary when the window ends. (A caller that stalls on purpose, again and
// again, must not fill the trail; that it did so is still recorded.)
//
// Thread-safety: every member may be called from any thread.
// Usage:
//   if (summary.first(address, now)) audit(one event);
//   for (auto& [address, more] : summary.ended(now)) audit("N more from address");  // periodically
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace vireo::net {

class RepeatSummary {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RepeatSummary(Clock::duration window) : window_(window) {}

  // True for the first occurrence from `source` in its window (record it); false for the
  // others (counted for the summary).
  [[nodiscard]] bool first(const std::string& source, Clock::time_point now);
  // The sources whose window has ended with occurrences not yet recorded, and how many.
  [[nodiscard]] std::vector<std::pair<std::string, int>> ended(Clock::time_point now);

 private:
  struct Window {
    Clock::time_point until;
    int more = 0;
  };
  Clock::duration window_;
  std::mutex mutex_;
  std::map<std::string, Window> windows_;
};

}  // namespace vireo::net
