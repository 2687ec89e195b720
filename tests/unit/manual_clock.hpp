// A clock the test moves by hand, for rules with deadlines (lockouts, sessions, retries).
#pragma once

#include <atomic>

#include "core/clock.hpp"

namespace vireo::testing {

class ManualClock final : public Clock {
 public:
  int64_t unix_seconds() const override { return now; }
  std::atomic<int64_t> now = 1'790'000'000;
};

}  // namespace vireo::testing
