// The controlled vocabularies of structured findings, as data: ACR BI-RADS (5th edition),
// Lung-RADS (v2022), ACR TI-RADS (2017, its level counted from the points of its features),
// LI-RADS (v2018), PI-RADS (v2.1) and TNM (8th edition). A finding names its system and a term
// (or a number) for each field; what is not in the vocabulary is refused (no BI-RADS 7, no M2),
// and each category carries the management it implies. Labels in English, Spanish and Catalan.
//
// Thread-safety: immutable tables; free functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reporting/report.hpp"

namespace vireo::reporting {

struct Label {
  const char* en = "";
  const char* es = "";
  const char* ca = "";
  // In `language` (en, es, ca; English otherwise).
  [[nodiscard]] std::string in(std::string_view language) const;
};

struct Term {
  std::string code;  // as recorded: "4A", "spiculated", "TR4"
  Label label;
  Label management = {};  // for a category: what it implies ("Tissue diagnosis")
  int points = 0;         // TI-RADS: what the feature adds to the level
};

struct VocabularyField {
  std::string key;  // "assessment", "laterality", "size_mm"
  Label label;
  bool required = false;
  std::vector<Term> choices;  // empty: a number between min and max, in `unit`
  double min = 0, max = 0;
  std::string unit = {};
  [[nodiscard]] bool numeric() const { return choices.empty(); }
};

struct Vocabulary {
  std::string key;   // "birads"
  std::string name;  // "BI-RADS": a name, the same in every language
  Label title;       // "Breast imaging (ACR BI-RADS)"
  std::vector<VocabularyField> fields;
  // The field whose term is the finding's category; empty when the category is counted from the
  // features' points (TI-RADS: `levels`, each from its least number of points).
  std::string category_field;
  std::vector<std::pair<int, Term>> levels = {};
};

[[nodiscard]] const std::vector<Vocabulary>& vocabularies();
[[nodiscard]] const Vocabulary* vocabulary(std::string_view key);

// Fields to correct in the i-th finding ("findings/0/assessment"): an unknown system or field, a
// required field missing, a term not in the vocabulary, a number out of range.
[[nodiscard]] std::vector<FieldError> check_finding(const CodedFinding& finding, size_t index);

// What a checked finding says, in `language`: its category ("BI-RADS 4A") and what that means,
// the management it implies, and the rest of its fields as "label: value".
struct FindingText {
  std::string category;     // "BI-RADS 4A: Low suspicion for malignancy"
  std::string management;   // "Tissue diagnosis"
  std::string description;  // "Laterality: left; Finding: mass; Size: 12 mm"
  [[nodiscard]] std::string sentence() const;  // the three, as one paragraph of the report
};
[[nodiscard]] FindingText describe(const CodedFinding& finding, std::string_view language);

}  // namespace vireo::reporting
