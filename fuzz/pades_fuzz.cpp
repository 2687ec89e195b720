// Fuzz target for checking a signed report (pdf/pades.cpp verify_pades: a PDF that comes back, or
// one whose stored bytes were changed), for reading a radiologist's PKCS#12 file
// (pdf/certificates.cpp load_pkcs12), and for an OCSP responder's answer about her certificate
// (pdf/revocation.cpp check_revocation: what comes over the network). Whatever the bytes, each must
// end without a crash, and no answer of them may say the certificate is good. And a
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

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pdf/certificates.hpp"
#include "pdf/pades.hpp"
#include "pdf/report_layout.hpp"
#include "pdf/revocation.hpp"

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

// A radiologist's certificate that names an OCSP responder, and its issuer: the clinic's CA issues
// one, and it is signed again with the Authority Information Access added.
struct Revocable {
  std::string cert_pem, issuer_pem;
};

const Revocable& revocable() {
  static const Revocable made = [] {
    auto ca = vireo::pdf::make_clinic_ca("Fuzz Clinic");
    if (!ca) std::abort();
    auto person = vireo::pdf::issue_signing_certificate(*ca, "Dra. Fuzz", "", 30);
    if (!person) std::abort();
    BIO* in = BIO_new_mem_buf(person->cert_pem.data(), static_cast<int>(person->cert_pem.size()));
    X509* cert = PEM_read_bio_X509(in, nullptr, nullptr, nullptr);
    BIO_free(in);
    in = BIO_new_mem_buf(ca->key_pem.data(), static_cast<int>(ca->key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
    BIO_free(in);
    X509_EXTENSION* access = X509V3_EXT_conf_nid(nullptr, nullptr, NID_info_access, "OCSP;URI:http://ocsp.fuzz/");
    if (!cert || !key || !access || X509_add_ext(cert, access, -1) != 1 || X509_sign(cert, key, EVP_sha256()) == 0)
      std::abort();
    BIO* out = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(out, cert);
    char* text = nullptr;
    const long length = BIO_get_mem_data(out, &text);
    Revocable r{std::string(text, static_cast<size_t>(length)), ca->cert_pem};
    BIO_free(out);
    X509_EXTENSION_free(access);
    EVP_PKEY_free(key);
    X509_free(cert);
    if (vireo::pdf::ocsp_url(r.cert_pem).value_or("") != "http://ocsp.fuzz/") std::abort();
    return r;
  }();
  return made;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Signed& report = signed_report();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)vireo::pdf::verify_pades(bytes, report.ca_pem);
  (void)vireo::pdf::load_pkcs12(bytes, "s3cret");
  // No answer that is not signed by her CA (which this input cannot be) may say she is good.
  const Revocable& her = revocable();
  auto answer = vireo::pdf::check_revocation(
      her.cert_pem, her.issuer_pem,
      [bytes](const std::string&, std::string_view) -> vireo::Result<std::string> { return std::string(bytes); });
  if (answer && answer->status == vireo::pdf::Revocation::Good) std::abort();
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
