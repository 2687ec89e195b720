// Wall-clock helpers. UTC ISO-8601 timestamps are what the index and logs store.
#pragma once

#include <string>

namespace vireo {
[[nodiscard]] std::string utc_now_iso();  // 2026-11-23T03:04:05.123Z
}  // namespace vireo
