// PAdES baseline signatures (ETSI EN 319 142-1) on report PDFs, and their verification.
// A signature is added as an incremental update (ISO 32000-1 7.5.6): the original bytes
// stay as they were, followed by a signature dictionary (/Filter /Adobe.PPKLite,
// /SubFilter /ETSI.CAdES.detached, /M the signing time), an invisible signature widget on
// the first page, the AcroForm, and /Contents a detached CMS SignedData (SHA-256) over
// the whole file except /Contents itself. The CMS carries content-type, message-digest
// and ESS signing-certificate-v2 signed attributes and no signing-time (EN 319 142-1
// 5.2.2: the time is /M). With a time-stamp callback the SignerInfo also gets an RFC 3161
// signature-time-stamp (B-T); without, the signature is B-B.
//
// One signature per document: a report is signed once when it is finalised, and an
// addendum is a new PDF with a signature of its own. Signing a PDF that already has an
// AcroForm (a form, or a signature) is refused rather than risking the first signature.
// The input must have a classic cross-reference table, as render_report's output has.
//
// Thread-safety: each call is independent (the callback runs on the caller's thread).
// Usage:
//   SignatureRequest request{.signer_name = "Dr. Núria Puigdemont", .reason = "Final report",
//                            .location = "Barcelona", .signing_time = clock.now()};
//   request.timestamp = [&](std::string_view query) { return tsa_client.post(query); };
//   auto signed_pdf = sign_pades(pdf, identity, request);
//   auto check = verify_pades(*signed_pdf, clinic_ca_pem);   // check->valid()
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "pdf/certificates.hpp"

namespace vireo::pdf {

// Given an RFC 3161 TimeStampReq (DER), the authority's TimeStampResp (DER).
using TimestampCallback = std::function<Result<std::string>(std::string_view timestamp_query_der)>;

struct SignatureRequest {
  std::string signer_name;  // /Name, UTF-8
  std::string reason;       // /Reason, e.g. "Final report"
  std::string location;     // /Location, e.g. the clinic's city
  std::chrono::system_clock::time_point signing_time{};  // /M, written in UTC
  TimestampCallback timestamp;  // empty: PAdES B-B; set: B-T
};

// The signed PDF. InvalidArgument for a PDF this cannot update, an unreadable key or
// certificate, or a key that does not match the certificate; the callback's own Error
// when the time-stamp fails (no unstamped fallback: the caller asked for B-T).
[[nodiscard]] Result<std::string> sign_pades(std::string_view pdf, const SigningIdentity& identity,
                                             const SignatureRequest& request);

struct Verification {
  bool signature_valid = false;         // the CMS signature and message digest over the ByteRange
  bool whole_document_covered = false;  // ByteRange is the whole file except the /Contents string
  bool chain_trusted = false;           // the signer's certificate chains to trusted_ca_pem, now
  bool timestamped = false;             // a signature time-stamp whose imprint is this signature's
  bool timestamp_trusted = false;       // ... signed by an authority that chains to trusted_ca_pem
  std::string signer_common_name;
  std::string sub_filter;               // "ETSI.CAdES.detached" for PAdES
  std::optional<std::chrono::system_clock::time_point> signing_time;    // the dictionary's /M
  std::optional<std::chrono::system_clock::time_point> timestamp_time;  // the token's genTime
  std::string problem;                  // the first failed check in plain words; empty if none

  // Everything a PAdES baseline signature needs; the time-stamp is judged apart.
  [[nodiscard]] bool valid() const {
    return signature_valid && whole_document_covered && chain_trusted && sub_filter == "ETSI.CAdES.detached";
  }
};

// Checks the last signature of pdf. trusted_ca_pem: the certificates trusted as roots
// (PEM, concatenated; the clinic's CA and, for time-stamps, the authority's root).
// InvalidArgument for data that is not a readable PDF or a PDF without a signature;
// every failed check of a signature that is there is a Verification with its problem.
[[nodiscard]] Result<Verification> verify_pades(std::string_view pdf, std::string_view trusted_ca_pem);

}  // namespace vireo::pdf
