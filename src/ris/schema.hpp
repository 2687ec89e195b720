// The RIS's tables: one list of migrations for the domain "ris".
#pragma once

#include <vector>

#include "store/migrations.hpp"

namespace vireo::ris {

[[nodiscard]] const std::vector<Migration>& migrations();

}  // namespace vireo::ris
