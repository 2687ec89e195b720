#include "net/dimse/repeat_summary.hpp"

namespace vireo::net {

bool RepeatSummary::first(const std::string& source, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = windows_.find(source);
  // A window that has ended but still holds a count to report goes on counting until ended()
  // reports it (it is called often), so that no occurrence is lost between the two.
  if (it != windows_.end() && (it->second.until > now || it->second.more > 0)) {
    ++it->second.more;
    return false;
  }
  windows_[source] = Window{now + window_, 0};
  return true;
}

std::vector<std::pair<std::string, int>> RepeatSummary::ended(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, int>> out;
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (it->second.until > now) {
      ++it;
      continue;
    }
    if (it->second.more > 0) out.emplace_back(it->first, it->second.more);
    it = windows_.erase(it);
  }
  return out;
}

}  // namespace vireo::net
