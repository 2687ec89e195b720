// The Signer that Vireo runs with: the report laid out as a PDF (pdf/report_layout) in the
// clinic's language, signed PAdES (pdf/pades) with the radiologist's certificate. By default the
// clinic's own CA issues one to each radiologist the first time they sign; both are kept in the
// database (SigningKeys), their keys encrypted with the installation's passphrase, so that every
// node signs with the same. Decrypted keys are kept in memory for the node's life. A radiologist
// may sign instead with a certificate of their own: a PKCS#12 file (its key then kept like the
// clinic's), or a key on the clinic's security module (PKCS#11), which never leaves it.
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
#include "pdf/pkcs11.hpp"
#include "pdf/revocation.hpp"
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
  KeyImageSource key_images;         // draws the key images; empty: none printed
  // Authorities (PEM, concatenated) trusted besides the clinic's own CA: those that issue the
  // radiologists' own certificates, and the time-stamping authority's.
  std::string trusted_ca_pem;
  // The clinic's security module (PKCS#11), logged in; null: none. Radiologists may sign with a key
  // of theirs on it.
  std::shared_ptr<pdf::Pkcs11Token> token;
  // Asks a certificate's OCSP responder whether it was revoked; empty: not asked. A radiologist's
  // own certificate (a file's or the module's) that names a responder is checked when chosen and
  // before each signature (answers kept until their nextUpdate); the clinic's CA names none.
  pdf::OcspCallback revocation;
};

// The certificate a radiologist signs with, as their account page shows it.
struct SigningCertificate {
  // "own": brought as a PKCS#12 file; "token": a key on the clinic's security module;
  // "clinic": issued by the clinic's CA
  std::string source;
  std::string subject, issuer, serial, not_after;  // not_after: UTC ISO-8601; all empty: none issued yet
};

// A certificate on the security module that a radiologist may choose, and why not when they may not.
struct TokenChoice {
  std::string object, label;  // the token's object id (hex) and label
  std::string fingerprint;    // SHA-256 of the certificate: what chooses it (an object may hold two)
  SigningCertificate certificate;
  std::string problem;        // empty: it can sign their reports here
};

class PdfSigner : public Signer {
 public:
  PdfSigner(SigningKeys& keys, TimeZone zone, PdfSignerOptions options)
      : keys_(keys), zone_(std::move(zone)), options_(std::move(options)) {}

  [[nodiscard]] Result<SignedPdf> sign(const SigningRequest& request) override;
  // The last signature of `pdf` checked against the clinic's CA: signature, whole document,
  // chain. NotFound when no CA was made yet (nothing was signed here); IntegrityError when the CA
  // kept in the database is not one this installation made (its key does not open with the
  // passphrase, or is not its certificate's).
  [[nodiscard]] Result<pdf::Verification> verify(std::string_view pdf);
  // The patient's plain-language letter (letter.hpp) of a signed version whose content has a
  // BI-RADS assessment, in `language` (en, es, ca), on the clinic's letterhead; not signed.
  [[nodiscard]] Result<std::string> letter(const ris::ReadingItem& exam, const ReportVersion& version,
                                           const std::string& language);
  // The certificate `username` signs with now: their own, else the clinic's (empty before their first
  // signature).
  [[nodiscard]] Result<SigningCertificate> certificate_of(const std::string& username);
  // From now on `username` signs with the key and certificate of a PKCS#12 file (a qualified
  // certificate bought elsewhere), kept encrypted like the clinic's keys. InvalidArgument, saying
  // why, for a file that cannot be opened or a certificate that may not sign reports here
  // (check_signing_identity against the clinic's CA and trusted_ca_pem).
  // `person_name`: theirs as their signature prints it; the certificate must name the same person.
  [[nodiscard]] Result<SigningCertificate> use_own_certificate(const std::string& username,
                                                               const std::string& person_name,
                                                               std::string_view pkcs12, std::string_view password);
  // The same checks without keeping it: the certificate it would be, or why not (so that nothing
  // is asked of the radiologist for a file that will be refused).
  [[nodiscard]] Result<SigningCertificate> check_own_certificate(const std::string& person_name,
                                                                 std::string_view pkcs12, std::string_view password);
  // Whether `username` can sign now: their own certificate, when they have one, is still good
  // (StateConflict, saying why, otherwise); for refusing before a one-time code is spent.
  [[nodiscard]] Status check_can_sign(const std::string& username);
  // Whether this node reaches a security module, and the certificates with a key on it that name
  // `person_name` exactly (names_exactly: the module holds the keys of many behind one PIN), each
  // with its problem if it may not sign here.
  [[nodiscard]] bool has_token() const { return options_.token != nullptr; }
  [[nodiscard]] Result<std::vector<TokenChoice>> token_certificates(const std::string& person_name);
  // From now on `username` signs with the key of the certificate of `fingerprint` on the security
  // module, kept as its object and certificate sealed with the passphrase; the same checks as for
  // a PKCS#12 file (InvalidArgument saying why). NotFound without a module, or for a certificate
  // that is not one of theirs there (somebody else's is not told apart from one that is not there).
  [[nodiscard]] Result<SigningCertificate> use_token_certificate(const std::string& username,
                                                                 const std::string& person_name,
                                                                 const std::string& fingerprint);
  [[nodiscard]] Result<SigningCertificate> check_token_certificate(const std::string& person_name,
                                                                   const std::string& fingerprint);
  // Back to the clinic's certificate. NotFound when they have no own certificate.
  [[nodiscard]] Status stop_own_certificate(const std::string& username);
  // The clinic's CA certificate (PEM), made on first use.
  [[nodiscard]] Result<std::string> clinic_ca_pem();
  // At start: the keys kept, if any, open with this node's passphrase (InvalidArgument otherwise).
  [[nodiscard]] Status check_keys();

 private:
  Result<pdf::SigningIdentity> identity(const std::string& name, const std::function<Result<pdf::SigningIdentity>()>& make);
  Result<pdf::SigningIdentity> person(const std::string& username, const std::string& name,
                                      const pdf::SigningIdentity& ca);
  Result<pdf::SigningIdentity> unseal(const StoredIdentity& stored);
  // Their own certificate now (nullopt: none, or stopped), and its name in SigningKeys.
  Result<std::optional<std::pair<std::string, pdf::SigningIdentity>>> own(const std::string& username);
  Result<pdf::SigningIdentity> acceptable(const std::string& person_name, std::string_view pkcs12,
                                          std::string_view password);
  Status acceptable(const std::string& person_name, const pdf::SigningIdentity& identity);
  struct TokenListing {
    pdf::TokenCertificate certificate;
    std::string chain_pem;  // its issuers among the module's keyless certificates
  };
  Result<std::vector<TokenListing>> token_listing(const std::string& person_name);
  // The object and the opened identity of a certificate of theirs on the module.
  Result<std::pair<std::string, pdf::SigningIdentity>> token_identity(const std::string& person_name,
                                                                      const std::string& fingerprint);
  std::string trusted_pem(const std::string& ca_pem) const { return ca_pem + options_.trusted_ca_pem; }
  // InvalidArgument when its authority says it was revoked (or knows it not); Unavailable when that
  // cannot be asked now. Nothing to ask for a certificate that names no responder.
  Status not_revoked(const pdf::SigningIdentity& identity, const std::string& trusted);
  Status key_images(const SigningRequest& request, std::vector<pdf::KeyImage>& out);
  SigningKeys& keys_;
  TimeZone zone_;
  PdfSignerOptions options_;
  std::mutex mutex_;
  std::map<std::string, pdf::SigningIdentity> cached_;  // by SigningKeys name (a person's: their prefix)
  std::map<std::string, pdf::Revocation> revocations_;  // by certificate (PEM), while valid
};

// Whether a certificate's name (its common name) names the person a signature prints: the words
// of the shorter of the two (accents and case aside, titles such as Dr. and short particles left
// out) are all in the other, two at least when it has two. "VILA GARCIA MARTA - 12345678Z" names
// "Dra. Marta Vila"; "Laia Ferrer i Puig" does not.
[[nodiscard]] bool names_same_person(std::string_view certificate_name, std::string_view person_name);
// Stricter, for the keys on the clinic's security module: the same words exactly (titles, short
// particles and ID numbers aside). "LAIA FERRER I PUIG - 12345678Z" is "Dra. Laia Ferrer i Puig";
// "Laia Ferrer i Puig" is not "Dra. Laia Ferrer".
[[nodiscard]] bool names_exactly(std::string_view certificate_name, std::string_view person_name);

// The report as its PDF prints it, in `language` (labels: en, es, ca); exposed for tests.
[[nodiscard]] pdf::ReportDocument report_document(const SigningRequest& request, const PdfSignerOptions& options,
                                                  const TimeZone& zone);

}  // namespace vireo::reporting
