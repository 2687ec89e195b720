// The plain-language result letter of a breast imaging report, for the patient (MQSA's lay
// summary, 21 CFR 900.12(c)(2)): what the exam found, in words without the BI-RADS jargon, and
// what to do next, from the report's BI-RADS assessment; in English, Spanish or Catalan.
//
// Thread-safety: free functions over constant text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reporting/report.hpp"

namespace vireo::reporting {

// The assessment the letter speaks of: of the content's BI-RADS findings, the one that asks the
// most of the patient (5, 4C, 4B, 4A, 4, 6, 0, 3, 2, 1); "" when it has none.
[[nodiscard]] std::string letter_assessment(const ReportContent& content);

struct LetterPart {
  std::string heading, body;
};

struct LetterText {
  std::string title;     // "Your breast imaging result"
  std::vector<LetterPart> parts;
  std::string closing;   // where the full report is; {radiologist} and {date} to fill in
};

// `assessment`: a BI-RADS category (0 to 6, 4A to 4C); `language`: en, es or ca (else en).
[[nodiscard]] LetterText letter_text(std::string_view assessment, std::string_view language);

}  // namespace vireo::reporting
