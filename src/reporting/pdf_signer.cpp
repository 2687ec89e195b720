#include "reporting/pdf_signer.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <optional>

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "pdf/key_protection.hpp"
#include "pdf/report_layout.hpp"
#include "reporting/letter.hpp"
#include "reporting/vocabularies.hpp"

namespace vireo::reporting {

namespace {

constexpr const char* kCaName = "clinic-ca";

// What the PDF prints besides the report's own text, in the clinic's language.
enum Label {
  kTitle, kPatient, kMrn, kBirthDate, kSex, kAccession, kExam, kExamDate, kReferrer, kFinal, kAddendum,
  kPreliminary, kRadiologist, kPage, kOriginal, kSignedBy, kFemale, kMale, kOther, kUnknown, kStructured,
  kClassification, kCategory, kFinding, kManagement, kKeyImages, kSeriesImage, kFrame, kLabelCount
};
using Labels = std::array<const char*, kLabelCount>;

const Labels& labels_for(const std::string& language) {
  static const Labels en = {"Radiology report", "Patient", "MRN", "Date of birth", "Sex", "Accession number",
                            "Exam", "Exam date", "Referring physician", "Final report", "Addendum",
                            "Preliminary report", "Radiologist", "Page {page} of {pages}", "Original report",
                            "signed by", "Female", "Male", "Other", "Unknown", "Structured findings",
                            "Classification", "Category", "Finding", "Management", "Key images",
                            "Series {series}, image {image}", "frame {frame}"};
  static const Labels es = {"Informe radiológico", "Paciente", "NHC", "Fecha de nacimiento", "Sexo",
                            "Número de acceso", "Exploración", "Fecha de la exploración", "Médico solicitante",
                            "Informe final", "Adenda", "Informe preliminar", "Radiólogo/a",
                            "Página {page} de {pages}", "Informe original", "firmado por", "Mujer", "Hombre", "Otro",
                            "Desconocido", "Hallazgos estructurados", "Clasificación", "Categoría", "Hallazgo",
                            "Conducta", "Imágenes clave", "Serie {series}, imagen {image}", "fotograma {frame}"};
  static const Labels ca = {"Informe radiològic", "Pacient", "NHC", "Data de naixement", "Sexe",
                            "Número d'accés", "Exploració", "Data de l'exploració", "Metge/ssa sol·licitant",
                            "Informe final", "Addenda", "Informe preliminar", "Radiòleg/a",
                            "Pàgina {page} de {pages}", "Informe original", "signat per", "Dona", "Home", "Altre",
                            "Desconegut", "Troballes estructurades", "Classificació", "Categoria", "Troballa",
                            "Conducta", "Imatges clau", "Sèrie {series}, imatge {image}", "fotograma {frame}"};
  if (language == "es") return es;
  if (language == "ca") return ca;
  return en;
}

// "2027-03-01 09:30" in the clinic's zone, from UTC ISO-8601.
std::string local_minute(const TimeZone& zone, const std::string& utc) {
  auto t = parse_instant(utc);
  if (!t) return utc;
  const std::string iso = zone.local_iso(*t);  // 2027-03-01T09:30:00+01:00
  return iso.size() >= 16 ? iso.substr(0, 10) + " " + iso.substr(11, 5) : iso;
}

// The structured findings as a table: each one's system, category, features and management.
pdf::ReportSection findings_table(const ReportContent& content, const Labels& l, const std::string& language) {
  pdf::ReportSection out;
  out.title = l[kStructured];
  out.table.header = {l[kClassification], l[kCategory], l[kFinding], l[kManagement]};
  for (const auto& f : content.findings) {
    const Vocabulary* v = vocabulary(f.system);
    const FindingText text = describe(f, language);
    out.table.rows.push_back({v ? v->title.in(language) : f.system, text.category, text.description, text.management});
  }
  return out;
}

// The sections with text, the structured findings after the findings section (or last).
void add_sections(pdf::ReportDocument& doc, const ReportContent& content, const Labels& l, const std::string& language,
                  const std::string& prefix = {}) {
  const size_t first = doc.sections.size();
  std::optional<size_t> after_findings;
  for (const auto& s : content.sections) {
    if (s.text.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    pdf::ReportSection section;
    section.title = prefix.empty() || prefix == s.title ? s.title : prefix + ": " + s.title;
    section.body = s.text;
    doc.sections.push_back(std::move(section));
    if (s.key == "findings") after_findings = doc.sections.size();
  }
  if (content.findings.empty()) return;
  pdf::ReportSection table = findings_table(content, l, language);
  if (!prefix.empty()) table.title = prefix + ": " + table.title;
  const size_t at = after_findings.value_or(doc.sections.size());
  doc.sections.insert(doc.sections.begin() + static_cast<std::ptrdiff_t>(std::max(at, first)), std::move(table));
}

std::string replaced(std::string pattern, std::string_view name, const std::string& value) {
  if (auto at = pattern.find(name); at != std::string::npos) pattern.replace(at, name.size(), value);
  return pattern;
}

// Under a key image: "1. Caption — Series 3, image 42, frame 5" (what the image says of itself).
std::string key_image_caption(size_t n, const KeyImage& k, const KeyImagePicture& p, const Labels& l) {
  std::string where;
  if (!p.series_number.empty() && !p.instance_number.empty())
    where = replaced(replaced(l[kSeriesImage], "{series}", p.series_number), "{image}", p.instance_number);
  if (p.frames > 1) where += (where.empty() ? "" : ", ") + replaced(l[kFrame], "{frame}", std::to_string(k.frame));
  std::string out = std::to_string(n) + ".";
  if (!k.caption.empty()) out += " " + k.caption;
  if (!where.empty()) out += (k.caption.empty() ? " " : " — ") + where;
  return out;
}

}  // namespace

// A calendar date (YYYY-MM-DD) as a letter to a patient writes it: "6 December 2026",
// "6 de diciembre de 2026", "6 d'agost de 2026"; as it is when it is no such date.
std::string long_date(const std::string& iso, const std::string& language) {
  static const std::array<const char*, 12> en = {"January", "February", "March",     "April",   "May",      "June",
                                                 "July",    "August",   "September", "October", "November", "December"};
  static const std::array<const char*, 12> es = {"enero", "febrero", "marzo",      "abril",   "mayo",      "junio",
                                                 "julio", "agosto",  "septiembre", "octubre", "noviembre", "diciembre"};
  static const std::array<const char*, 12> ca = {"gener",  "febrer", "març",     "abril",   "maig",     "juny",
                                                 "juliol", "agost",  "setembre", "octubre", "novembre", "desembre"};
  if (iso.size() < 10 || iso[4] != '-' || iso[7] != '-') return iso;
  const int month = std::atoi(iso.substr(5, 2).c_str()), day = std::atoi(iso.substr(8, 2).c_str());
  if (month < 1 || month > 12 || day < 1) return iso;
  const std::string year = iso.substr(0, 4), d = std::to_string(day);
  if (language == "es") return d + " de " + es[month - 1] + " de " + year;
  if (language == "ca") {
    const std::string m = ca[month - 1];
    return d + (m[0] == 'a' || m[0] == 'o' ? " d'" : " de ") + m + " de " + year;
  }
  return d + " " + en[month - 1] + " " + year;
}

// A document of a version on the clinic's letterhead: its language, title, footer and branding.
pdf::ReportDocument on_letterhead(const PdfSignerOptions& options, const std::string& language, std::string title,
                                  const ris::ReadingItem& exam, const ReportVersion& version) {
  pdf::ReportDocument doc;
  doc.language = language;
  doc.title = std::move(title);
  doc.report_id = exam.view.accession_number + "-" + std::to_string(version.number);
  doc.page_pattern = labels_for(language)[kPage];
  doc.clinic.name = options.clinic_name;
  doc.clinic.address_lines = options.clinic_address;
  doc.clinic.logo_png = options.logo_png;
  return doc;
}

std::string procedures_of(const ris::ReadingItem& exam) {
  std::string out;
  for (const auto& p : exam.procedures) out += (out.empty() ? "" : ", ") + p;
  return out;
}

pdf::ReportDocument report_document(const SigningRequest& request, const PdfSignerOptions& options,
                                    const TimeZone& zone) {
  const Labels& l = labels_for(options.language);
  const ris::ReadingItem& exam = *request.exam;
  const ReportVersion& version = *request.version;
  pdf::ReportDocument doc = on_letterhead(options, options.language, l[kTitle], exam, version);
  const std::string procedures = procedures_of(exam);
  doc.patient_study = {{l[kPatient], exam.view.patient_name},
                       {l[kMrn], exam.view.mrn},
                       {l[kBirthDate], exam.view.birth_date},
                       {l[kSex], exam.view.sex == "F"   ? l[kFemale]
                                 : exam.view.sex == "M" ? l[kMale]
                                 : exam.view.sex == "O" ? l[kOther]
                                                        : l[kUnknown]},
                       {l[kAccession], exam.view.accession_number},
                       {l[kExam], procedures},
                       {l[kExamDate], local_minute(zone, exam.view.appointment.starts_at)},
                       {l[kReferrer], exam.referring_physician}};
  const bool addendum = version.kind == "addendum";
  add_sections(doc, version.content, l, options.language, addendum ? l[kAddendum] : std::string());
  if (addendum) {
    // What the addendum adds to: every version signed before it, as it was signed.
    for (const auto& earlier : request.report->versions) {
      if (!earlier.signature) continue;
      add_sections(doc, earlier.content, l, options.language,
                   std::string(earlier.kind == "addendum" ? l[kAddendum] : l[kOriginal]) + " (" + l[kSignedBy] + " " +
                       earlier.signature->signer_name + ", " + local_minute(zone, earlier.signature->signed_at) + ")");
    }
  }
  doc.signature.status_label = addendum ? l[kAddendum] : version.kind == "final" ? l[kFinal] : l[kPreliminary];
  doc.signature.signer_name = request.signer_name;
  doc.signature.credentials = l[kRadiologist];
  doc.signature.signed_at = local_minute(zone, request.signed_at);
  return doc;
}

Result<pdf::SigningIdentity> PdfSigner::identity(const std::string& name,
                                                 const std::function<Result<pdf::SigningIdentity>()>& make) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = cached_.find(name); it != cached_.end()) return it->second;
  }
  auto stored = keys_.find(name);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored && !make) return fail(ErrorCode::NotFound, "no report was signed here yet");
  if (!*stored) {
    auto made = make();
    if (!made) return std::unexpected(made.error());
    auto sealed = pdf::encrypt_private_key(made->key_pem, options_.key_passphrase);
    if (!sealed) return std::unexpected(sealed.error());
    // Another node may have made one meanwhile: the one kept first is everybody's.
    auto kept = keys_.keep_first({name, *sealed, made->cert_pem, made->chain_pem, {}, {}});
    if (!kept) return std::unexpected(kept.error());
    *stored = std::move(*kept);
  }
  auto opened = unseal(**stored);
  if (!opened) return std::unexpected(opened.error());
  pdf::SigningIdentity out = std::move(*opened);
  std::lock_guard lock(mutex_);
  cached_.emplace(name, out);
  return out;
}

namespace {

// What a row holding a key on the security module binds together, sealed with the passphrase.
std::string token_binding(const StoredIdentity& row) {
  return "vireo token key\n" + row.name + "\n" + row.token_object + "\n" + row.cert_pem + "\n" + row.chain_pem;
}

constexpr std::string_view kSealPrefix = "seal:";

}  // namespace

Result<pdf::SigningIdentity> PdfSigner::unseal(const StoredIdentity& stored) {
  if (!stored.token_object.empty()) {
    // On the security module: the row must be one this installation sealed (the module signs for
    // anyone who names an object), and the key there must still be the certificate's chosen with it.
    const std::string_view seal = stored.encrypted_key_pem;
    if (!seal.starts_with(kSealPrefix) ||
        !pdf::seal_holds(token_binding(stored), options_.key_passphrase, seal.substr(kSealPrefix.size())))
      return fail(ErrorCode::IntegrityError, "the signing key kept as " + stored.name +
                                                 " is not sealed by this installation: the database was changed outside Vireo");
    if (!options_.token)
      return fail(ErrorCode::StateConflict, "Your signing key is on the clinic's security module, which this server "
                                            "is not connected to; ask an administrator (report_pkcs11_module)");
    auto on_token = options_.token->identity(stored.token_object, stored.cert_pem, stored.chain_pem);
    if (!on_token)
      return fail(ErrorCode::StateConflict, "Your signing key on the clinic's security module cannot sign (" +
                                                on_token.error().detail +
                                                "); choose another, or go back to the clinic's, on your account page");
    return on_token;
  }
  auto key = pdf::decrypt_private_key(stored.encrypted_key_pem, options_.key_passphrase);
  if (!key) return std::unexpected(key.error());
  // Only this installation can make a key that opens with its passphrase (kept outside the
  // database): a certificate kept beside it must be that key's, or the row is not ours.
  pdf::SigningIdentity out{*key, stored.cert_pem, stored.chain_pem, {}};
  if (auto s = pdf::check_key_pair(out); !s)
    return fail(ErrorCode::IntegrityError, "the signing key kept as " + stored.name + " is not its certificate's (" +
                                               s.error().detail + "): the database was changed outside Vireo");
  return out;
}

namespace {

std::string own_prefix(const std::string& username) { return "own:" + username + "@"; }

// A name's words for comparing: folded to upper-case ASCII where Latin, split on what is not a
// letter or digit, without titles and particles ("Dra.", "i", "de", "la").
std::vector<std::string> name_words(std::string_view name) {
  static const std::vector<std::string> kTitles = {"DR", "DRA", "DOCTOR", "DOCTORA", "PROF", "MD", "PHD"};
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (word.size() >= 3 && std::ranges::find(kTitles, word) == kTitles.end() &&
        std::ranges::find(out, word) == out.end())
      out.push_back(word);
    word.clear();
  };
  for (char c : normalize_person_name(name)) {
    if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) word += c;
    else flush();
  }
  flush();
  return out;
}

// A name that sorts after any kept before it, even within the same second.
std::string own_name(const std::string& username) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string digits = std::to_string(micros);
  return own_prefix(username) + std::string(20 - std::min<size_t>(20, digits.size()), '0') + digits;
}

Result<SigningCertificate> described(const std::string& source, const std::string& cert_pem) {
  auto summary = pdf::certificate_summary(cert_pem);
  if (!summary) return std::unexpected(summary.error());
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(summary->not_after.time_since_epoch()).count();
  return SigningCertificate{source, summary->subject, summary->issuer, summary->serial, utc_iso(seconds)};
}

}  // namespace

bool names_same_person(std::string_view certificate_name, std::string_view person_name) {
  auto a = name_words(certificate_name), b = name_words(person_name);
  // Identity numbers in a certificate's name (an ID card's) are not a person's words.
  std::erase_if(a, [](const std::string& w) { return std::ranges::any_of(w, [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }); });
  if (a.empty() || b.empty()) return false;
  const auto& shorter = a.size() <= b.size() ? a : b;
  const auto& longer = a.size() <= b.size() ? b : a;
  if (std::ranges::any_of(shorter, [&](const std::string& w) { return std::ranges::find(longer, w) == longer.end(); }))
    return false;
  return shorter.size() >= std::min<size_t>(2, longer.size());
}

Result<std::optional<std::pair<std::string, pdf::SigningIdentity>>> PdfSigner::own(const std::string& username) {
  using Own = std::optional<std::pair<std::string, pdf::SigningIdentity>>;
  // Looked up every time (another node may have changed it); opened once per name.
  auto stored = keys_.newest(own_prefix(username));
  if (!stored) return std::unexpected(stored.error());
  if (!*stored || (*stored)->cert_pem.empty()) return Own();  // none, or stopped
  const std::string name = (*stored)->name;
  {
    std::lock_guard lock(mutex_);
    if (auto it = cached_.find(name); it != cached_.end()) return Own(std::pair{name, it->second});
  }
  auto opened = unseal(**stored);
  if (!opened) return std::unexpected(opened.error());
  std::lock_guard lock(mutex_);
  // A key replaced since is not kept in memory.
  std::erase_if(cached_, [&](const auto& entry) { return entry.first.starts_with(own_prefix(username)); });
  cached_[name] = *opened;
  return Own(std::pair{name, std::move(*opened)});
}

Result<SigningCertificate> PdfSigner::certificate_of(const std::string& username) {
  // (the certificates only: no key is opened to show them)
  auto mine = keys_.newest(own_prefix(username));
  if (!mine) return std::unexpected(mine.error());
  if (*mine && !(*mine)->cert_pem.empty())
    return described((*mine)->token_object.empty() ? "own" : "token", (*mine)->cert_pem);
  auto issued = keys_.newest("user:" + username + "@");
  if (!issued) return std::unexpected(issued.error());
  if (!*issued) return SigningCertificate{"clinic", "", "", "", ""};
  return described("clinic", (*issued)->cert_pem);
}

Status PdfSigner::not_revoked(const pdf::SigningIdentity& identity, const std::string& trusted) {
  if (!options_.revocation) return {};
  auto url = pdf::ocsp_url(identity.cert_pem);
  if (!url) return std::unexpected(url.error());
  if (url->empty()) return {};
  const auto now = std::chrono::system_clock::now();
  std::optional<pdf::Revocation> known;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(revocations_, [&](const auto& entry) { return entry.second.valid_until < now; });
    if (auto it = revocations_.find(identity.cert_pem); it != revocations_.end()) known = it->second;
  }
  if (!known) {
    auto issuers = pdf::issuer_chain(identity.cert_pem, identity.chain_pem + trusted);
    if (!issuers) return std::unexpected(issuers.error());
    auto issuer = pdf::first_certificate(*issuers);
    if (!issuer) return std::unexpected(issuer.error());
    auto asked = pdf::check_revocation(identity.cert_pem, *issuer, options_.revocation);
    if (!asked && asked.error().code == ErrorCode::Unavailable)
      return fail(ErrorCode::Unavailable, "whether the certificate was revoked cannot be checked now (" +
                                              asked.error().detail + "); try again later");
    if (!asked) return std::unexpected(asked.error());
    known = *asked;
    std::lock_guard lock(mutex_);
    revocations_[identity.cert_pem] = *asked;
  }
  if (known->status == pdf::Revocation::Revoked)
    return fail(ErrorCode::InvalidArgument,
                "the certificate was revoked by its authority" +
                    (known->revoked_at == std::chrono::system_clock::time_point{}
                         ? std::string()
                         : " on " + utc_iso(std::chrono::duration_cast<std::chrono::seconds>(
                                              known->revoked_at.time_since_epoch()).count()).substr(0, 10)) +
                    (known->reason.empty() ? "" : " (" + known->reason + ")"));
  if (known->status == pdf::Revocation::Unknown)
    return fail(ErrorCode::InvalidArgument, "the certificate was revoked by its authority, or it does not know it");
  return {};
}

Status PdfSigner::acceptable(const std::string& person_name, const pdf::SigningIdentity& identity) {
  auto ca = clinic_ca_pem();
  if (!ca) return std::unexpected(ca.error());
  if (auto s = pdf::check_signing_identity(identity, trusted_pem(*ca)); !s) return std::unexpected(s.error());
  if (auto s = not_revoked(identity, trusted_pem(*ca)); !s) {
    // (said as a refusal of this certificate: the screen words it)
    if (s.error().code == ErrorCode::Unavailable) return fail(ErrorCode::InvalidArgument, s.error().detail);
    return s;
  }
  // Their own: a report signed by one person is never signed with another's certificate.
  auto summary = pdf::certificate_summary(identity.cert_pem);
  if (!summary) return std::unexpected(summary.error());
  if (!names_same_person(summary->common_name, person_name))
    return fail(ErrorCode::InvalidArgument, "the certificate is issued to " + summary->common_name + ", not to " +
                                                person_name + " (the name the clinic's staff list gives you)");
  return {};
}

Result<pdf::SigningIdentity> PdfSigner::acceptable(const std::string& person_name, std::string_view pkcs12,
                                                   std::string_view password) {
  auto loaded = pdf::load_pkcs12(pkcs12, password);
  if (!loaded) return std::unexpected(loaded.error());
  if (auto s = acceptable(person_name, *loaded); !s) return std::unexpected(s.error());
  return loaded;
}


// The module holds everybody's keys behind one PIN: a certificate on it is a radiologist's only when
// it names them exactly (their words, titles and ID numbers aside), not merely one of their names.
bool names_exactly(std::string_view certificate_name, std::string_view person_name) {
  auto a = name_words(certificate_name), b = name_words(person_name);
  std::erase_if(a, [](const std::string& w) { return std::ranges::any_of(w, [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }); });
  std::ranges::sort(a);
  std::ranges::sort(b);
  return !a.empty() && a == b;
}

Result<std::vector<PdfSigner::TokenListing>> PdfSigner::token_listing(const std::string& person_name) {
  if (!options_.token) return fail(ErrorCode::NotFound, "this clinic has no security module for signing keys");
  auto listed = options_.token->certificates();
  if (!listed) return std::unexpected(listed.error());
  std::string keyless;  // the authorities kept on the module
  for (const auto& c : *listed)
    if (!c.has_key) keyless += c.cert_pem;
  std::vector<TokenListing> out;
  for (auto& c : *listed) {
    auto summary = pdf::certificate_summary(c.cert_pem);
    if (!c.has_key || !summary || !names_exactly(summary->common_name, person_name)) continue;
    auto chain = pdf::issuer_chain(c.cert_pem, keyless);
    if (!chain) return std::unexpected(chain.error());
    out.push_back({std::move(c), std::move(*chain)});
  }
  return out;
}

Result<std::vector<TokenChoice>> PdfSigner::token_certificates(const std::string& person_name) {
  auto mine = token_listing(person_name);
  if (!mine) return std::unexpected(mine.error());
  std::vector<TokenChoice> out;
  for (const auto& [c, chain] : *mine) {
    auto shown = described("token", c.cert_pem);
    if (!shown) return std::unexpected(shown.error());
    auto fit = acceptable(person_name, pdf::SigningIdentity{"", c.cert_pem, chain, {}});
    if (!fit && fit.error().code != ErrorCode::InvalidArgument) return std::unexpected(fit.error());
    out.push_back({c.id, c.label, c.fingerprint, std::move(*shown), fit ? "" : fit.error().detail});
  }
  return out;
}

Result<std::pair<std::string, pdf::SigningIdentity>> PdfSigner::token_identity(const std::string& person_name,
                                                                             const std::string& fingerprint) {
  auto mine = token_listing(person_name);
  if (!mine) return std::unexpected(mine.error());
  // Somebody else's certificate is answered as one that is not there: nothing is told of it.
  auto found = std::ranges::find_if(*mine, [&](const TokenListing& l) { return l.certificate.fingerprint == fingerprint; });
  if (found == mine->end())
    return fail(ErrorCode::NotFound, "the security module has no key and certificate of yours with that fingerprint");
  auto identity = options_.token->identity(found->certificate.id, found->certificate.cert_pem, found->chain_pem);
  if (!identity && identity.error().code == ErrorCode::NotFound)
    return fail(ErrorCode::NotFound, "the security module has no key and certificate of yours with that fingerprint");
  if (!identity && identity.error().code == ErrorCode::InvalidArgument)
    return fail(ErrorCode::InvalidArgument, "the key of that certificate on the security module does not match it");
  if (!identity) return std::unexpected(identity.error());
  if (auto s = acceptable(person_name, *identity); !s) return std::unexpected(s.error());
  return std::pair{found->certificate.id, std::move(*identity)};
}

Result<SigningCertificate> PdfSigner::check_token_certificate(const std::string& person_name,
                                                              const std::string& fingerprint) {
  auto identity = token_identity(person_name, fingerprint);
  if (!identity) return std::unexpected(identity.error());
  return described("token", identity->second.cert_pem);
}

Result<SigningCertificate> PdfSigner::use_token_certificate(const std::string& username, const std::string& person_name,
                                                            const std::string& fingerprint) {
  auto identity = token_identity(person_name, fingerprint);
  if (!identity) return std::unexpected(identity.error());
  StoredIdentity row{own_name(username), "", identity->second.cert_pem, identity->second.chain_pem, {}, identity->first};
  row.encrypted_key_pem = std::string(kSealPrefix) + pdf::seal_of(token_binding(row), options_.key_passphrase);
  auto kept = keys_.keep_first(row);
  if (!kept) return std::unexpected(kept.error());
  return described("token", kept->cert_pem);
}

Result<SigningCertificate> PdfSigner::check_own_certificate(const std::string& person_name, std::string_view pkcs12,
                                                            std::string_view password) {
  auto loaded = acceptable(person_name, pkcs12, password);
  if (!loaded) return std::unexpected(loaded.error());
  return described("own", loaded->cert_pem);
}

Status PdfSigner::check_can_sign(const std::string& username) {
  auto mine = keys_.newest(own_prefix(username));
  if (!mine) return std::unexpected(mine.error());
  if (!*mine || (*mine)->cert_pem.empty()) return {};
  if (!(*mine)->token_object.empty()) {
    // The row sealed here and the module reached (once per node: the key is kept open after).
    if (auto opened = own(username); !opened) return std::unexpected(opened.error());
  }
  auto ca = clinic_ca_pem();
  if (!ca) return std::unexpected(ca.error());
  pdf::SigningIdentity certificate{"", (*mine)->cert_pem, (*mine)->chain_pem, {}};
  auto checked = pdf::check_signing_identity(certificate, trusted_pem(*ca));
  if (checked) checked = not_revoked(certificate, trusted_pem(*ca));
  if (!checked)
    return fail(ErrorCode::StateConflict, "Your own signing certificate cannot sign now (" + checked.error().detail +
                                              "); bring a new one, or go back to the clinic's, on your account page");
  return {};
}

Result<SigningCertificate> PdfSigner::use_own_certificate(const std::string& username, const std::string& person_name,
                                                          std::string_view pkcs12, std::string_view password) {
  auto loaded = acceptable(person_name, pkcs12, password);
  if (!loaded) return std::unexpected(loaded.error());
  auto sealed = pdf::encrypt_private_key(loaded->key_pem, options_.key_passphrase);
  if (!sealed) return std::unexpected(sealed.error());
  auto kept = keys_.keep_first({own_name(username), *sealed, loaded->cert_pem, loaded->chain_pem, {}, {}});
  if (!kept) return std::unexpected(kept.error());
  return described("own", kept->cert_pem);
}

Status PdfSigner::stop_own_certificate(const std::string& username) {
  // (not opened: a key on a module this node does not reach, or gone from it, is stopped all the same)
  auto mine = keys_.newest(own_prefix(username));
  if (!mine) return std::unexpected(mine.error());
  if (!*mine || (*mine)->cert_pem.empty()) return fail(ErrorCode::NotFound, "you sign with the clinic's certificate already");
  // Kept, never deleted (what it signed stays checkable): a later entry without a certificate ends it.
  auto kept = keys_.keep_first({own_name(username), "", "", "", {}, {}});
  if (!kept) return std::unexpected(kept.error());
  return {};
}

Result<pdf::SigningIdentity> PdfSigner::person(const std::string& username, const std::string& name,
                                               const pdf::SigningIdentity& ca) {
  // Their own certificate, when they brought one: it must still be good to sign with (a report
  // is never signed in its place with another without their knowing).
  auto mine = own(username);
  if (!mine) return std::unexpected(mine.error());
  if (*mine) {
    if (auto s = pdf::check_signing_identity((*mine)->second, trusted_pem(ca.cert_pem)); !s)
      return fail(ErrorCode::StateConflict, "Your own signing certificate cannot sign now (" + s.error().detail +
                                                "); bring a new one, or go back to the clinic's, on your account page");
    if (auto s = not_revoked((*mine)->second, trusted_pem(ca.cert_pem)); !s)
      return fail(ErrorCode::StateConflict, "Your own signing certificate cannot sign now (" + s.error().detail +
                                                "); bring a new one, or go back to the clinic's, on your account page");
    auto summary = pdf::certificate_summary((*mine)->second.cert_pem);
    if (!summary) return std::unexpected(summary.error());
    // A key on the module is theirs while it names them as the staff list does now.
    if ((*mine)->second.token_key && !names_exactly(summary->common_name, name))
      return fail(ErrorCode::StateConflict, "Your signing key on the clinic's security module is issued to " +
                                                summary->common_name + ", not to " + name +
                                                " as the staff list names you now; choose yours again on your account page");
    return (*mine)->second;
  }
  // A radiologist's certificate names them as they are now and has a month left at least; else a
  // new one is issued under a new name (the old ones stay: what they signed stays checkable).
  const std::string prefix = "user:" + username + "@";
  const auto now = std::chrono::system_clock::now();
  auto usable = [&](const pdf::SigningIdentity& id) {
    auto summary = pdf::certificate_summary(id.cert_pem);
    return summary && summary->common_name == name && summary->not_after > now + std::chrono::days(30);
  };
  {
    std::lock_guard lock(mutex_);
    if (auto it = cached_.find(prefix); it != cached_.end() && usable(it->second)) return it->second;
  }
  auto stored = keys_.newest(prefix);
  if (!stored) return std::unexpected(stored.error());
  std::optional<pdf::SigningIdentity> found;
  if (*stored) {
    auto opened = unseal(**stored);
    if (!opened) return std::unexpected(opened.error());
    if (usable(*opened)) found = std::move(*opened);
  }
  if (!found) {
    auto made = pdf::issue_signing_certificate(ca, name, "", options_.certificate_days);
    if (!made) return std::unexpected(made.error());
    auto sealed = pdf::encrypt_private_key(made->key_pem, options_.key_passphrase);
    if (!sealed) return std::unexpected(sealed.error());
    std::string stamp = utc_now_iso();
    std::erase_if(stamp, [](char c) { return c == '-' || c == ':'; });
    auto kept = keys_.keep_first({prefix + stamp, *sealed, made->cert_pem, made->chain_pem, {}, {}});
    if (!kept) return std::unexpected(kept.error());
    auto opened = unseal(*kept);
    if (!opened) return std::unexpected(opened.error());
    found = std::move(*opened);
  }
  std::lock_guard lock(mutex_);
  cached_[prefix] = *found;
  return *found;
}

Status PdfSigner::check_keys() {
  auto ca = keys_.find(kCaName);
  if (!ca) return std::unexpected(ca.error());
  if (!*ca) return {};
  auto opened = unseal(**ca);
  if (!opened && opened.error().code == ErrorCode::IntegrityError) return std::unexpected(opened.error());
  if (!opened)
    return fail(ErrorCode::InvalidArgument,
                "the keys that sign reports cannot be opened with report_key_passphrase_file (" +
                    opened.error().detail + "); give this node the same passphrase file as the others");
  return {};
}

Result<std::string> PdfSigner::clinic_ca_pem() {
  auto ca = identity(kCaName, [&] { return pdf::make_clinic_ca(options_.clinic_name); });
  if (!ca) return std::unexpected(ca.error());
  return ca->cert_pem;
}

Result<SignedPdf> PdfSigner::sign(const SigningRequest& request) {
  auto ca = identity(kCaName, [&] { return pdf::make_clinic_ca(options_.clinic_name); });
  if (!ca) return std::unexpected(ca.error());
  auto signer = person(request.signer, request.signer_name, *ca);
  if (!signer) return std::unexpected(signer.error());
  pdf::ReportDocument doc = report_document(request, options_, zone_);
  if (auto drawn = key_images(request, doc.key_images); !drawn) return std::unexpected(drawn.error());
  doc.key_images_title = labels_for(options_.language)[kKeyImages];
  auto rendered = pdf::render_report(doc);
  if (!rendered) return std::unexpected(rendered.error());
  pdf::SignatureRequest how;
  how.signer_name = request.signer_name;
  how.reason = labels_for(options_.language)[request.version->kind == "addendum" ? kAddendum : kFinal];
  how.location = options_.clinic_city;
  how.signing_time = parse_instant(request.signed_at).value_or(Instant{});
  how.timestamp = options_.timestamp;
  auto signed_pdf = pdf::sign_pades(*rendered, *signer, how);
  if (!signed_pdf && signer->token_key && signed_pdf.error().code == ErrorCode::Internal) {
    // The module restarted, logged out or lost the key: opened again next time, and said plainly now.
    std::lock_guard lock(mutex_);
    std::erase_if(cached_, [&](const auto& entry) { return entry.first.starts_with(own_prefix(request.signer)); });
    return fail(ErrorCode::StateConflict, "The clinic's security module did not sign (" + signed_pdf.error().detail +
                                              "); nothing was signed: try again, and if it fails again ask an "
                                              "administrator to check the module");
  }
  if (!signed_pdf) return std::unexpected(signed_pdf.error());
  auto summary = pdf::certificate_summary(signer->cert_pem);
  if (!summary) return std::unexpected(summary.error());
  return SignedPdf{std::move(*signed_pdf), summary->subject, summary->serial};
}

// The key images of the version signed, then those of the versions it adds to (each image once).
Status PdfSigner::key_images(const SigningRequest& request, std::vector<pdf::KeyImage>& out) {
  // Those signed before are printed as far as the study still has them: an image deleted or an exam
  // linked to its right study since must not make the addendum (often the correction) unsignable.
  std::vector<std::pair<const KeyImage*, bool>> chosen;  // the image, and whether it must be drawn
  auto add = [&chosen](const ReportContent& c, bool required) {
    for (const auto& k : c.key_images)
      if (std::ranges::none_of(chosen, [&](const auto& o) { return o.first->sop_uid == k.sop_uid && o.first->frame == k.frame; }))
        chosen.emplace_back(&k, required);
  };
  add(request.version->content, true);
  if (request.version->kind == "addendum")
    for (const auto& earlier : request.report->versions)
      if (earlier.signature) add(earlier.content, false);
  if (chosen.empty() || !options_.key_images) return {};
  const Labels& l = labels_for(options_.language);
  for (const auto& [image, required] : chosen) {
    auto picture = options_.key_images(request.exam->view.study_uid, *image);
    if (!picture && (required || picture.error().code != ErrorCode::NotFound)) return std::unexpected(picture.error());
    if (picture) out.push_back({std::move(picture->png), key_image_caption(out.size() + 1, *image, *picture, l)});
  }
  return {};
}

Result<std::string> PdfSigner::letter(const ris::ReadingItem& exam, const ReportVersion& version,
                                      const std::string& language) {
  const std::string assessment = letter_assessment(version.content);
  if (assessment.empty() || !version.signature) return fail(ErrorCode::InvalidArgument, "no BI-RADS assessment signed");
  const Labels& l = labels_for(language);
  const LetterText text = letter_text(assessment, language);
  pdf::ReportDocument doc = on_letterhead(options_, language, text.title, exam, version);
  doc.patient_study = {{l[kPatient], exam.view.patient_name},
                       {l[kBirthDate], long_date(exam.view.birth_date, language)},
                       {l[kExam], procedures_of(exam)},
                       {l[kExamDate], long_date(local_minute(zone_, exam.view.appointment.starts_at).substr(0, 10), language)}};
  for (const LetterPart& part : text.parts) doc.sections.push_back({part.heading, part.body, {}});
  const std::string closing =
      replaced(replaced(text.closing, "{radiologist}", version.signature->signer_name), "{date}",
               long_date(local_minute(zone_, version.signature->signed_at).substr(0, 10), language));
  doc.sections.back().body += "\n\n" + closing;
  return pdf::render_report(doc);
}

Result<pdf::Verification> PdfSigner::verify(std::string_view pdf) {
  // The clinic's CA as this installation made it (its key opens with the passphrase and is the
  // certificate's): a CA certificate put in the database by anyone else is not trusted.
  auto ca = identity(kCaName, {});
  if (!ca) return std::unexpected(ca.error());
  return pdf::verify_pades(pdf, trusted_pem(ca->cert_pem));
}

}  // namespace vireo::reporting
