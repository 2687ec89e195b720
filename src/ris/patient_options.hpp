// How the RIS makes patients' MRNs: a setting of the configuration file.
#pragma once

#include <string>

namespace vireo::ris {

struct PatientOptions {
  std::string mrn_pattern = "{seq:8}";  // see expand_mrn_pattern
  std::string mrn_issuer = "VIREO";     // the clinic's Issuer of Patient ID
};

}  // namespace vireo::ris
