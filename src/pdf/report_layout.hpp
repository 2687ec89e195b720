// The printed radiology report: an A4 PDF laid out with pango and drawn with cairo, from
// plain strings the caller has already translated (this module knows no language and no
// database). Text is UTF-8 throughout; fontconfig finds Noto Sans (Arabic, CJK) and
// DejaVu Sans for the scripts one font lacks, and pango shapes right-to-left text.
//
// Page 1 opens with the clinic's letterhead and the patient and study block; sections
// flow over as many pages as they need (a paragraph breaks between lines, a table row
// never breaks and the table's header repeats), then the key images and the signature
// block. Every page ends with the report's identifier and "Page N of M". Names and
// values keep the page's left alignment whatever their script; a paragraph written in a
// right-to-left script runs and aligns right to left (the page itself is not mirrored).
//
// Thread-safety: each call is independent (pango's font map is per thread).
// Usage:
//   ReportDocument doc;
//   doc.clinic.name = "Clínica Diagonal";
//   doc.sections.push_back({.title = "Findings", .body = "..."});
//   auto pdf = render_report(doc);   // Result<std::string>: the PDF's bytes
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"

namespace vireo::pdf {

struct ClinicBranding {
  std::string name;
  std::vector<std::string> address_lines;  // address, telephone, web: one line each
  std::string logo_png;                    // PNG bytes; empty: no logo
};

struct LabelledValue {
  std::string label;  // "Patient", "Date of birth", "Accession number"...
  std::string value;
};

// A grid under a section: one header row, then rows of cells (rows shorter than the
// header are padded with empty cells).
struct FindingsTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

struct ReportSection {
  std::string title;  // "Clinical information", "Technique", "Findings", "Impression"...
  std::string body;   // paragraphs separated by a blank line; a single newline breaks a line
  FindingsTable table;  // drawn after the body when it has a header
};

struct KeyImage {
  std::string png;      // PNG bytes, scaled to fill its cell (two to a row), aspect kept
  std::string caption;
};

struct SignatureBlock {
  std::string status_label;  // "Final report", "Addendum", "Preliminary"
  std::string signer_name;
  std::string credentials;   // role, specialty, registration number
  std::string signed_at;     // the time as the caller formats it for the reader
};

struct ReportDocument {
  std::string language = "en";   // BCP 47; picks the right glyphs for Han text (ja, zh...)
  std::string title;              // "Radiology report", shown in the letterhead
  std::string report_id;          // in every page's footer
  std::string page_pattern = "Page {page} of {pages}";  // the footer's page counter
  ClinicBranding clinic;
  std::vector<LabelledValue> patient_study;  // the block under the letterhead
  std::vector<ReportSection> sections;
  std::string key_images_title;   // "Key images"
  std::vector<KeyImage> key_images;
  SignatureBlock signature;       // omitted when signer_name is empty
};

// The PDF (version 1.4: a classic cross-reference table, which sign_pades updates).
// InvalidArgument for text that is not UTF-8 or an image that is not a readable PNG.
[[nodiscard]] Result<std::string> render_report(const ReportDocument& document);

}  // namespace vireo::pdf
