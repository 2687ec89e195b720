// The port that turns a version of a report into its signed PDF: the layout (pdf/), and a PAdES
// signature with the radiologist's certificate (the clinic's own CA by default, or a
// certificate the clinic configured). Implemented in app/, where the keys are kept.
//
// Thread-safety: implementations may be called concurrently.
#pragma once

#include <string>
#include <vector>

#include "reporting/report.hpp"
#include "ris/reading.hpp"

namespace vireo::reporting {

struct SigningRequest {
  const Report* report = nullptr;          // as it is before this signature
  const ReportVersion* version = nullptr;  // the version being signed (its number, kind, content)
  const ris::ReadingItem* exam = nullptr;  // the patient, the order and the study
  std::string signer, signer_name;         // the account and the name printed under the text
  std::string signed_at;                   // UTC ISO-8601, as recorded
};

struct SignedPdf {
  std::string pdf;
  std::string certificate_subject, certificate_serial;
};

class Signer {
 public:
  virtual ~Signer() = default;
  [[nodiscard]] virtual Result<SignedPdf> sign(const SigningRequest& request) = 0;
};

}  // namespace vireo::reporting
