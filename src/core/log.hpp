// Logging through spdlog. Ordinary logs never carry PHI: log UIDs, AE titles, sizes and
// statuses, never names, IDs, birth dates or report text (the audit trail records those).
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace vireo {
void init_logging(const std::string& level);
}  // namespace vireo
