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
  // A component template (not top level) whose text follows this one's: MRRT's embedded
  // templates, e.g. a lung nodule's description inside a CT chest's findings.
  std::string embed = {};
};

// A blank the radiologist fills: it stands in its section's text as [[label]] until then
// (kFieldMarkOpen/Close). Its kinds are IHE MRRT's; a merge field is filled from the RIS and the
// images when the template is applied.
struct TemplateField {
  std::string label;    // unique in its template; the placeholder's text
  std::string section;  // the section it is in
  std::string type = "TEXT";  // kFieldTypes
  std::vector<std::string> choices;  // SELECT and MULTISELECT
  std::string units = {};            // NUMBER: "mm"
  // MRRT's data-field-completion-action: signing with the blank unfilled is allowed (NONE),
  // warned of (ALERT) or refused (PROHIBIT).
  std::string completion = "NONE";
  bool merge = false;
  friend bool operator==(const TemplateField&, const TemplateField&) = default;
};

inline constexpr const char* kFieldTypes[] = {"TEXT", "NUMBER", "DATE", "TIME", "DATETIME", "SELECT", "MULTISELECT"};
inline constexpr const char* kFieldCompletions[] = {"NONE", "ALERT", "PROHIBIT"};
inline constexpr const char* kTemplateStatuses[] = {"ACTIVE", "DRAFT", "RETIRED"};
inline constexpr std::string_view kFieldMarkOpen = "[[", kFieldMarkClose = "]]";

struct Macro {
  std::string key;      // "normal_lungs"
  std::string name;     // "Normal lungs", as the pick-list shows it
  std::string section;  // the section it goes into
  std::string text;
  std::string shortcut = {};  // "Alt+1": inserts it from the keyboard, or ""
  friend bool operator==(const Macro&, const Macro&) = default;
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
  std::vector<TemplateField> fields = {};
  std::string language = "en";  // ISO 639-1, MRRT's dcterms.language
  bool top_level = true;        // false: a component, only ever embedded in another
  std::string status = "ACTIVE";  // kTemplateStatuses; a retired one is not offered
  // Where it comes from (MRRT's Dublin Core): kept so that an export says it.
  std::string identifier = {}, publisher = {}, rights = {}, license = {};
  // Held by the clinic (its own, imported, or Vireo's edited): "clinic"; else "vireo".
  std::string source = "vireo";
  int64_t revision = 0;  // of the clinic's copy; 0 for Vireo's own
  std::string updated_at = {}, updated_by = {};
};

// Vireo's own library: what a clinic starts with, until it edits, retires or adds its own
// (reporting/template_store.hpp keeps those).
[[nodiscard]] const std::vector<ReportTemplate>& vireo_templates();
[[nodiscard]] const ReportTemplate* vireo_template(std::string_view code);

// What is wrong with a template as data, field by field (its embeds are checked where the
// other templates are known).
[[nodiscard]] std::vector<FieldError> template_errors(const ReportTemplate& t);

// The blanks still in `text`: the labels of its [[label]] placeholders, in order.
[[nodiscard]] std::vector<std::string> blanks_in(std::string_view text);

// Whether a report written from `t` (found by `code`; nullptr: no such template) may be an exam's
// of `modality`: nullopt when it may (no template, or one for that modality); else the conflict
// (template_mismatch, template_retired) or, for a code that names no template, the field to
// correct.
struct TemplateRefusal {
  std::optional<FieldError> invalid;
  std::optional<ReportConflict> conflict;
};
[[nodiscard]] std::optional<TemplateRefusal> check_template(std::string_view code, const ReportTemplate* t,
                                                            std::string_view modality);

}  // namespace vireo::reporting
