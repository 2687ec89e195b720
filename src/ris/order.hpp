// An order: what a referrer asked for one patient (one or more procedures, booked together),
// with its accession number, the key that links the order, the modality's worklist entry, the
// images (DICOM 0008,0050) and the report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vireo::ris {

// The study lifecycle (DESIGN.md): where an order is.
inline constexpr const char* kOrderStates[] = {
    "requested", "scheduled", "arrived",   "in_progress", "acquired", "in_reading", "preliminary",
    "final",     "released",  "delivered", "cancelled",   "no_show",  "amended"};

inline constexpr const char* kPriorities[] = {"routine", "urgent", "stat"};

struct OrderFields {
  int64_t patient_id = 0;
  std::vector<int64_t> procedure_ids;  // one or more, in the order they are done
  std::string priority = "routine";
  std::string reason;         // why the exam is asked for
  std::string clinical_info;  // what the radiologist should know
  std::string referring_physician;
  std::string requesting_department;
};

struct Order : OrderFields {
  int64_t id = 0;
  std::string accession_number;
  std::string status = "requested";
  std::string cancel_reason;
  int64_t version = 0;
  std::string created_at, created_by, updated_at;
};

// How accession numbers are made: a setting of the configuration file.
struct OrderOptions {
  std::string accession_pattern = "{yyyy}{seq:7}";  // as mrn_pattern; a DICOM SH: 16 at most
};

}  // namespace vireo::ris
