// Checks every form of the RIS shares: text that can be stored (well-formed UTF-8 without
// control characters) within a length in characters, and DICOM values without their
// delimiters; each failure one FieldError naming the field and the rule.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ris/patient.hpp"

namespace vireo::ris::checks {

// Code points in `s`, or -1 when it is not well-formed UTF-8 (RFC 3629: no overlong forms,
// surrogates or code points past U+10FFFF) or holds a control character (C0, DEL, C1; line
// breaks and tabs only where `multiline`).
[[nodiscard]] int64_t characters(std::string_view s, bool multiline);

struct Checker {
  std::vector<FieldError> errors;
  void add(std::string field, std::string rule, std::string message) {
    errors.push_back({std::move(field), std::move(rule), std::move(message)});
  }
  // Text within `max` characters, of printable characters. False when it added an error.
  bool text(const char* field, const char* label, std::string_view value, int64_t max,
            bool multiline = false) {
    int64_t n = characters(value, multiline);
    if (n < 0) {
      add(field, "format",
          std::string(label) +
              " contains characters that cannot be stored (control characters or broken text)");
      return false;
    }
    if (n > max) {
      add(field, "too_long",
          std::string(label) + " is longer than " + std::to_string(max) + " characters");
      return false;
    }
    return true;
  }
  // A DICOM value (LO, a PN component): no backslash, and for names no ^ or =.
  void dicom_text(const char* field, const char* label, std::string_view value, bool name) {
    if (!text(field, label, value, 64)) return;
    if (value.find('\\') != std::string_view::npos ||
        (name && value.find_first_of("^=") != std::string_view::npos))
      add(field, "format",
          std::string(label) + (name ? " cannot contain \\, ^ or =" : " cannot contain \\"));
  }
};

}  // namespace vireo::ris::checks
