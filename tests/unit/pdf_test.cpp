// The report PDF (pdf/report_layout) and its PAdES signature (pdf/pades, certificates,
// timestamp), judged by readers nobody here wrote: poppler's pdftotext and pdfsig, and
// OpenSSL's own time-stamping authority (tests/tsa/make_tsa.sh, `openssl ts -reply`).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dicom/dicom_file.hpp"
#include "dicom/render.hpp"
#include "pdf/certificates.hpp"
#include "pdf/pades.hpp"
#include "pdf/pkcs11.hpp"
#include "pdf/revocation.hpp"
#include "pdf/report_layout.hpp"
#include "pdf/timestamp.hpp"
#include "ocsp_responder.hpp"
#include "test_dir.hpp"

namespace vireo::pdf {
namespace {

namespace fs = std::filesystem;
using vireo::testing::fresh_test_dir;
using vireo::testing::slurp;

const fs::path kModality = fs::path(VIREO_TESTDATA) / "dicom" / "modality";
const fs::path kMakeTsa = fs::path(VIREO_FIXTURES) / ".." / "tsa" / "make_tsa.sh";

struct Command {
  int status = -1;
  std::string output;  // stdout and stderr together
};

Command run(const std::string& command) {
  Command result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string shell_word(const fs::path& path) { return "'" + path.string() + "'"; }

void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A key image as the viewer would send it: a real study's frame rendered to PNG.
std::string key_image(const std::string& file) {
  dicom::initialize("error");  // the test files' harmless oddities are not news here
  dicom::RenderOptions options;
  options.png = true;
  options.max_columns = 512;
  options.max_rows = 512;
  auto png = dicom::render(kModality / file, options);
  EXPECT_TRUE(png.has_value()) << file << ": " << (png ? "" : png.error().message());
  return png ? *png : std::string();
}

// A stand-in logo: a solid PNG written with the smallest valid encoder (stored deflate).
std::string logo_png() {
  auto crc32 = [](std::string_view bytes) {
    uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char c : bytes) {
      crc ^= c;
      for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
  };
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
  };
  auto chunk = [&](std::string_view type, const std::string& data) {
    std::string body = std::string(type) + data;
    return be32(static_cast<uint32_t>(data.size())) + body + be32(crc32(body));
  };
  constexpr uint32_t kWidth = 120, kHeight = 40;
  std::string pixels;
  for (uint32_t y = 0; y < kHeight; ++y) {
    pixels += '\0';  // filter: none
    for (uint32_t x = 0; x < kWidth; ++x) {
      bool mark = (x / 8 + y / 8) % 3 == 0 || x < 40;
      pixels += mark ? std::string("\x17\x45\x73", 3) : std::string("\xE8\xEE\xF4", 3);
    }
  }
  // zlib stream of stored blocks (RFC 1950/1951), each at most 65535 bytes.
  std::string zlib = "\x78\x01";
  for (size_t at = 0; at < pixels.size(); at += 65535) {
    size_t n = std::min<size_t>(65535, pixels.size() - at);
    zlib += static_cast<char>(at + n >= pixels.size() ? 1 : 0);
    zlib += {static_cast<char>(n & 0xFF), static_cast<char>(n >> 8), static_cast<char>(~n & 0xFF),
             static_cast<char>((~n >> 8) & 0xFF)};
    zlib += pixels.substr(at, n);
  }
  uint32_t a = 1, b = 0;
  for (unsigned char c : pixels) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  zlib += be32((b << 16) | a);
  std::string header = be32(kWidth) + be32(kHeight) + std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", "");
}

// A PDF written by hand from its objects' bodies (object n is objects[n - 1]).
std::string hand_written_pdf(const std::vector<std::string>& objects) {
  std::string out = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  char entry[32];
  for (size_t offset : offsets) {
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offset);
    out += entry;
  }
  return out + "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
}

constexpr const char* kCatalan = "Núria Puigdemont i Soler";
constexpr const char* kSpanish = "José Martínez Núñez";
constexpr const char* kGreek = "Αλέξανδρος Παπαδόπουλος";
constexpr const char* kArabic = "محمد الأحمد";
constexpr const char* kChinese = "王小明";
constexpr const char* kJapanese = "山田太郎";
constexpr const char* kReportId = "RPT-2024-000815";

ReportDocument sample_report() {
  ReportDocument doc;
  doc.language = "ca";
  doc.title = "Radiology report";
  doc.report_id = kReportId;
  doc.clinic = {"Clínica Diagonal · Diagnòstic per la Imatge",
                {"Avinguda Diagonal 640, 08017 Barcelona", "+34 932 000 000 · radiologia@clinica-diagonal.example"},
                logo_png()};
  doc.patient_study = {{"Patient", kCatalan},
                       {"Patient ID", "MRN-004211"},
                       {"Date of birth", "14/03/1971 (53 y), F"},
                       {"Study", "CT thorax with contrast"},
                       {"Study date", "02/05/2024 09:12"},
                       {"Accession number", "ACC-2024-0815"},
                       {"Referring physician", kSpanish},
                       {"Copy to", kGreek},
                       {"Requested by", kArabic}};
  doc.sections.push_back({"Clinical information",
                          "Persistent cough for six weeks, former smoker (20 pack-years). Rule out a pulmonary mass.",
                          {}});
  doc.sections.push_back({"Technique",
                          "Helical CT of the thorax after 80 mL of intravenous iodinated contrast, portal venous phase. "
                          "Axial 1.25 mm reconstructions with multiplanar reformats. DLP 312 mGy·cm.",
                          {}});
  doc.sections.push_back({"Comparison",
                          std::string("CT thorax of 02/11/2023 reported by ") + kChinese + ", and of 19/06/2022 by " +
                              kJapanese + ".",
                          {}});
  std::string findings =
      "Lungs: a solid nodule in the posterior segment of the right upper lobe with spiculated margins, larger than on "
      "the comparison study. No other nodules. No consolidation, no pleural effusion. Central airways patent.\n\n"
      "Mediastinum and hila: a right lower paratracheal lymph node with a short axis of 11 mm, new. No other "
      "enlarged nodes. The heart is of normal size; no pericardial effusion. The thoracic aorta is of normal calibre "
      "with mild calcified atheroma.\n\n"
      "Upper abdomen: a 14 mm simple cyst in segment VII of the liver, unchanged. Adrenal glands normal.\n\n"
      "Bones: degenerative changes of the thoracic spine. No aggressive bone lesion.";
  doc.sections.push_back({"Findings", findings,
                          {{"Finding", "Location", "Size (mm)", "Series/Image", "Change"},
                           {{"Solid nodule, spiculated", "Right upper lobe", "18 × 14", "3/112", "Larger (12 × 10)"},
                            {"Lymph node", "Station 4R", "11 (short axis)", "3/64", "New"},
                            {"Simple cyst", "Liver, segment VII", "14", "4/22", "Unchanged"}}}});
  doc.sections.push_back(
      {"Impression",
       "1. Growing spiculated nodule of the right upper lobe, highly suspicious for primary lung cancer (Lung-RADS 4X).\n"
       "2. New right lower paratracheal lymph node, suspicious for nodal spread.\n\n"
       "Recommendation: PET-CT and discussion at the thoracic oncology board. The findings were telephoned to the "
       "referring physician on 02/05/2024 at 11:40.",
       {}});
  doc.key_images_title = "Key images";
  static const std::string ct = key_image("CT_small.dcm"), radiograph = key_image("DX_dx_image.dcm");
  doc.key_images = {{ct, "CT, axial, series 3 image 112: right upper lobe nodule"},
                    {radiograph, "Radiograph of 19/06/2022, for comparison"}};
  doc.signature = {"Final report", "Dra. Elena Ruiz Castells", "Consultant radiologist · Col. 08/41235",
                   "Signed electronically on 02/05/2024 at 11:52 (CEST)"};
  return doc;
}

struct Signer {
  SigningIdentity ca, person;
};

Signer make_signer() {
  auto ca = make_clinic_ca("Clínica Diagonal");
  EXPECT_TRUE(ca.has_value()) << (ca ? "" : ca.error().message());
  auto person = issue_signing_certificate(*ca, "Elena Ruiz Castells", "elena.ruiz@clinica-diagonal.example", 825);
  EXPECT_TRUE(person.has_value()) << (person ? "" : person.error().message());
  return {*ca, *person};
}

SignatureRequest request_at(std::chrono::system_clock::time_point when) {
  SignatureRequest request;
  request.signer_name = "Dra. Elena Ruiz Castells";
  request.reason = "Informe final · Final report";
  request.location = "Barcelona";
  request.signing_time = when;
  return request;
}

class PdfTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = fresh_test_dir("vireo-pdf"); }
  // VIREO_PDF_KEEP=1 keeps the PDFs for a look (the folder is named after the test).
  void TearDown() override {
    if (!std::getenv("VIREO_PDF_KEEP")) fs::remove_all(dir_);
  }

  // The page's text as a search would see it: NFKC (the Arabic lam-alef ligature comes
  // out of a PDF as its presentation form, U+FEF7) and without the bidi embedding marks
  // (U+202A..U+202E) pdftotext puts around right-to-left runs.
  std::string pdftotext(const fs::path& pdf, int page) {
    auto text = run("pdftotext -enc UTF-8 -f " + std::to_string(page) + " -l " + std::to_string(page) + " " +
                    shell_word(pdf) + " - | python3 -c 'import re, sys, unicodedata; sys.stdout.write(re.sub("
                    "\"[\\u202a-\\u202e]\", \"\", unicodedata.normalize(\"NFKC\", sys.stdin.read())))'");
    EXPECT_EQ(text.status, 0) << text.output;
    return text.output;
  }

  std::string raw_text(const fs::path& pdf) { return run("pdftotext -enc UTF-8 " + shell_word(pdf) + " -").output; }

  Command pdfsig(const fs::path& pdf) { return run("pdfsig " + shell_word(pdf)); }

  fs::path dir_;
};

TEST_F(PdfTest, PdfReportShowsEveryScriptTheTableAndPageCounters) {
  auto pdf = render_report(sample_report());
  ASSERT_TRUE(pdf.has_value()) << pdf.error().message();
  ASSERT_TRUE(pdf->starts_with("%PDF-1.4"));
  fs::path file = dir_ / "report.pdf";
  write_file(file, *pdf);
  auto info = run("pdfinfo " + shell_word(file));
  ASSERT_NE(info.output.find("Pages:           2\n"), std::string::npos) << info.output;
  ASSERT_NE(info.output.find("595.276 x 841.89"), std::string::npos) << "A4: " << info.output;

  std::string page1 = pdftotext(file, 1), page2 = pdftotext(file, 2);
  std::string all = page1 + page2;
  for (const char* expected : {kCatalan, kSpanish, kGreek, kArabic, kChinese, kJapanese, "Clínica Diagonal",
                               "Radiology report", "Clinical information", "Technique", "Findings", "Impression",
                               "Key images", "Finding", "Series/Image", "Solid nodule, spiculated", "Station 4R",
                               "Liver, segment VII", "Unchanged", "3/112", "Dra. Elena Ruiz Castells",
                               "Final report", "ACC-2024-0815", "Lung-RADS 4X"})
    EXPECT_NE(all.find(expected), std::string::npos) << "missing: " << expected << "\n" << all;
  // Latin text is extracted as typed, without ligature characters such as U+FB01 "ﬁ".
  EXPECT_NE(raw_text(file).find("The findings were telephoned"), std::string::npos) << raw_text(file);
  EXPECT_NE(page1.find("Page 1 of 2"), std::string::npos) << page1;
  EXPECT_NE(page2.find("Page 2 of 2"), std::string::npos) << page2;
  EXPECT_EQ(page1.find("Page 2 of 2"), std::string::npos);
  EXPECT_NE(page1.find(kReportId), std::string::npos);
  EXPECT_NE(page2.find(kReportId), std::string::npos);
  // The patient block is on page 1 only; a running head names the clinic on page 2.
  EXPECT_EQ(page2.find(kCatalan), std::string::npos);
  EXPECT_NE(page2.find("Clínica Diagonal"), std::string::npos);
}

TEST_F(PdfTest, PdfReportLongTextFlowsOverPagesAndTheCounterFollows) {
  ReportDocument doc;
  doc.title = "Informe";
  doc.report_id = "RPT-LONG";
  doc.page_pattern = "Pàgina {page} de {pages}";
  std::string body;
  for (int i = 1; i <= 120; ++i) body += "Paràgraf " + std::to_string(i) + ": text que continua a la pàgina següent.\n\n";
  doc.sections.push_back({"Troballes", body, {}});
  auto pdf = render_report(doc);
  ASSERT_TRUE(pdf.has_value()) << pdf.error().message();
  fs::path file = dir_ / "long.pdf";
  write_file(file, *pdf);
  auto info = run("pdfinfo " + shell_word(file));
  auto at = info.output.find("Pages:");
  ASSERT_NE(at, std::string::npos);
  int pages = std::stoi(info.output.substr(at + 6));
  ASSERT_GE(pages, 3);
  std::string last = pdftotext(file, pages);
  EXPECT_NE(last.find("Pàgina " + std::to_string(pages) + " de " + std::to_string(pages)), std::string::npos) << last;
  EXPECT_NE(last.find("RPT-LONG"), std::string::npos);
  std::string all;
  for (int p = 1; p <= pages; ++p) all += pdftotext(file, p);
  EXPECT_NE(all.find("Paràgraf 1:"), std::string::npos);
  EXPECT_NE(all.find("Paràgraf 120:"), std::string::npos);
}

TEST_F(PdfTest, PdfReportRefusesBadImagesAndBadText) {
  ReportDocument doc = sample_report();
  doc.key_images[1].png = "\x89PNG\r\n\x1a\nthis is not a PNG";
  auto broken = render_report(doc);
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().code, ErrorCode::InvalidArgument);
  EXPECT_NE(broken.error().detail.find("key image 2"), std::string::npos) << broken.error().detail;

  ReportDocument truncated = sample_report();
  truncated.clinic.logo_png.resize(60);
  auto no_logo = render_report(truncated);
  ASSERT_FALSE(no_logo.has_value());
  EXPECT_NE(no_logo.error().detail.find("logo"), std::string::npos) << no_logo.error().detail;

  ReportDocument latin1;
  latin1.sections.push_back({"T\xEDtol", "body", {}});
  auto not_utf8 = render_report(latin1);
  ASSERT_FALSE(not_utf8.has_value());
  EXPECT_NE(not_utf8.error().detail.find("UTF-8"), std::string::npos);
}

TEST_F(PdfTest, PdfSignedReportIsValidForPdfsigAndVerifyPades) {
  auto pdf = render_report(sample_report());
  ASSERT_TRUE(pdf.has_value()) << pdf.error().message();
  Signer signer = make_signer();
  // Signed now (whole seconds, as /M keeps them): the chain is checked as it stood then, and a
  // certificate made today was not valid in the past.
  const auto when = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto signed_pdf = sign_pades(*pdf, signer.person, request_at(when));
  ASSERT_TRUE(signed_pdf.has_value()) << signed_pdf.error().message();
  // An incremental update: the rendered bytes are untouched at the front.
  ASSERT_EQ(signed_pdf->substr(0, pdf->size()), *pdf);
  EXPECT_NE(signed_pdf->find("/SubFilter /ETSI.CAdES.detached"), std::string::npos);
  EXPECT_NE(signed_pdf->find("/Filter /Adobe.PPKLite"), std::string::npos);

  fs::path file = dir_ / "signed.pdf";
  write_file(file, *signed_pdf);
  auto sig = pdfsig(file);
  EXPECT_NE(sig.output.find("Signature Type: ETSI.CAdES.detached"), std::string::npos) << sig.output;
  EXPECT_NE(sig.output.find("Signature Validation: Signature is Valid."), std::string::npos) << sig.output;
  EXPECT_NE(sig.output.find("Total document signed"), std::string::npos) << sig.output;
  EXPECT_NE(sig.output.find("Signer Certificate Common Name: Elena Ruiz Castells"), std::string::npos) << sig.output;
  EXPECT_NE(sig.output.find("Signing Hash Algorithm: SHA-256"), std::string::npos) << sig.output;
  // Still the same document to a reader.
  EXPECT_NE(pdftotext(file, 1).find(kCatalan), std::string::npos);

  auto check = verify_pades(*signed_pdf, signer.ca.cert_pem);
  ASSERT_TRUE(check.has_value()) << check.error().message();
  EXPECT_TRUE(check->signature_valid) << check->problem;
  EXPECT_TRUE(check->whole_document_covered) << check->problem;
  EXPECT_TRUE(check->chain_trusted) << check->problem;
  EXPECT_TRUE(check->valid());
  EXPECT_EQ(check->problem, "");
  EXPECT_EQ(check->signer_common_name, "Elena Ruiz Castells");
  EXPECT_EQ(check->sub_filter, "ETSI.CAdES.detached");
  ASSERT_TRUE(check->signing_time.has_value());
  EXPECT_EQ(*check->signing_time, when);
  EXPECT_FALSE(check->timestamped);

  // PAdES B-B: no CMS signing-time, an ESS signing-certificate-v2 (id-aa 47).
  auto dump = run("cd " + shell_word(dir_) + " && pdfsig -dump signed.pdf");  // writes signed.pdf.sig0 there
  auto asn1 = run("openssl asn1parse -inform DER -in " + shell_word(dir_ / "signed.pdf.sig0"));
  EXPECT_EQ(asn1.status, 0) << dump.output << asn1.output;
  EXPECT_NE(asn1.output.find("id-smime-aa-signingCertificateV2"), std::string::npos) << asn1.output;
  EXPECT_NE(asn1.output.find("messageDigest"), std::string::npos);
  EXPECT_EQ(asn1.output.find("signingTime"), std::string::npos) << "PAdES forbids the CMS signing-time";

  // A CA it does not trust: the signature holds, the chain does not.
  auto other_ca = make_clinic_ca("Another clinic");
  ASSERT_TRUE(other_ca.has_value());
  auto untrusted = verify_pades(*signed_pdf, other_ca->cert_pem);
  ASSERT_TRUE(untrusted.has_value());
  EXPECT_TRUE(untrusted->signature_valid);
  EXPECT_FALSE(untrusted->chain_trusted);
  EXPECT_FALSE(untrusted->valid());
  EXPECT_NE(untrusted->problem.find("not trusted"), std::string::npos) << untrusted->problem;
}

// A key that never leaves a hardware security module (SoftHSM here, as a clinic's HSM or smart
// card is reached through its vendor's PKCS#11 module) signs a report pdfsig and we both accept.
TEST_F(PdfTest, PdfSignsWithAKeyOnAPkcs11Token) {
  const fs::path fixtures = fs::path(VIREO_FIXTURES) / "certificates";
  auto made = run("sh " + shell_word(fixtures / "make_p12.sh") + " " + shell_word(dir_) + " && sh " +
                  shell_word(fixtures / "make_token.sh") + " " + shell_word(dir_));
  ASSERT_EQ(made.status, 0) << made.output;
  ::setenv("SOFTHSM2_CONF", (dir_ / "softhsm2.conf").c_str(), 1);
  const std::string module = "/usr/lib/softhsm/libsofthsm2.so";

  // Each way it can be wrong says what to fix.
  auto no_module = Pkcs11Token::open(dir_ / "absent.so", "Vireo HSM", "123456");
  ASSERT_FALSE(no_module);
  EXPECT_NE(no_module.error().detail.find("does not load"), std::string::npos) << no_module.error().detail;
  auto no_token = Pkcs11Token::open(module, "Elsewhere", "123456");
  ASSERT_FALSE(no_token);
  EXPECT_NE(no_token.error().detail.find("no token labelled \"Elsewhere\""), std::string::npos);
  EXPECT_NE(no_token.error().detail.find("\"Vireo HSM\""), std::string::npos) << "names those it has";
  auto wrong_pin = Pkcs11Token::open(module, "Vireo HSM", "000000");
  ASSERT_FALSE(wrong_pin);
  EXPECT_NE(wrong_pin.error().detail.find("refused the PIN"), std::string::npos) << wrong_pin.error().detail;

  auto token = Pkcs11Token::open(module, "Vireo HSM", "123456");
  ASSERT_TRUE(token) << token.error().message();
  auto listed = (*token)->certificates();
  ASSERT_TRUE(listed) << listed.error().message();
  ASSERT_EQ(listed->size(), 4u);
  auto of = [&](const std::string& id) {
    return *std::ranges::find_if(*listed, [&](const TokenCertificate& c) { return c.id == id; });
  };
  EXPECT_EQ(of("01").label, "Laia Ferrer");
  EXPECT_TRUE(of("01").has_key);
  EXPECT_EQ(of("01").cert_pem, slurp(dir_ / "person.pem"));
  EXPECT_EQ(of("01").fingerprint.size(), 64u);
  EXPECT_EQ(of("01").fingerprint,
            run("openssl x509 -in " + shell_word(dir_ / "person.pem") + " -noout -fingerprint -sha256 | tr -d ':\n' | "
                "cut -d= -f2 | tr A-F a-f | tr -d '\\n'").output);
  EXPECT_FALSE(of("0a").has_key);
  // Its chain is its issuer among the module's certificates, and nothing else of them.
  const std::string keyless = of("0a").cert_pem + slurp(dir_ / "elsewhere.pem");
  EXPECT_EQ(*issuer_chain(of("01").cert_pem, keyless), slurp(dir_ / "authority.pem"));
  EXPECT_EQ(*issuer_chain(of("03").cert_pem, of("0a").cert_pem), "") << "not its issuer";

  auto mismatch = (*token)->identity("02", of("01").cert_pem, "");
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().detail.find("not the certificate's"), std::string::npos);
  EXPECT_EQ((*token)->identity("0a", of("0a").cert_pem, "").error().code, ErrorCode::NotFound);
  auto laia = (*token)->identity("01", of("01").cert_pem, slurp(dir_ / "authority.pem"));
  ASSERT_TRUE(laia) << laia.error().message();
  EXPECT_EQ(laia->key_pem, "") << "the key stays on the token";
  EXPECT_TRUE(check_key_pair(*laia));
  EXPECT_TRUE(check_signing_identity(*laia, slurp(dir_ / "authority.pem")));

  auto pdf = render_report(sample_report());
  ASSERT_TRUE(pdf);
  const auto when = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto signed_pdf = sign_pades(*pdf, *laia, request_at(when));
  ASSERT_TRUE(signed_pdf) << signed_pdf.error().message();
  auto check = verify_pades(*signed_pdf, slurp(dir_ / "authority.pem"));
  ASSERT_TRUE(check);
  EXPECT_TRUE(check->valid()) << check->problem;
  EXPECT_EQ(check->signer_common_name, "Laia Ferrer i Puig");
  write_file(dir_ / "token.pdf", *signed_pdf);
  auto sig = pdfsig(dir_ / "token.pdf");
  EXPECT_NE(sig.output.find("Signature Type: ETSI.CAdES.detached"), std::string::npos) << sig.output;
  EXPECT_NE(sig.output.find("Signature Validation: Signature is Valid."), std::string::npos) << sig.output;

  // The identity keeps the token open after the handle that opened it is gone.
  token->reset();
  auto again = sign_pades(*pdf, *laia, request_at(when));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(verify_pades(*again, slurp(dir_ / "authority.pem"))->valid());
}

TEST_F(PdfTest, PdfRevocationIsAskedOfTheResponderTheCertificateNames) {
  const fs::path fixtures = fs::path(VIREO_FIXTURES) / "certificates";
  auto made = run("sh " + shell_word(fixtures / "make_p12.sh") + " " + shell_word(dir_) + " && sh " +
                  shell_word(fixtures / "make_ocsp.sh") + " " + shell_word(dir_) + " http://ocsp.comb.example/");
  ASSERT_EQ(made.status, 0) << made.output;
  const std::string good = slurp(dir_ / "ocsp-good.pem"), revoked = slurp(dir_ / "ocsp-revoked.pem");
  const std::string authority = slurp(dir_ / "authority.pem");
  EXPECT_EQ(*ocsp_url(good), "http://ocsp.comb.example/");
  EXPECT_EQ(*ocsp_url(slurp(dir_ / "person.pem")), "") << "names none";

  std::vector<std::string> asked;
  auto fine = check_revocation(good, authority, vireo::testing::offline_ocsp_responder(dir_, "authority", &asked));
  ASSERT_TRUE(fine) << fine.error().message();
  EXPECT_EQ(fine->status, Revocation::Good);
  EXPECT_EQ(asked, (std::vector<std::string>{"http://ocsp.comb.example/"}));
  auto lost = check_revocation(revoked, authority, vireo::testing::offline_ocsp_responder(dir_, "authority"));
  ASSERT_TRUE(lost) << lost.error().message();
  EXPECT_EQ(lost->status, Revocation::Revoked);
  EXPECT_EQ(lost->reason, "keyCompromise");
  EXPECT_LT(lost->revoked_at, std::chrono::system_clock::now());

  // An answer it cannot trust is no answer: signed by an authority that is not the certificate's,
  // not an OCSP response, or none at all.
  auto forged = check_revocation(revoked, authority, vireo::testing::offline_ocsp_responder(dir_, "elsewhere"));
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, ErrorCode::Unavailable);
  EXPECT_NE(forged.error().detail.find("not signed by the certificate's authority"), std::string::npos)
      << forged.error().detail;
  auto garbage = check_revocation(good, authority, [](const std::string&, std::string_view) -> Result<std::string> {
    return std::string("<html>maintenance</html>");
  });
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, ErrorCode::Unavailable);
  auto down = check_revocation(good, authority, [](const std::string&, std::string_view) -> Result<std::string> {
    return fail(ErrorCode::Unavailable, "the responder cannot be reached");
  });
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(check_revocation(slurp(dir_ / "person.pem"), authority, vireo::testing::offline_ocsp_responder(dir_, "authority")).error().code,
            ErrorCode::InvalidArgument)
      << "a certificate that names no responder is not asked about";
}

TEST_F(PdfTest, PdfAnyFlippedByteBreaksTheSignature) {
  auto pdf = render_report(sample_report());
  ASSERT_TRUE(pdf.has_value()) << pdf.error().message();
  Signer signer = make_signer();
  auto signed_pdf = sign_pades(*pdf, signer.person, request_at(std::chrono::system_clock::now()));
  ASSERT_TRUE(signed_pdf.has_value()) << signed_pdf.error().message();
  size_t contents = signed_pdf->find("/Contents <", pdf->size());
  size_t reason = signed_pdf->find("/Reason", pdf->size());
  size_t padding = signed_pdf->find("0000>", contents);
  ASSERT_NE(contents, std::string::npos);
  ASSERT_NE(padding, std::string::npos);

  struct Flip {
    const char* where = "";
    size_t offset = 0;
  };
  for (Flip flip : {Flip{"page content", pdf->size() / 3}, Flip{"signature dictionary", reason + 3},
                    Flip{"unused room of /Contents", padding}}) {
    SCOPED_TRACE(flip.where);
    std::string tampered = *signed_pdf;
    tampered[flip.offset] = static_cast<char>(tampered[flip.offset] ^ 0x01);
    auto check = verify_pades(tampered, signer.ca.cert_pem);
    ASSERT_TRUE(check.has_value()) << check.error().message();
    EXPECT_FALSE(check->signature_valid);
    EXPECT_FALSE(check->valid());
    EXPECT_FALSE(check->problem.empty());
    if (flip.offset < contents) {
      fs::path file = dir_ / "tampered.pdf";
      write_file(file, tampered);
      auto sig = pdfsig(file);
      EXPECT_EQ(sig.output.find("Signature is Valid"), std::string::npos) << sig.output;
      EXPECT_NE(sig.output.find("Signature Validation:"), std::string::npos) << sig.output;
    }
  }

  // Bytes appended after signing are outside the signed range.
  auto appended = verify_pades(*signed_pdf + "% later\n", signer.ca.cert_pem);
  ASSERT_TRUE(appended.has_value());
  EXPECT_TRUE(appended->signature_valid);
  EXPECT_FALSE(appended->whole_document_covered);
  EXPECT_FALSE(appended->valid());
}

TEST_F(PdfTest, PdfTimestampedSignatureFromOpensslTsa) {
  fs::path tsa = dir_ / "tsa";
  auto made = run(shell_word(kMakeTsa) + " " + shell_word(tsa));
  ASSERT_EQ(made.status, 0) << made.output;
  int calls = 0;
  SignatureRequest request = request_at(std::chrono::system_clock::now());
  request.timestamp = [&](std::string_view query) -> Result<std::string> {
    ++calls;
    write_file(dir_ / "q.tsq", query);
    auto reply = run("openssl ts -reply -config " + shell_word(tsa / "tsa.cnf") + " -queryfile " + shell_word(dir_ / "q.tsq") +
                     " -out " + shell_word(dir_ / "r.tsr"));
    if (reply.status != 0) return fail(ErrorCode::Unavailable, reply.output);
    return slurp(dir_ / "r.tsr");
  };
  auto pdf = render_report(sample_report());
  ASSERT_TRUE(pdf.has_value()) << pdf.error().message();
  Signer signer = make_signer();
  auto before = std::chrono::system_clock::now() - std::chrono::seconds(2);
  auto signed_pdf = sign_pades(*pdf, signer.person, request);
  ASSERT_TRUE(signed_pdf.has_value()) << signed_pdf.error().message();
  EXPECT_EQ(calls, 1);

  std::string trusted = signer.ca.cert_pem + slurp(tsa / "root.pem");
  auto check = verify_pades(*signed_pdf, trusted);
  ASSERT_TRUE(check.has_value()) << check.error().message();
  EXPECT_TRUE(check->valid()) << check->problem;
  EXPECT_TRUE(check->timestamped) << check->problem;
  EXPECT_TRUE(check->timestamp_trusted) << check->problem;
  ASSERT_TRUE(check->timestamp_time.has_value());
  EXPECT_GE(*check->timestamp_time, before);
  EXPECT_LE(*check->timestamp_time, std::chrono::system_clock::now() + std::chrono::seconds(2));

  // Trusting the clinic only: the signature stands, the authority is not vouched for.
  auto clinic_only = verify_pades(*signed_pdf, signer.ca.cert_pem);
  ASSERT_TRUE(clinic_only.has_value());
  EXPECT_TRUE(clinic_only->valid());
  EXPECT_TRUE(clinic_only->timestamped);
  EXPECT_FALSE(clinic_only->timestamp_trusted);

  fs::path file = dir_ / "signed-bt.pdf";
  write_file(file, *signed_pdf);
  auto sig = pdfsig(file);
  EXPECT_NE(sig.output.find("Signature is Valid."), std::string::npos) << sig.output;
  EXPECT_NE(sig.output.find("ETSI.CAdES.detached"), std::string::npos) << sig.output;
  EXPECT_NE(sig.output.find("Total document signed"), std::string::npos) << sig.output;

  // An authority that refuses, and one that answers another query, stop the signing.
  request.timestamp = [](std::string_view) -> Result<std::string> {
    return fail(ErrorCode::Unavailable, "the authority is down");
  };
  auto down = sign_pades(*pdf, signer.person, request);
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().code, ErrorCode::Unavailable);
  std::string stale = slurp(dir_ / "r.tsr");
  request.timestamp = [&](std::string_view) -> Result<std::string> { return stale; };
  auto replayed = sign_pades(*pdf, signer.person, request);
  ASSERT_FALSE(replayed.has_value());
  EXPECT_NE(replayed.error().detail.find("other data"), std::string::npos) << replayed.error().detail;
}

TEST_F(PdfTest, PdfTimestampQueryAndResponseRoundTrip) {
  fs::path tsa = dir_ / "tsa";
  ASSERT_EQ(run(shell_word(kMakeTsa) + " " + shell_word(tsa)).status, 0);
  auto query = make_timestamp_query("the signature value");
  ASSERT_TRUE(query.has_value()) << query.error().message();
  write_file(dir_ / "q.tsq", *query);
  auto text = run("openssl ts -query -in " + shell_word(dir_ / "q.tsq") + " -text");
  EXPECT_NE(text.output.find("Hash Algorithm: sha256"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Certificate required: yes"), std::string::npos) << text.output;
  ASSERT_EQ(run("openssl ts -reply -config " + shell_word(tsa / "tsa.cnf") + " -queryfile " + shell_word(dir_ / "q.tsq") +
                " -out " + shell_word(dir_ / "r.tsr"))
                .status,
            0);
  auto token = parse_timestamp_response(slurp(dir_ / "r.tsr"), *query);
  ASSERT_TRUE(token.has_value()) << token.error().message();
  EXPECT_FALSE(token->der.empty());
  auto other_query = make_timestamp_query("the signature value");  // same data, another nonce
  ASSERT_TRUE(other_query.has_value());
  auto mismatched = parse_timestamp_response(slurp(dir_ / "r.tsr"), *other_query);
  ASSERT_FALSE(mismatched.has_value());
  EXPECT_NE(mismatched.error().detail.find("nonce"), std::string::npos) << mismatched.error().detail;
  auto garbage = parse_timestamp_response("not DER", *query);
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().code, ErrorCode::InvalidArgument);
}

TEST_F(PdfTest, PdfBadInputGivesClearErrors) {
  auto pdf = render_report(sample_report());
  ASSERT_TRUE(pdf.has_value()) << pdf.error().message();
  Signer signer = make_signer();

  auto unsigned_check = verify_pades(*pdf, signer.ca.cert_pem);
  ASSERT_FALSE(unsigned_check.has_value());
  EXPECT_EQ(unsigned_check.error().code, ErrorCode::InvalidArgument);
  EXPECT_NE(unsigned_check.error().detail.find("no signature"), std::string::npos) << unsigned_check.error().detail;

  for (std::string garbage : {std::string("garbage bytes, not a PDF"), std::string("%PDF-1.4\n%%EOF\n"),
                              std::string("%PDF-1.4\nstartxref\n999999\n%%EOF\n"), std::string()}) {
    auto check = verify_pades(garbage, signer.ca.cert_pem);
    ASSERT_FALSE(check.has_value()) << garbage;
    EXPECT_EQ(check.error().code, ErrorCode::InvalidArgument);
    EXPECT_FALSE(check.error().detail.empty());
    auto sign = sign_pades(garbage, signer.person, request_at(std::chrono::system_clock::now()));
    ASSERT_FALSE(sign.has_value());
    EXPECT_EQ(sign.error().code, ErrorCode::InvalidArgument);
  }
  // Every prefix of a real PDF: an error or a verdict, never a crash.
  for (size_t cut = 0; cut < pdf->size(); cut += pdf->size() / 97 + 1)
    (void)verify_pades(std::string_view(*pdf).substr(0, cut), signer.ca.cert_pem);

  // Form fields whose /Kids make a graph: each is visited once, not exponentially often.
  std::string looping = hand_written_pdf({"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R 3 0 R] >> >>",
                                          "<< /Type /Pages /Kids [] /Count 0 >>",
                                          "<< /Kids [3 0 R 4 0 R 4 0 R] >>", "<< /Kids [3 0 R 4 0 R 4 0 R] >>"});
  auto loop = verify_pades(looping, signer.ca.cert_pem);
  ASSERT_FALSE(loop.has_value());
  EXPECT_NE(loop.error().detail.find("no signature"), std::string::npos) << loop.error().detail;
  auto has_form = sign_pades(looping, signer.person, request_at(std::chrono::system_clock::now()));
  ASSERT_FALSE(has_form.has_value());
  EXPECT_NE(has_form.error().detail.find("already has a form"), std::string::npos);

  SigningIdentity mismatched = signer.person;
  mismatched.key_pem = signer.ca.key_pem;
  auto wrong_key = sign_pades(*pdf, mismatched, request_at(std::chrono::system_clock::now()));
  ASSERT_FALSE(wrong_key.has_value());
  EXPECT_EQ(wrong_key.error().code, ErrorCode::InvalidArgument);
  EXPECT_NE(wrong_key.error().detail.find("does not match"), std::string::npos) << wrong_key.error().detail;

  SigningIdentity unreadable = signer.person;
  unreadable.cert_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  auto bad_cert = sign_pades(*pdf, unreadable, request_at(std::chrono::system_clock::now()));
  ASSERT_FALSE(bad_cert.has_value());
  EXPECT_NE(bad_cert.error().detail.find("certificate"), std::string::npos) << bad_cert.error().detail;

  // One signature per document: a signed report is not signed again.
  auto signed_pdf = sign_pades(*pdf, signer.person, request_at(std::chrono::system_clock::now()));
  ASSERT_TRUE(signed_pdf.has_value());
  auto twice = sign_pades(*signed_pdf, signer.person, request_at(std::chrono::system_clock::now()));
  ASSERT_FALSE(twice.has_value());
  EXPECT_NE(twice.error().detail.find("already"), std::string::npos) << twice.error().detail;

  auto bad_issue = issue_signing_certificate(signer.person, "", "x@example.org", 10);
  ASSERT_FALSE(bad_issue.has_value());
  auto no_p12 = load_pkcs12("not a p12", "secret");
  ASSERT_FALSE(no_p12.has_value());
  EXPECT_NE(no_p12.error().detail.find("PKCS#12"), std::string::npos);
}

TEST_F(PdfTest, PdfSignsAPdfItDidNotRenderKeepingItsAnnotations) {
  std::string pdf = hand_written_pdf({"<< /Type /Catalog /Pages 2 0 R >>",
                                      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
                                      "<< /Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (note) >>"});
  Signer signer = make_signer();
  auto signed_pdf = sign_pades(pdf, signer.person, request_at(std::chrono::system_clock::now()));
  ASSERT_TRUE(signed_pdf.has_value()) << signed_pdf.error().message();
  EXPECT_NE(signed_pdf->find("/Annots [4 0 R 6 0 R]"), std::string::npos) << signed_pdf->substr(pdf.size());
  auto check = verify_pades(*signed_pdf, signer.ca.cert_pem);
  ASSERT_TRUE(check.has_value()) << check.error().message();
  EXPECT_TRUE(check->valid()) << check->problem;
  fs::path file = dir_ / "hand.pdf";
  write_file(file, *signed_pdf);
  auto sig = pdfsig(file);
  EXPECT_NE(sig.output.find("Signature is Valid."), std::string::npos) << sig.output;
  EXPECT_NE(sig.output.find("Total document signed"), std::string::npos) << sig.output;
}

TEST_F(PdfTest, PdfCertificatesAreWhatTheyClaim) {
  Signer signer = make_signer();
  write_file(dir_ / "ca.pem", signer.ca.cert_pem);
  write_file(dir_ / "person.pem", signer.person.cert_pem);
  auto ca_text = run("openssl x509 -noout -text -in " + shell_word(dir_ / "ca.pem"));
  EXPECT_NE(ca_text.output.find("CA:TRUE"), std::string::npos) << ca_text.output;
  EXPECT_NE(ca_text.output.find("Certificate Sign, CRL Sign"), std::string::npos) << ca_text.output;
  EXPECT_NE(ca_text.output.find("ASN1 OID: prime256v1"), std::string::npos) << ca_text.output;
  auto dates = run("openssl x509 -noout -enddate -in " + shell_word(dir_ / "ca.pem"));
  int year_now = static_cast<int>(std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(
                                                                  std::chrono::system_clock::now())}
                                      .year());
  EXPECT_NE(dates.output.find(std::to_string(year_now + 20)), std::string::npos) << dates.output;
  auto person_text = run("openssl x509 -noout -text -in " + shell_word(dir_ / "person.pem"));
  EXPECT_NE(person_text.output.find("Digital Signature, Non Repudiation"), std::string::npos) << person_text.output;
  EXPECT_NE(person_text.output.find("E-mail Protection"), std::string::npos);
  EXPECT_NE(person_text.output.find("email:elena.ruiz@clinica-diagonal.example"), std::string::npos);
  auto chain = run("openssl verify -CAfile " + shell_word(dir_ / "ca.pem") + " " + shell_word(dir_ / "person.pem"));
  EXPECT_EQ(chain.status, 0) << chain.output;
  EXPECT_EQ(signer.person.chain_pem, signer.ca.cert_pem);
  // May it sign reports here: the person's, under the clinic's CA; not without that CA trusted, and
  // never the CA's own key.
  EXPECT_TRUE(check_signing_identity(signer.person, signer.ca.cert_pem));
  auto untrusted = check_signing_identity(signer.person, "");
  ASSERT_FALSE(untrusted);
  EXPECT_NE(untrusted.error().detail.find("not issued by an authority this clinic trusts"), std::string::npos);
  auto authority = check_signing_identity(signer.ca, signer.ca.cert_pem);
  ASSERT_FALSE(authority);
  EXPECT_NE(authority.error().detail.find("not one for signing"), std::string::npos);
  EXPECT_EQ(certificates_in(signer.ca.cert_pem + signer.person.cert_pem).value_or(0), 2u);
  EXPECT_FALSE(certificates_in("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"));

  // A PKCS#12 export of the person's identity loads back and signs.
  write_file(dir_ / "person.key", signer.person.key_pem);
  auto exported = run("openssl pkcs12 -export -inkey " + shell_word(dir_ / "person.key") + " -in " +
                      shell_word(dir_ / "person.pem") + " -certfile " + shell_word(dir_ / "ca.pem") +
                      " -passout pass:s3cret -out " + shell_word(dir_ / "person.p12"));
  ASSERT_EQ(exported.status, 0) << exported.output;
  auto loaded = load_pkcs12(slurp(dir_ / "person.p12"), "s3cret");
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->cert_pem, signer.person.cert_pem);
  EXPECT_EQ(loaded->chain_pem, signer.ca.cert_pem);
  auto wrong_password = load_pkcs12(slurp(dir_ / "person.p12"), "guess");
  ASSERT_FALSE(wrong_password.has_value());
  EXPECT_NE(wrong_password.error().detail.find("password"), std::string::npos);

  ReportDocument small;
  small.title = "Radiology report";
  small.sections.push_back({"Impression", "Normal study.", {}});
  auto pdf = render_report(small);
  ASSERT_TRUE(pdf.has_value());
  auto signed_pdf = sign_pades(*pdf, *loaded, request_at(std::chrono::system_clock::now()));
  ASSERT_TRUE(signed_pdf.has_value()) << signed_pdf.error().message();
  auto check = verify_pades(*signed_pdf, signer.ca.cert_pem);
  ASSERT_TRUE(check.has_value());
  EXPECT_TRUE(check->valid()) << check->problem;
}

}  // namespace
}  // namespace vireo::pdf
