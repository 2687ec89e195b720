// Fuzz target for checking a signed report (pdf/pades.cpp verify_pades: a PDF that comes back, or
// one whose stored bytes were changed) and for reading a radiologist's PKCS#12 file
// (pdf/certificates.cpp load_pkcs12). Whatever the bytes, both must end without a crash. And a
// real signed report with the input written over it anywhere outside its signature's hex string
// (where upper- and lower-case digits are the same bytes) must no longer check out: no change to
// a signed report goes unnoticed.
//
// Input: the first 4 bytes (little-endian) say where in the signed report the rest is written;
// all of it is also tried as a PDF and as a PKCS#12 file of its own.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pdf/certificates.hpp"
#include "pdf/pades.hpp"
#include "pdf/report_layout.hpp"

namespace {

struct Signed {
  std::string pdf, ca_pem;
  size_t contents_from = 0, contents_to = 0;  // the /Contents hex string, its < and > included
};

const Signed& signed_report() {
  static const Signed made = [] {
    Signed out;
    auto ca = vireo::pdf::make_clinic_ca("Fuzz Clinic");
    auto person = ca ? vireo::pdf::issue_signing_certificate(*ca, "Dra. Fuzz", "", 30)
                     : vireo::Result<vireo::pdf::SigningIdentity>(std::unexpected(ca.error()));
    vireo::pdf::ReportDocument doc;
    doc.title = "Radiology report";
    doc.report_id = "FUZZ-1";
    doc.sections.push_back({"Impression", "Normal study.", {}});
    auto pdf = vireo::pdf::render_report(doc);
    if (!person || !pdf) std::abort();
    vireo::pdf::SignatureRequest how;
    how.signer_name = "Dra. Fuzz";
    how.signing_time = std::chrono::system_clock::now();
    auto signed_pdf = vireo::pdf::sign_pades(*pdf, *person, how);
    if (!signed_pdf) std::abort();
    out.pdf = std::move(*signed_pdf);
    out.ca_pem = ca->cert_pem;
    const size_t key = out.pdf.rfind("/Contents <");
    if (key == std::string::npos) std::abort();
    out.contents_from = key + 10;
    out.contents_to = out.pdf.find('>', out.contents_from);
    auto check = vireo::pdf::verify_pades(out.pdf, out.ca_pem);
    if (!check || !check->valid()) std::abort();  // the fixture itself must check out
    return out;
  }();
  return made;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Signed& report = signed_report();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)vireo::pdf::verify_pades(bytes, report.ca_pem);
  (void)vireo::pdf::load_pkcs12(bytes, "s3cret");
  if (size < 5) return 0;
  const size_t at = (size_t{data[0]} | size_t{data[1]} << 8 | size_t{data[2]} << 16 | size_t{data[3]} << 24) %
                    report.pdf.size();
  std::string changed = report.pdf;
  const std::string_view patch = bytes.substr(4, std::min(size - 4, changed.size() - at));
  changed.replace(at, patch.size(), patch);
  auto check = vireo::pdf::verify_pades(changed, report.ca_pem);
  const bool in_signature = at + patch.size() > report.contents_from && at <= report.contents_to;
  if (changed != report.pdf && !in_signature && check && check->valid()) std::abort();
  return 0;
}
