// What is checked in a report's text at signing, beyond its state (reports.cpp sign_conflict):
// the side it names against the side of the exam (the wrong-side error), and the structured
// finding its template asks for (a mammogram's BI-RADS assessment). Each check either blocks
// the signature until the text is corrected, or warns, and is signed past only when the
// radiologist acknowledges that warning by its rule.
//
//   ExamSides sides{side_named_in(procedure_names, true), side_of_images(image_laterality_codes)};
//   for (const SignCheck& c : sign_checks(draft, sides, /*addendum=*/false, "MG")) ...
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reporting/report.hpp"
#include "reporting/templates.hpp"

namespace vireo::reporting {

enum class Side { None, Left, Right, Both };

// The side that words name in `text` ("left", "derecha", "esquerra", "bilateral"): Both when it
// names both sides, None when neither.
// With `abbreviations` (procedure names), also "LT", "RT", "IZQ", "IZDA", "DCHA", "DER", "ESQ"...
[[nodiscard]] Side side_named_in(std::string_view text, bool abbreviations = false);
// The side of images by their DICOM Image Laterality or Laterality codes (L, R, B; U and empty
// count for nothing).
[[nodiscard]] Side side_of_images(const std::vector<std::string>& codes);
[[nodiscard]] const char* side_word(Side side);  // "left", "right", "both sides", "no side"

// Whether `text` (procedure names) names a paired part of the body (a knee, a breast, a hand...),
// in English, Spanish or Catalan: an exam of one has a side.
[[nodiscard]] bool paired_part_named(std::string_view text);

struct ExamSides {
  Side ordered = Side::None;  // what its procedures' names say
  Side imaged = Side::None;   // what its images say
  // The exam is of a paired part: with no side ordered nor imaged, no side check can run, and
  // the radiologist is told so (side_unknown).
  bool paired = false;
  // The exam's side: as ordered; as imaged where the order names none.
  [[nodiscard]] Side exam() const { return ordered != Side::None ? ordered : imaged; }
};

// The checks `content` fails, blocking ones first; `modality` is the exam's (a mammogram's report
// states its BI-RADS assessment, whatever template it was written from). An addendum is checked
// for its side only.
// `written_from`: the template the text was written from, resolved (template_store.hpp), for
// the structured finding it asks for. A blank ([[label]]) still in the text always blocks: one
// the template requires (PROHIBIT) as field_required, any other as field_unfilled.
[[nodiscard]] std::vector<SignCheck> sign_checks(const ReportContent& content, const ExamSides& sides, bool addendum,
                                                 std::string_view modality = {},
                                                 const ReportTemplate* written_from = nullptr);

// How a warning is acknowledged one by one: "text_side/impression" (its rule, and its field when
// it has one). A rule alone acknowledges every warning of that rule.
[[nodiscard]] std::string acknowledgement_of(const SignCheck& check);

// The first check that stops the signature when `acknowledged` are the warnings the radiologist
// has confirmed: a blocking one, else a warning not acknowledged; nullptr when none.
[[nodiscard]] const SignCheck* stopping_check(const std::vector<SignCheck>& checks,
                                              const std::vector<std::string>& acknowledged);

}  // namespace vireo::reporting
