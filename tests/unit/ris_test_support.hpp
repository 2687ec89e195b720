// What the RIS's unit tests share: the rules a result broke for one field.
#pragma once

#include <string>
#include <vector>

#include "ris/patient.hpp"

namespace vireo::ris::testing_support {

inline std::vector<std::string> rules_of(const std::vector<FieldError>& errors,
                                         const std::string& field) {
  std::vector<std::string> out;
  for (const auto& e : errors)
    if (e.field == field) out.push_back(e.rule);
  return out;
}

}  // namespace vireo::ris::testing_support
