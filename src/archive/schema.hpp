// The archive's tables and their migrations (versioned in code, applied at start-up).
#pragma once

#include <vector>

#include "store/migrations.hpp"

namespace vireo::archive {
[[nodiscard]] const std::vector<Migration>& schema_migrations();
}  // namespace vireo::archive
