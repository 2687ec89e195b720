// Report templates: for a kind of exam (its modalities and body region), the sections a report
// starts with and their normal text, the normal-text macros a radiologist inserts into a section
// with one action (PowerScribe's "normals"), and the structured findings it expects (BI-RADS for
// a mammogram). A procedure names its default template by code (ris::Procedure::report_template).
//
// Vireo's own library covers the exams of a general imaging centre; a template is for the
// modalities it names, and a report written for another kind of exam is refused
// (template_mismatch), so that a knee's normal text never lands in a head CT's report.
//
// Thread-safety: immutable tables; free functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reporting/report.hpp"

namespace vireo::reporting {

struct TemplateSection {
  std::string key, title;  // key: one of kStandardSections or the template's own
  std::string text;        // what the section starts with: the normal finding, or empty
};

struct Macro {
  std::string key;      // "normal_lungs"
  std::string name;     // "Normal lungs", as the pick-list shows it
  std::string section;  // the section it goes into
  std::string text;
};

struct ReportTemplate {
  std::string code;  // "VIR-CT-CHEST"
  std::string name;  // "CT chest"
  std::vector<std::string> modalities;  // DICOM modality codes it is for: CT; CR and DX
  std::string body_region;              // "chest"
  std::vector<TemplateSection> sections;
  std::vector<Macro> macros;
  std::string findings_system = {};  // the structured findings it expects ("birads"), or ""
  // Signing without one of them: blocked ("block"), warned of ("warn"), or allowed ("").
  std::string findings_rule = {};
};

[[nodiscard]] const std::vector<ReportTemplate>& report_templates();
[[nodiscard]] const ReportTemplate* report_template(std::string_view code);

// Whether a report written from `code` may be an exam's of `modality`: nullopt when it may (no
// template, or one for that modality); else the conflict (template_mismatch) or, for a code that
// names no template, the field to correct.
struct TemplateRefusal {
  std::optional<FieldError> invalid;
  std::optional<ReportConflict> conflict;
};
[[nodiscard]] std::optional<TemplateRefusal> check_template(std::string_view code, std::string_view modality);

}  // namespace vireo::reporting
