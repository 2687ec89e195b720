// The catalogue's rules, one message per field (as the patient's): what a procedure, a room
// and a closure must be before they are saved.
#pragma once

#include <string_view>
#include <vector>

#include "ris/catalogue.hpp"

namespace vireo::ris {

inline constexpr int64_t kMaxSiteName = 64;  // characters

[[nodiscard]] ProcedureFields tidy(ProcedureFields p);
[[nodiscard]] RoomFields tidy(RoomFields r);
[[nodiscard]] std::vector<FieldError> validate(const ProcedureFields& p);
[[nodiscard]] std::vector<FieldError> validate(const RoomFields& r);
[[nodiscard]] std::vector<FieldError> validate(const ClosureFields& c);
[[nodiscard]] StaffFields tidy(StaffFields m);
[[nodiscard]] std::vector<FieldError> validate(const StaffFields& m);

// "07:30" → 450; -1 unless a time of day written HH:MM (00:00 to 24:00).
[[nodiscard]] int minutes_of_day(std::string_view hhmm);
[[nodiscard]] bool is_modality(std::string_view code);

}  // namespace vireo::ris
