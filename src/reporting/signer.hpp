// The port that turns a version of a report into its signed PDF: the layout (pdf/), and a PAdES
// signature with the radiologist's certificate (the clinic's own CA by default, or a
// certificate the clinic configured). Implemented in app/, where the keys are kept.
//
// Thread-safety: implementations may be called concurrently.
#pragma once

#include <functional>
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

// A key image as the PDF prints it: the picture (PNG, in the window it was chosen in), and where
// it is in the study as the modality numbered it ("" when the image does not say).
struct KeyImagePicture {
  std::string png;
  std::string series_number, instance_number;
  int64_t frames = 1;  // how many the instance has: a frame is named where it has several
};
// Draws a key image of a study (the archive's, in app/); NotFound when it is no longer there.
using KeyImageSource = std::function<Result<KeyImagePicture>(const std::string& study_uid, const KeyImage& image)>;

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
