// What the clinic offers and where: the procedure catalogue (what each exam is, how long it
// takes, what the patient must do before, what it needs) and the rooms (their site, their
// modality, the scanner's AE title, opening hours per weekday with their breaks, and closures).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ris/patient.hpp"

namespace vireo::ris {

// DICOM modality codes a room or procedure may have (PS3.3 C.7.3.1.1.1).
inline constexpr const char* kModalities[] = {"BMD", "CR", "CT", "DX", "MG", "MR",
                                              "NM",  "OT", "PT", "RF", "US", "XA"};

struct ProcedureFields {
  std::string code;  // the clinic's own, unique: "CT-THX-C"
  std::string name;  // becomes the Requested Procedure Description (LO, 64)
  std::string modality;
  std::string body_part;  // DICOM Body Part Examined ("CHEST"), or empty
  int64_t duration_minutes = 0;
  std::string preparation;                 // for the patient, on the appointment slip
  std::vector<std::string> consent_types;  // "contrast", "mri_safety", ...
  std::string report_template;             // the reporting template's reference, or empty
  int64_t price_cents = 0;
  bool needs_radiologist = false;          // booked with a radiologist present (US, biopsy)
  bool needs_contrast_technician = false;  // booked with a contrast-trained technician
  int64_t daily_limit = 0;                 // at most this many a day; 0: no limit
  bool active = true;                      // retired procedures stay for the orders made
};

struct Procedure : ProcedureFields {
  int64_t id = 0;
  int64_t version = 0;
  std::string updated_at;
};

// One opening interval of a weekday (ISO: 1 Monday .. 7 Sunday), "HH:MM" in the clinic's zone;
// the gaps between a day's intervals are its breaks.
struct OpeningInterval {
  int weekday = 0;
  std::string opens, closes;
  friend bool operator==(const OpeningInterval&, const OpeningInterval&) = default;
};

struct RoomFields {
  std::string name;
  // Where it is, for a clinic with several (a centre's name: "Sant Cugat"); empty: the only one.
  // Radiologists may read the exams of some sites only (StaffFields::reads_sites).
  std::string site;
  std::string modality;
  std::string ae_title;  // the scanner's, for its modality worklist; empty until connected
  std::vector<OpeningInterval> hours;
  int64_t buffer_minutes = 0;  // kept free after each exam (cleaning, the next patient in)
  bool active = true;
  // Its scanner (calling with ae_title) is offered its own room's steps only, whatever station
  // its worklist query names or leaves out (many scanners ask for everyone's).
  bool worklist_own_only = false;
};

struct Room : RoomFields {
  int64_t id = 0;
  int64_t version = 0;
  std::string updated_at;
};

// Days a room (or, with room_id 0, every room) is closed: holidays, maintenance.
struct ClosureFields {
  int64_t room_id = 0;
  std::string starts_on, ends_on;  // YYYY-MM-DD, both included
  std::string reason;
};

struct Closure : ClosureFields {
  int64_t id = 0;
  std::string created_by;
};

// Someone who can be booked with an exam that needs them: a radiologist present (ultrasound,
// biopsy) or a contrast-trained technician. Available while the rooms are open.
struct StaffFields {
  std::string username;  // their sign-in name, so that their work can be found by it
  std::string display_name;
  bool radiologist = false;
  bool contrast_technician = false;
  bool active = true;
  // The modalities a radiologist reads: the exams nobody is assigned that their reading worklist
  // shows them ("mine"). Empty: every modality.
  std::vector<std::string> reads_modalities;
  // The sites (RoomFields::site) whose exams nobody is assigned their worklist shows. Empty: every site.
  std::vector<std::string> reads_sites;
};

struct StaffMember : StaffFields {
  int64_t id = 0;
  int64_t version = 0;
  std::string updated_at;
};

// The result of a save: the fields to correct, or what was saved.
template <class T>
struct Checked {
  std::vector<FieldError> invalid;
  T value{};
  [[nodiscard]] bool saved() const { return invalid.empty(); }
};

}  // namespace vireo::ris
