// The radiologists' side: the reading worklist (/api/reading), opening an exam to read it (its
// claim), its report's working text (autosaved), handing it on as preliminary, signing it after
// re-authenticating, and the signed versions with their PDFs. Thin: the rules are
// ris::Reading's and reporting::Reports's; re-authentication is auth's.
#include <algorithm>

#include "api/query_params.hpp"
#include "api/rest/appointment_answers.hpp"
#include "api/rest/reauthentication.hpp"
#include "api/rest/reporting_json.hpp"
#include "api/rest/ris_json.hpp"
#include "api/rest/routes.hpp"
#include "dicom/tags.hpp"
#include "reporting/letter.hpp"

namespace vireo::api {

namespace {
using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;
using ris_json::dump;
using ris_json::invalid;

// A report's text is larger than a form: 40 sections of up to 100,000 characters, in JSON.
constexpr size_t kMaxReportBody = 8 * 1024 * 1024;


// The exam of an order, performed; or the answer that there is none.
std::expected<ris::ReadingItem, HttpResponse> performed_exam(ris::Reading& reading, int64_t order_id) {
  auto exam = reading.item(order_id);
  if (!exam) return std::unexpected(http::problem(exam.error()));
  if (!*exam)
    return std::unexpected(http::problem(Error{ErrorCode::NotFound, "no exam of this order has been performed"}));
  return std::move(**exam);
}

// A projection study has a few images; a cross-sectional one's first images say its side as well
// as all would.
constexpr size_t kMaxLateralityImages = 64;

// The side an image's attributes (DICOM JSON, as kept at ingest) give: Image Laterality, else its
// series' Laterality; "" when neither.
std::string laterality_code(const std::string& metadata) {
  auto ds = json::parse(metadata, nullptr, false);
  if (!ds.is_object()) return {};
  for (const char* tag : {"00200062", "00200060"}) {
    auto it = ds.find(tag);
    if (it == ds.end() || !it->is_object()) continue;
    auto values = it->find("Value");
    if (values != it->end() && values->is_array() && !values->empty() && (*values)[0].is_string())
      return (*values)[0].get<std::string>();
  }
  return {};
}

// What the exam is of, for the text's checks at signing: the side its procedures' names say,
// and the side its images say.
Result<reporting::ExamSides> exam_sides(archive::Archive& archive, const ris::ReadingItem& exam) {
  reporting::ExamSides sides;
  std::string names;
  for (const auto& p : exam.procedures) names += p + "\n";
  sides.ordered = reporting::side_named_in(names, true);
  sides.paired = reporting::paired_part_named(names + exam.body_part);
  if (exam.view.study_uid.empty()) return sides;
  archive::FindQuery q{archive::Level::Instance, {{tag::kStudyInstanceUID, exam.view.study_uid}},
                       access::Scope::everything()};
  auto images = archive.locate(q);
  if (!images) return std::unexpected(images.error());
  if (images->size() > kMaxLateralityImages) images->resize(kMaxLateralityImages);
  auto metadata = archive.metadata(*images);
  if (!metadata) return std::unexpected(metadata.error());
  std::vector<std::string> codes;
  for (const auto& m : *metadata)
    if (m) codes.push_back(laterality_code(*m));
  sides.imaged = reporting::side_of_images(codes);
  return sides;
}

// How many frames an instance's attributes (DICOM JSON, as kept at ingest) say it has; 0 when it
// has no rows, not an image (a PDF, an SR, a presentation state).
int64_t frames_of(const std::string& metadata) {
  auto ds = json::parse(metadata, nullptr, false);
  auto first = [&ds](const char* tag) -> std::optional<int64_t> {
    auto it = ds.is_object() ? ds.find(tag) : ds.end();
    if (it == ds.end() || !it->is_object()) return std::nullopt;
    auto values = it->find("Value");
    if (values == it->end() || !values->is_array() || values->empty()) return std::nullopt;
    const json& v = (*values)[0];
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_string()) return std::atoll(v.get<std::string>().c_str());
    return std::nullopt;
  };
  if (!first("00280010")) return 0;
  return std::max<int64_t>(1, first("00280008").value_or(1));
}

// Key images that are not images of the exam's study (no longer in it, not an image, or past its
// last frame): their positions. `known`: those saved before, not looked up again (an image
// deleted since does not stop the text being saved; signing says so).
Result<std::vector<size_t>> foreign_key_images(archive::Archive& archive, const ris::ReadingItem& exam,
                                                        const std::vector<reporting::KeyImage>& list,
                                                        const std::vector<reporting::KeyImage>& known = {}) {
  std::vector<size_t> out;
  for (size_t i = 0; i < list.size() && i < reporting::kMaxKeyImages; ++i) {
    const auto& k = list[i];
    if (std::ranges::any_of(known, [&](const auto& o) {
          return o.sop_uid == k.sop_uid && o.series_uid == k.series_uid && o.frame == k.frame;
        }))
      continue;
    auto found = archive.instance(k.sop_uid, access::Scope::everything());
    if (!found && found.error().code != ErrorCode::NotFound) return std::unexpected(found.error());
    if (!found || exam.view.study_uid.empty() || found->study_uid != exam.view.study_uid ||
        found->series_uid != k.series_uid) {
      out.push_back(i);
      continue;
    }
    auto metadata = archive.metadata({*found});
    if (!metadata) return std::unexpected(metadata.error());
    if (metadata->empty() || !(*metadata)[0] || k.frame > frames_of(*(*metadata)[0])) out.push_back(i);
  }
  return out;
}

HttpResponse claim_answer(const HttpRequest& r, const Result<ris::Claimed>& done, const char* what) {
  if (!done) return http::problem(done.error());
  if (done->conflict) return conflict_problem(*done->conflict);
  r.audit.patient_id = done->value.view.mrn;
  r.audit.study_uid = done->value.view.study_uid;
  r.audit.detail = std::string(what) + " exam " + done->value.view.accession_number;
  return http::json_response(200, dump(reporting_json::reading_item(done->value)));
}

// Whose signed report a request touched, for the audit trail (the patient's MRN and the study).
void audit_exam(const HttpRequest& r, ris::Reading& reading, int64_t order_id) {
  if (auto exam = reading.item(order_id); exam && *exam) {
    r.audit.patient_id = (*exam)->view.mrn;
    r.audit.study_uid = (*exam)->view.study_uid;
  }
}

// The exam and its report, for the editor; the report is null until its first save.
HttpResponse exam_answer(const HttpRequest& r, const ris::ReadingItem& exam,
                         const std::optional<reporting::Report>& report, int status = 200) {
  r.audit.patient_id = exam.view.mrn;
  r.audit.study_uid = exam.view.study_uid;
  return http::json_response(status, dump({{"exam", reporting_json::reading_item(exam)},
                                           {"report", report ? reporting_json::report(*report) : json(nullptr)}}));
}

HttpResponse saved_answer(const HttpRequest& r, ris::Reading& reading, const Result<reporting::ReportSaved>& done,
                          const std::string& what) {
  if (!done) return http::problem(done.error());
  if (!done->invalid.empty()) return invalid(done->invalid);
  if (done->conflict) return reporting_json::conflict(*done->conflict);
  const reporting::Report& report = done->value;
  r.audit.detail = what + " report " + std::to_string(report.id) + " of exam " + report.accession_number;
  auto exam = reading.item(report.order_id);
  if (!exam) return http::problem(exam.error());
  if (!*exam) return http::problem(Error{ErrorCode::NotFound, "the exam is gone"});
  return exam_answer(r, **exam, report);
}

// The revision the editor saw: every change names it, so that a second window cannot
// overwrite the first.
Result<int64_t> revision_of(const json& body, std::vector<ris::FieldError>& errors) {
  const auto it = body.find("revision");
  if (it == body.end() || !it->is_number_integer() || it->get<int64_t>() < 0) {
    errors.push_back({"revision", "required", "revision: the report's revision as it was loaded (0 before it exists)"});
    return int64_t{0};
  }
  return it->get<int64_t>();
}

void worklist_routes(http::Router& router, ris::Reading& reading, reporting::Reports& reports) {
  router.add("GET", "/api/reading", "reporting.read", [&reading, &reports](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"scope", "modality", "priority", "limit", "offset"}); !s)
      return http::problem(s.error());
    auto page = page_of(r, 50, 200);
    if (!page) return http::problem(page.error());
    ris::ReadingQuery q;
    q.scope = r.query_value("scope").value_or("mine");
    q.modality = r.query_value("modality").value_or("");
    q.priority = r.query_value("priority").value_or("");
    q.limit = page->limit;
    q.offset = page->offset;
    auto list = reading.worklist(q, r.principal);
    if (!list) return http::problem(list.error());
    // How many reports of each patient's other exams are there to compare with.
    auto priors = reports.prior_report_counts(list->items, r.principal);
    if (!priors) return http::problem(priors.error());
    json items = json::array();
    std::string mrns;
    for (const auto& item : list->items) {
      json out = reporting_json::reading_item(item);
      auto n = priors->find(item.view.appointment.order_id);
      out["priorReports"] = n == priors->end() ? 0 : n->second;
      items.push_back(std::move(out));
      mrns += (mrns.empty() ? " " : ", ") + item.view.mrn;
    }
    r.audit.detail = "read the reading worklist (" + std::to_string(list->items.size()) + " of " +
                     std::to_string(list->total) + " exams" + (mrns.empty() ? "" : "; MRN" + mrns) + ")";
    return http::json_response(200, dump({{"items", items}, {"total", list->total}}));
  });
}

// The vocabularies of structured findings, for the editor's choices, in the reader's language;
void vocabulary_route(http::Router& router) {
  router.add("GET", "/api/reporting/vocabularies", "reporting.read", [](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"language"}); !s) return http::problem(s.error());
    const std::string language = r.query_value("language").value_or("en");
    if (language != "en" && language != "es" && language != "ca")
      return http::problem({ErrorCode::InvalidArgument, "language is en, es or ca"});
    return http::json_response(200, dump(reporting_json::vocabularies(language)));
  });
}

void exam_routes(http::Router& router, ris::Reading& reading, reporting::Reports& reports) {
  router.add("GET", "/api/reading/{orderId}", "reporting.read", [&reading, &reports](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    auto id = row_id(r.param("orderId"));
    if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
    auto exam = performed_exam(reading, *id);
    if (!exam) return exam.error();
    auto report = reports.of_order(*id, r.principal);
    if (!report) return http::problem(report.error());
    r.audit.detail = "read exam " + exam->view.accession_number + " and its report";
    return exam_answer(r, *exam, *report);
  });
  // The signed reports of the patient's exams before this one, to compare with.
  router.add("GET", "/api/reading/{orderId}/priors", "reporting.read", [&reading, &reports](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    auto id = row_id(r.param("orderId"));
    if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
    auto exam = performed_exam(reading, *id);
    if (!exam) return exam.error();
    auto priors = reports.prior_reports(*id, r.principal);
    if (!priors) return http::problem(priors.error());
    json items = json::array();
    std::string accessions;
    for (const auto& p : priors->items) {
      items.push_back(reporting_json::prior_report(p.exam, p.status, p.versions));
      accessions += (accessions.empty() ? "" : ", ") + p.exam.view.accession_number;
    }
    r.audit.patient_id = exam->view.mrn;
    r.audit.detail = "read the prior reports of exam " + exam->view.accession_number +
                     (accessions.empty() ? " (none)" : " (" + accessions + ")");
    return http::json_response(200, dump({{"items", items}, {"total", priors->total}}));
  });
  router.add("POST", "/api/reading/{orderId}/claim", "reporting.write", [&reading](const HttpRequest& r) {
    auto id = row_id(r.param("orderId"));
    if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
    return claim_answer(r, reading.claim(*id, r.principal), "opened to read");
  });
  // (reporting.read: an administrator frees an exam its reader left open; the domain checks who)
  router.add("DELETE", "/api/reading/{orderId}/claim", "reporting.read", [&reading](const HttpRequest& r) {
    auto id = row_id(r.param("orderId"));
    if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
    return claim_answer(r, reading.release(*id, r.principal), "left");
  });
}

void report_routes(http::Router& router, ris::Reading& reading, reporting::Reports& reports,
                   auth::AuthService& auth, archive::Archive& archive, reporting::PdfSigner& signer) {
  // The working text: the report's until it is signed (PUT .../report), then an addendum's
  // (PUT .../report/addendum).
  auto save = [&reading, &reports, &archive](reporting::Reports::Draft kind) {
    return [&reading, &reports, &archive, kind](const HttpRequest& r) {
      auto id = row_id(r.param("orderId"));
      if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
      auto body = ris_json::object_body(r, kMaxReportBody, "the report");
      if (!body) return http::problem(body.error());
      std::vector<ris::FieldError> errors;
      auto revision = revision_of(*body, errors);
      auto content = reporting_json::content_of(*body, errors);
      if (!content) return http::problem(content.error());
      if (!errors.empty()) return invalid(errors);
      if (!content->key_images.empty()) {
        auto exam = performed_exam(reading, *id);
        if (!exam) return exam.error();
        auto saved = reports.of_order(*id, r.principal);
        if (!saved) return http::problem(saved.error());
        auto foreign = foreign_key_images(archive, *exam, content->key_images,
                                          *saved ? (*saved)->draft.key_images : std::vector<reporting::KeyImage>{});
        if (!foreign) return http::problem(foreign.error());
        for (size_t i : *foreign)
          errors.push_back({"keyImages/" + std::to_string(i) + "/sopInstanceUid", "not_in_study",
                            "Key image " + std::to_string(i + 1) + " is not an image of this exam's study"});
        if (!errors.empty()) return invalid(errors);
      }
      return saved_answer(r, reading, reports.save_draft(*id, *revision, *content, r.principal, kind),
                          kind == reporting::Reports::Draft::Report ? "saved" : "saved the addendum of");
    };
  };
  router.add("PUT", "/api/reading/{orderId}/report", "reporting.write", save(reporting::Reports::Draft::Report));
  router.add("PUT", "/api/reading/{orderId}/report/addendum", "reporting.write",
             save(reporting::Reports::Draft::Addendum));
  router.add("POST", "/api/reading/{orderId}/report/preliminary", "reporting.write",
             [&reading, &reports](const HttpRequest& r) {
               auto id = row_id(r.param("orderId"));
               if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
               auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "the request");
               if (!body) return http::problem(body.error());
               std::vector<ris::FieldError> errors;
               ris_json::Reader in(*body, errors);
               in.also("revision");
               auto revision = revision_of(*body, errors);
               if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
               if (!errors.empty()) return invalid(errors);
               return saved_answer(r, reading, reports.submit_preliminary(*id, *revision, r.principal),
                                   "handed on as preliminary");
             });
  router.add("GET", "/api/reading/{orderId}/report/checks", "reporting.sign",
             [&reading, &reports, &archive](const HttpRequest& r) {
               if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
               auto id = row_id(r.param("orderId"));
               if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
               auto exam = performed_exam(reading, *id);
               if (!exam) return exam.error();
               auto sides = exam_sides(archive, *exam);
               if (!sides) return http::problem(sides.error());
               auto checks = reports.sign_checks_of(*id, *sides, r.principal);
               if (!checks) return http::problem(checks.error());
               return http::json_response(200, dump(json{{"checks", reporting_json::sign_checks(*checks)}}));
             });
  router.add("POST", "/api/reading/{orderId}/report/sign", "reporting.sign",
             [&reading, &reports, &auth, &archive, &signer](const HttpRequest& r) {
               auto id = row_id(r.param("orderId"));
               if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
               auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "the signature");
               if (!body) return http::problem(body.error());
               std::vector<ris::FieldError> errors;
               ris_json::Reader in(*body, errors);
               in.also("revision");
               auto revision = revision_of(*body, errors);
               std::string secret;
               in.text("reauthentication", secret);
               reporting::Reports::SignContext context;
               in.texts("acknowledged", context.acknowledged);
               if (secret.empty())
                 errors.push_back({"reauthentication", "required",
                                   "Your password (or the code of your authenticator app) confirms the signature"});
               if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
               if (!errors.empty()) return invalid(errors);
               auto exam = performed_exam(reading, *id);
               if (!exam) return exam.error();
               r.audit.patient_id = exam->view.mrn;
               r.audit.study_uid = exam->view.study_uid;
               auto sides = exam_sides(archive, *exam);
               if (!sides) return http::problem(sides.error());
               context.sides = *sides;
               // The warnings it is signed past are the radiologist's to answer for: on the record.
               auto checks = reports.sign_checks_of(*id, *sides, r.principal);
               if (!checks) return http::problem(checks.error());
               std::string signed_past;
               for (const auto& c : *checks)
                 if (std::ranges::find(context.acknowledged, c.rule) != context.acknowledged.end() ||
                     std::ranges::find(context.acknowledged, reporting::acknowledgement_of(c)) !=
                         context.acknowledged.end())
                   signed_past += (signed_past.empty() ? "" : "; ") + c.rule + " (" + c.detail + ")";
               // Refused before the radiologist's code is spent on it (a code is good once).
               auto ahead = reports.check_sign(*id, *revision, r.principal, context);
               if (!ahead) return http::problem(ahead.error());
               if (!*ahead) {
                 auto report = reports.of_order(*id, r.principal);
                 if (!report) return http::problem(report.error());
                 auto gone = foreign_key_images(archive, *exam, *report ? (*report)->draft.key_images
                                                                        : std::vector<reporting::KeyImage>{});
                 if (!gone) return http::problem(gone.error());
                 if (!gone->empty())
                   *ahead = reporting::ReportConflict{"key_image_missing",
                                                      "Key image " + std::to_string(gone->front() + 1) +
                                                          " is no longer in this exam's study; remove it before signing"};
               }
               if (!*ahead) {
                 auto can = signer.check_can_sign(r.principal.username);
                 if (!can && can.error().code != ErrorCode::StateConflict) return http::problem(can.error());
                 if (!can) *ahead = reporting::ReportConflict{"certificate_unusable", can.error().detail};
               }
               if (*ahead) {
                 r.audit.detail = "refused to sign the report of exam " + exam->view.accession_number + ": " +
                                  (*ahead)->rule;
                 return reporting_json::conflict(**ahead);
               }
               if (auto refused = reauthentication_refused(auth, r, secret)) {
                 r.audit.detail = "refused to sign the report of exam " + exam->view.accession_number +
                                  ": re-authentication failed";
                 return *refused;
               }
               auto done = reports.sign(*id, *revision, r.principal, r.remote_address, context);
               std::string what = "signed";
               if (done && done->saved() && !done->value.versions.empty()) {
                 const auto& v = done->value.versions.back();
                 what = "signed version " + std::to_string(v.number) + " (" + v.kind + ", PDF SHA-256 " +
                        (v.signature ? v.signature->pdf_sha256 : std::string()) + ") of";
                 if (!signed_past.empty()) what = "acknowledged the warnings " + signed_past + " and " + what;
               }
               return saved_answer(r, reading, done, what);
             });
  router.add("GET", "/api/reading/{orderId}/report/versions/{number}/pdf", "reporting.read",
             [&reading, &reports](const HttpRequest& r) {
               if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
               auto id = row_id(r.param("orderId"));
               auto number = row_id(r.param("number"));
               if (!id || !number) return http::problem(Error{ErrorCode::NotFound, "no such version"});
               auto file = reports.signed_pdf(*id, *number, r.principal);
               if (!file) return http::problem(file.error());
               audit_exam(r, reading, *id);
               r.audit.detail = "read signed report PDF version " + std::to_string(*number);
               HttpResponse res;
               res.status = 200;
               res.content_type = "application/pdf";
               res.headers.emplace_back("Content-Disposition", "inline; filename=\"report-" + std::to_string(*id) +
                                                                   "-" + std::to_string(*number) + ".pdf\"");
               res.body = std::move(file->pdf);
               return res;
             });
}

// A held sensitive result released early by a radiologist.
void release_route(http::Router& router, ris::Reading& reading, reporting::Reports& reports,
                   reporting::Releases& releases) {
  router.add("POST", "/api/reading/{orderId}/report/release", "reporting.sign",
             [&reading, &reports, &releases](const HttpRequest& r) {
               if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
               auto id = row_id(r.param("orderId"));
               if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
               auto exam = performed_exam(reading, *id);
               if (!exam) return exam.error();
               auto released = releases.release_now(*id, r.principal);
               if (!released) return http::problem(released.error());
               if (*released == 0)
                 return reporting_json::conflict({"not_held", "No signed version of this report is held: it is out already"});
               auto report = reports.of_order(*id, r.principal);
               if (!report) return http::problem(report.error());
               auto now = reading.item(*id);
               if (!now) return http::problem(now.error());
               r.audit.detail = "released early " + std::to_string(*released) + " held version(s) of the report of exam " +
                                exam->view.accession_number;
               return exam_answer(r, *now ? **now : *exam, *report);
             });
}

// A signed version checked as it is stored: its SHA-256 against the one recorded apart, and its
// PAdES signature against the clinic's CA.
void verify_route(http::Router& router, ris::Reading& reading, reporting::Reports& reports,
                  reporting::PdfSigner& signer) {
  router.add("GET", "/api/reading/{orderId}/report/versions/{number}/verify", "reporting.read",
             [&reading, &reports, &signer](const HttpRequest& r) {
               if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
               auto id = row_id(r.param("orderId"));
               auto number = row_id(r.param("number"));
               if (!id || !number) return http::problem(Error{ErrorCode::NotFound, "no such version"});
               auto file = reports.signed_pdf(*id, *number, r.principal);
               if (!file) return http::problem(file.error());
               audit_exam(r, reading, *id);
               auto check = signer.verify(file->pdf);
               if (!check) return http::problem(check.error());
               r.audit.detail = "verified signed report version " + std::to_string(*number) + " of order " +
                                std::to_string(*id);
               return http::json_response(200, dump(reporting_json::verification(*check, file->pdf, file->sha256)));
             });
}

}  // namespace

// The patient's plain-language letter of a breast imaging result, once the report is released.
void letter_route(http::Router& router, ris::Reading& reading, reporting::Reports& reports,
                  reporting::PdfSigner& signer) {
  router.add("GET", "/api/reading/{orderId}/report/letter", "reporting.read",
             [&reading, &reports, &signer](const HttpRequest& r) {
               if (auto s = only_parameters(r, {"language"}); !s) return http::problem(s.error());
               const std::string language = r.query_value("language").value_or("en");
               if (language != "en" && language != "es" && language != "ca")
                 return http::problem({ErrorCode::InvalidArgument, "language is en, es or ca"});
               auto id = row_id(r.param("orderId"));
               if (!id) return http::problem(Error{ErrorCode::NotFound, "no such exam"});
               auto source = reports.letter_source(*id, r.principal);
               if (!source) return http::problem(source.error());
               if (source->conflict) return reporting_json::conflict(*source->conflict);
               auto file = signer.letter(source->exam, source->version, language);
               if (!file) return http::problem(file.error());
               audit_exam(r, reading, *id);
               r.audit.detail = "printed the patient's result letter (BI-RADS " +
                                reporting::letter_assessment(source->version.content) + ", " + language +
                                ") of signed version " + std::to_string(source->version.number);
               HttpResponse res;
               res.status = 200;
               res.content_type = "application/pdf";
               res.headers.emplace_back("Content-Disposition", "inline; filename=\"letter-" + std::to_string(*id) + ".pdf\"");
               res.body = std::move(*file);
               return res;
             });
}

void register_reporting_routes(http::Router& router, ris::Reading& reading, reporting::Reports& reports,
                               reporting::PdfSigner& signer, auth::AuthService& auth, archive::Archive& archive,
                               reporting::Releases& releases) {
  letter_route(router, reading, reports, signer);
  worklist_routes(router, reading, reports);
  vocabulary_route(router);
  exam_routes(router, reading, reports);
  report_routes(router, reading, reports, auth, archive, signer);
  verify_route(router, reading, reports, signer);
  release_route(router, reading, reports, releases);
  register_signing_certificate_routes(router, signer, reports, auth);
}

}  // namespace vireo::api
