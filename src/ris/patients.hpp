// The RIS's patient register: registration with validation and duplicate detection, edits,
// and search. Owns the tables ris_patients and ris_counters (the MRN counter).
//
// Thread-safety: all methods may be called concurrently; writes go through the node's write
// queue, and on PostgreSQL its write lock makes the MRN counter and the duplicate check hold
// across nodes.
// Usage:
//   auto patients = Patients::open(db, writes, {.mrn_pattern = "VIR{seq:7}", .mrn_issuer =
//   "VIREO"}); auto outcome = (*patients)->create(fields, "maria", /*confirmed_new=*/false);
#pragma once

#include <memory>
#include <optional>

#include "events/outbox.hpp"
#include "ris/patient.hpp"
#include "ris/patient_options.hpp"
#include "ris/schema.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::ris {

struct PatientSearch {
  // A name fragment ("garc", "garcia maria", "García, M"), an MRN, a phone number or a
  // national ID. Empty: every patient, by name.
  std::string text;
  std::string birth_date;  // YYYY-MM-DD, or empty
  int64_t limit = 50, offset = 0;
};

// (ids: patient)
inline constexpr const char* kPatientUpdated = "ris.patient.updated";

class Patients {
 public:
  static Result<std::unique_ptr<Patients>> open(Database& db, WriteQueue& writes,
                                                PatientOptions options,
                                                const MigrationProgress& progress = {});

  // Edits are told through `outbox` (kPatientUpdated, ids: patient), so that the screens that
  // show the patient (an allergy) show the change at once. Before use.
  void publish_to(const events::Outbox& outbox) { outbox_ = &outbox; }

  // Registers a patient. Nothing is saved when a field is invalid, or when someone registered
  // may be the same person and `confirmed_new` is false (the receptionist is shown them first).
  [[nodiscard]] Result<Outcome> create(const PatientFields& fields, const std::string& actor,
                                       bool confirmed_new);
  // Replaces the fields of patient `id` whose version the editor saw; the MRN and its issuer
  // cannot change here. NotFound; AlreadyExists when someone else changed it since.
  [[nodiscard]] Result<Outcome> update(int64_t id, int64_t seen_version,
                                       const PatientFields& fields, const std::string& actor);
  [[nodiscard]] Result<std::optional<Patient>> get(int64_t id);
  [[nodiscard]] Result<std::vector<Patient>> search(const PatientSearch& q);
  // The patient each identifier names (an archive study's Patient ID and Issuer of Patient ID,
  // compared exactly; an empty issuer is taken as this clinic's own, mrn_issuer, as images from
  // its modalities often leave it out), by the index asked; a registration merged into another
  // answers with the patient kept, whose record carries both allergies. Identifiers no patient
  // carries are left out. How the study list and the viewer show a contrast allergy.
  [[nodiscard]] Result<std::vector<std::pair<size_t, Patient>>> with_identifiers(
      const std::vector<std::pair<std::string, std::string>>& mrn_and_issuer);

  [[nodiscard]] const PatientOptions& options() const { return options_; }

 private:
  Patients(Database& db, WriteQueue& writes, PatientOptions options)
      : db_(db), writes_(writes), readers_(db), options_(std::move(options)) {}
  const events::Outbox* outbox_ = nullptr;
  Database& db_;
  WriteQueue& writes_;
  ConnectionPool readers_;
  PatientOptions options_;
};

}  // namespace vireo::ris
