// Time: the Clock port (DESIGN.md "Ports"), so that rules with deadlines (sessions,
// lockouts, TOTP) can be tested without waiting, and UTC ISO-8601 stamps for the index.
#pragma once

#include <cstdint>
#include <string>

namespace vireo {

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual int64_t unix_seconds() const = 0;
};

// The real clock (system time).
[[nodiscard]] const Clock& system_clock();

[[nodiscard]] std::string utc_now_iso();  // 2026-11-23T03:04:05.123Z
[[nodiscard]] std::string utc_iso(int64_t unix_seconds);  // 2026-11-23T03:04:05Z

}  // namespace vireo
