// The Signer that Vireo runs with: the report laid out as a PDF (pdf/report_layout) in the
// clinic's language, signed PAdES (pdf/pades) with the radiologist's certificate. By default the
// clinic's own CA issues one to each radiologist the first time they sign; both are kept in the
// database (SigningKeys), their keys encrypted with the installation's passphrase, so that every
// node signs with the same. Decrypted keys are kept in memory for the node's life.
//
// Thread-safety: sign() and verify() may be called concurrently.
// Usage:
//   PdfSigner signer(keys, {.clinic_name = "Clínica Diagonal", .key_passphrase = secret, ...});
//   auto reports = Reports::open(db, writes, outbox, signer);
//   auto check = signer.verify(pdf_bytes);   // the signature, the chain to the clinic's CA
#pragma once

#include <map>
#include <mutex>

#include "core/time_zone.hpp"
#include "pdf/pades.hpp"
#include "pdf/report_layout.hpp"
#include "reporting/signer.hpp"
#include "reporting/signing_keys.hpp"

namespace vireo::reporting {

struct PdfSignerOptions {
  std::string clinic_name = "Vireo";
  std::vector<std::string> clinic_address;  // lines under the name
  std::string clinic_city;                  // the signature's /Location
  std::string logo_png;
  std::string language = "en";     // the PDF's labels: en, es, ca
  std::string key_passphrase;      // encrypts the keys kept in the database
  int certificate_days = 825;      // a radiologist's certificate from the clinic's CA
  pdf::TimestampCallback timestamp;  // set: PAdES B-T with an RFC 3161 authority; empty: B-B
};

class PdfSigner : public Signer {
 public:
  PdfSigner(SigningKeys& keys, TimeZone zone, PdfSignerOptions options)
      : keys_(keys), zone_(std::move(zone)), options_(std::move(options)) {}

  [[nodiscard]] Result<SignedPdf> sign(const SigningRequest& request) override;
  // The last signature of `pdf` checked against the clinic's CA: signature, whole document,
  // chain. NotFound when no CA was made yet (nothing was signed here).
  [[nodiscard]] Result<pdf::Verification> verify(std::string_view pdf);
  // The patient's plain-language letter (letter.hpp) of a signed version whose content has a
  // BI-RADS assessment, in `language` (en, es, ca), on the clinic's letterhead; not signed.
  [[nodiscard]] Result<std::string> letter(const ris::ReadingItem& exam, const ReportVersion& version,
                                           const std::string& language);
  // The clinic's CA certificate (PEM), made on first use.
  [[nodiscard]] Result<std::string> clinic_ca_pem();
  // At start: the keys kept, if any, open with this node's passphrase (InvalidArgument otherwise).
  [[nodiscard]] Status check_keys();

 private:
  Result<pdf::SigningIdentity> identity(const std::string& name, const std::function<Result<pdf::SigningIdentity>()>& make);
  Result<pdf::SigningIdentity> person(const std::string& username, const std::string& name,
                                      const pdf::SigningIdentity& ca);
  Result<pdf::SigningIdentity> unseal(const StoredIdentity& stored);
  SigningKeys& keys_;
  TimeZone zone_;
  PdfSignerOptions options_;
  std::mutex mutex_;
  std::map<std::string, pdf::SigningIdentity> cached_;  // by SigningKeys name (a person's: their prefix)
};

// The report as its PDF prints it, in `language` (labels: en, es, ca); exposed for tests.
[[nodiscard]] pdf::ReportDocument report_document(const SigningRequest& request, const PdfSignerOptions& options,
                                                  const TimeZone& zone);

}  // namespace vireo::reporting
