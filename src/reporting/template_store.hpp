// The clinic's report templates: Vireo's own library (templates.hpp) as the clinic has kept,
// edited or retired it, with the templates it wrote or imported from IHE MRRT files (RSNA's
// RadReport library). A clinic's copy of one of Vireo's templates takes its place under the same
// code; restoring drops the copy. Templates are never deleted, only retired: reports name the
// template they were written from.
//
// A template is kept as rows (its sections, blanks and macros), so that every node reads the
// same; an edit is conditional on the revision the editor loaded, so that of two administrators
// editing one template the second is told, not silently overwritten.
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto templates = Templates::open(db, writes);
//   auto offered = templates->offered("CT", principal);                 // the template picker
//   auto imported = templates->import_mrrt(html, {}, principal);        // an RSNA template
//   auto saved = templates->save(edited, edited.revision, principal);
#pragma once

#include <memory>

#include "access/principal.hpp"
#include "core/clock.hpp"
#include "reporting/templates.hpp"
#include "store/write_queue.hpp"

namespace vireo::reporting {

// The template with `code` as the clinic has it (its copy, else Vireo's); nullopt when none.
[[nodiscard]] Result<std::optional<ReportTemplate>> load_template(Connection& c, std::string_view code);
// Every template, the clinic's copies in place of Vireo's, ordered by name.
[[nodiscard]] Result<std::vector<ReportTemplate>> load_templates(Connection& c);
// As a report is written from it: each embedded component's text after its section's, its
// blanks and macros with them.
[[nodiscard]] Result<std::optional<ReportTemplate>> resolved_template(Connection& c, std::string_view code);

struct TemplateSaved {
  std::vector<FieldError> invalid;
  std::optional<ReportConflict> conflict;  // exists, stale, not_vireos
  ReportTemplate value;
  [[nodiscard]] bool saved() const { return invalid.empty() && !conflict; }
};

// What the administrator says of an imported file where it says nothing (or to replace it).
struct MrrtChoices {
  std::string code;                     // else from its dcterms.identifier
  std::vector<std::string> modalities;  // else from its coded terms and title
};

class Templates {
 public:
  static std::unique_ptr<Templates> open(Database& db, WriteQueue& writes, const Clock& clock = system_clock());

  // The template picker's: active, top-level, for `modality` (all when empty), resolved.
  [[nodiscard]] Result<std::vector<ReportTemplate>> offered(std::string_view modality, const access::Principal& actor);
  // The administrator's: every template as stored, components and retired ones too.
  [[nodiscard]] Result<std::vector<ReportTemplate>> all(const access::Principal& actor);
  [[nodiscard]] Result<std::optional<ReportTemplate>> get(std::string_view code, const access::Principal& actor);

  // A new template (its code unused).
  [[nodiscard]] Result<TemplateSaved> create(ReportTemplate t, const access::Principal& actor);
  // An edit: of the clinic's copy at `seen_revision`, or (seen_revision 0) of Vireo's own,
  // which makes the clinic's copy.
  [[nodiscard]] Result<TemplateSaved> save(ReportTemplate t, int64_t seen_revision, const access::Principal& actor);
  // Vireo's own template again in place of the clinic's copy.
  [[nodiscard]] Result<TemplateSaved> restore(std::string_view code, int64_t seen_revision,
                                              const access::Principal& actor);
  // An MRRT file as a new template; a file Vireo cannot use is refused with the reason
  // (invalid field "file").
  [[nodiscard]] Result<TemplateSaved> import_mrrt(std::string_view html, const MrrtChoices& choices,
                                                  const access::Principal& actor);
  // The template as an MRRT file; nullopt when there is none.
  [[nodiscard]] Result<std::optional<std::string>> export_mrrt(std::string_view code, const access::Principal& actor);

 private:
  Templates(Database& db, WriteQueue& writes, const Clock& clock)
      : writes_(writes), clock_(clock), readers_(db) {}
  Result<TemplateSaved> write(ReportTemplate t, int64_t seen_revision, bool creating, const access::Principal& actor);
  WriteQueue& writes_;
  const Clock& clock_;
  ConnectionPool readers_;
};

}  // namespace vireo::reporting
