// IHE MRRT (Management of Radiology Report Templates): the HTML5 file format RSNA's RadReport
// library and other report creators exchange templates in. Reading one makes a ReportTemplate:
// its top-level <section>s become the report's sections, their text rendered as the template
// fills it (defaults, checked boxes, chosen options), and each input, menu or empty required
// text area without a default becomes a blank ([[label]], templates.hpp) with MRRT's field type,
// units, merge flag and completion action. An unchecked checkbox becomes a normal-text macro;
// an <embed src> names a component template embedded in its section.
//
// Writing one gives the same back: what Vireo holds that MRRT has no place for (structured
// findings rule, body region, macro shortcuts) travels in data-vireo-* attributes and vireo.*
// meta elements, which other report creators ignore.
//
// Thread-safety: free functions; libxml2 is initialised once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "reporting/templates.hpp"

namespace vireo::reporting {

inline constexpr size_t kMaxMrrtBytes = 2 * 1024 * 1024;

struct MrrtRead {
  std::optional<ReportTemplate> value;  // source "clinic"; code from the identifier; embeds as written
  std::string refusal;                  // else why the file is not a template Vireo can use
};

[[nodiscard]] MrrtRead read_mrrt(std::string_view html);

// `date`: dcterms.date, YYYY-MM-DD.
[[nodiscard]] std::string write_mrrt(const ReportTemplate& t, std::string_view date);

}  // namespace vireo::reporting
