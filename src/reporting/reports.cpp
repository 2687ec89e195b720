#include "reporting/reports.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <iterator>
#include <unordered_set>

#include "core/base64.hpp"
#include "core/clock.hpp"
#include "core/sha256.hpp"
#include "reporting/letter.hpp"
#include "reporting/release.hpp"
#include "reporting/template_store.hpp"
#include "reporting/vocabularies.hpp"
#include "ris/catalogue_store.hpp"

namespace vireo::reporting {

namespace {

constexpr const char* kRead = "reporting.read";
constexpr const char* kWrite = "reporting.write";
constexpr const char* kSign = "reporting.sign";

constexpr const char* kReportColumns =
    "id, order_id, status, template_code, draft_revision, draft_saved_at, draft_saved_by, created_at, created_by, "
    "updated_at";

bool is_signed(const std::string& status) { return status == "final" || status == "amended"; }

Report report_of(const Row& r) {
  Report out;
  out.id = r.integer(0);
  out.order_id = r.integer(1);
  out.status = r.text(2);
  out.draft.template_code = r.text(3);
  out.draft_revision = r.integer(4);
  out.draft_saved_at = r.text(5);
  out.draft_saved_by = r.text(6);
  out.created_at = r.text(7);
  out.created_by = r.text(8);
  out.updated_at = r.text(9);
  return out;
}

// The rows of a content's table: the working text's (no number) or a version's, in `order`.
Result<std::vector<Row>> content_rows(Connection& c, const char* columns, const char* table, int64_t report_id,
                                      std::optional<int64_t> number, const char* order = "position") {
  std::string sql = std::string("SELECT ") + columns + " FROM " + table + " WHERE report_id = ?";
  std::vector<SqlValue> args{report_id};
  if (number) {
    sql += " AND number = ?";
    args.emplace_back(*number);
  }
  return c.query(sql + " ORDER BY " + order, std::span<const SqlValue>(args));
}

Result<std::vector<ReportSection>> sections(Connection& c, const char* table, int64_t report_id,
                                            std::optional<int64_t> number) {
  auto rows = content_rows(c, "section_key, title, body", table, report_id, number);
  if (!rows) return std::unexpected(rows.error());
  std::vector<ReportSection> out;
  for (const auto& r : *rows) out.push_back({r.text(0), r.text(1), r.text(2)});
  return out;
}

Result<std::vector<CodedFinding>> findings(Connection& c, const char* table, int64_t report_id,
                                           std::optional<int64_t> number) {
  auto rows = content_rows(c, "finding, system, field, value", table, report_id, number, "finding, position");
  if (!rows) return std::unexpected(rows.error());
  std::vector<CodedFinding> out;
  int64_t current = -1;
  for (const auto& r : *rows) {
    if (r.integer(0) != current) {
      current = r.integer(0);
      out.push_back({r.text(1), {}});
    }
    out.back().values.emplace_back(r.text(2), r.text(3));
  }
  return out;
}

Status insert_findings(Connection& c, const char* table, int64_t report_id, std::optional<int64_t> number,
                       const std::vector<CodedFinding>& list) {
  for (size_t f = 0; f < list.size(); ++f) {
    int64_t position = 0;
    for (const auto& [field, value] : list[f].values) {
      const auto finding = static_cast<int64_t>(f);
      Status done = number ? c.execute(std::string("INSERT INTO ") + table +
                                           " (report_id, number, finding, position, system, field, value) VALUES (?, "
                                           "?, ?, ?, ?, ?, ?)",
                                       {report_id, *number, finding, position++, list[f].system, field, value})
                           : c.execute(std::string("INSERT INTO ") + table +
                                           " (report_id, finding, position, system, field, value) VALUES (?, ?, ?, "
                                           "?, ?, ?)",
                                       {report_id, finding, position++, list[f].system, field, value});
      if (!done) return done;
    }
  }
  return {};
}

// A window as kept: the shortest decimal that reads back as the same double ("" for none), so
// that both engines keep it exactly without a floating-point column.
std::string window_text(std::optional<double> v) {
  if (!v) return {};
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *v);
  return ec == std::errc() ? std::string(buffer, end) : std::string();
}

std::optional<double> window_of(const std::string& text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

Result<std::vector<KeyImage>> key_images(Connection& c, const char* table, int64_t report_id,
                                         std::optional<int64_t> number) {
  auto rows = content_rows(c, "series_uid, sop_uid, frame, window_center, window_width, caption", table, report_id,
                           number);
  if (!rows) return std::unexpected(rows.error());
  std::vector<KeyImage> out;
  for (const auto& r : *rows)
    out.push_back({r.text(0), r.text(1), r.integer(2), window_of(r.text(3)), window_of(r.text(4)), r.text(5)});
  return out;
}

Status insert_key_images(Connection& c, const char* table, int64_t report_id, std::optional<int64_t> number,
                         const std::vector<KeyImage>& list) {
  int64_t position = 0;
  for (const auto& k : list) {
    std::vector<SqlValue> args{report_id};
    if (number) args.emplace_back(*number);
    for (SqlValue v : std::initializer_list<SqlValue>{position++, k.series_uid, k.sop_uid, k.frame,
                                                      window_text(k.window_center), window_text(k.window_width),
                                                      k.caption})
      args.push_back(std::move(v));
    const std::string columns = std::string(number ? "report_id, number, " : "report_id, ") +
                                "position, series_uid, sop_uid, frame, window_center, window_width, caption";
    const std::string marks = number ? "?, ?, ?, ?, ?, ?, ?, ?, ?" : "?, ?, ?, ?, ?, ?, ?, ?";
    if (auto s = c.execute(std::string("INSERT INTO ") + table + " (" + columns + ") VALUES (" + marks + ")",
                           std::span<const SqlValue>(args));
        !s)
      return s;
  }
  return {};
}

Result<std::vector<ReportVersion>> versions(Connection& c, int64_t report_id) {
  auto rows = c.query(
      "SELECT v.number, v.kind, v.template_code, v.author, v.author_name, v.created_at, s.signer, s.signer_name, "
      "s.signed_at, s.signed_from, s.certificate_subject, s.certificate_serial, s.pdf_sha256, s.number, l.number, "
      "l.sensitive, l.due_at, l.released_at, l.released_by FROM rep_versions v LEFT JOIN rep_signatures s ON "
      "s.report_id = v.report_id AND s.number = v.number LEFT JOIN rep_releases l ON l.report_id = v.report_id AND "
      "l.number = v.number WHERE v.report_id = ? ORDER BY v.number",
      {report_id});
  if (!rows) return std::unexpected(rows.error());
  std::vector<ReportVersion> out;
  for (const auto& r : *rows) {
    ReportVersion& v = out.emplace_back();
    v.number = r.integer(0);
    v.kind = r.text(1);
    v.content.template_code = r.text(2);
    v.author = r.text(3);
    v.author_name = r.text(4);
    v.created_at = r.text(5);
    if (!r.is_null(13))
      v.signature = Signature{r.text(6), r.text(7), r.text(8), r.text(9), r.text(10), r.text(11), r.text(12)};
    if (!r.is_null(14)) v.release = Release{r.integer(15) != 0, r.text(16), r.text(17), r.text(18)};
    auto s = sections(c, "rep_version_sections", report_id, v.number);
    if (!s) return std::unexpected(s.error());
    v.content.sections = std::move(*s);
    auto f = findings(c, "rep_version_findings", report_id, v.number);
    if (!f) return std::unexpected(f.error());
    v.content.findings = std::move(*f);
    auto k = key_images(c, "rep_version_key_images", report_id, v.number);
    if (!k) return std::unexpected(k.error());
    v.content.key_images = std::move(*k);
  }
  return out;
}

Result<std::optional<Report>> load(Connection& c, int64_t order_id) {
  auto rows = c.query(std::string("SELECT ") + kReportColumns + " FROM rep_reports WHERE order_id = ?", {order_id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<Report>();
  Report report = report_of((*rows)[0]);
  // Whose and which study: the order's as it is now (a merge, an unmerge or a study linked again
  // moves the order, and the report with it), never a copy made when the report began.
  auto exam = ris::reading_item(c, order_id);
  if (!exam) return std::unexpected(exam.error());
  if (*exam) {
    report.patient_id = (*exam)->view.patient_id;
    report.accession_number = (*exam)->view.accession_number;
    report.study_uid = (*exam)->view.study_uid;
  }
  auto draft = sections(c, "rep_draft_sections", report.id, std::nullopt);
  if (!draft) return std::unexpected(draft.error());
  report.draft.sections = std::move(*draft);
  auto coded = findings(c, "rep_draft_findings", report.id, std::nullopt);
  if (!coded) return std::unexpected(coded.error());
  report.draft.findings = std::move(*coded);
  auto pictures = key_images(c, "rep_draft_key_images", report.id, std::nullopt);
  if (!pictures) return std::unexpected(pictures.error());
  report.draft.key_images = std::move(*pictures);
  auto all = versions(c, report.id);
  if (!all) return std::unexpected(all.error());
  report.versions = std::move(*all);
  return std::optional<Report>(std::move(report));
}

Status insert_sections(Connection& c, const char* table, int64_t report_id, std::optional<int64_t> number,
                       const std::vector<ReportSection>& list) {
  int64_t position = 0;
  for (const auto& s : list) {
    Status done = number ? c.execute(std::string("INSERT INTO ") + table +
                                         " (report_id, number, position, section_key, title, body) VALUES (?, ?, ?, ?, "
                                         "?, ?)",
                                     {report_id, *number, position++, s.key, s.title, s.text})
                         : c.execute(std::string("INSERT INTO ") + table +
                                         " (report_id, position, section_key, title, body) VALUES (?, ?, ?, ?, ?)",
                                     {report_id, position++, s.key, s.title, s.text});
    if (!done) return done;
  }
  return {};
}

// A content's sections, structured findings and key images, as the working text (no number) or a version.
Status insert_content(Connection& c, int64_t report_id, std::optional<int64_t> number, const ReportContent& content) {
  if (auto s = insert_sections(c, number ? "rep_version_sections" : "rep_draft_sections", report_id, number,
                               content.sections);
      !s)
    return s;
  if (auto s = insert_findings(c, number ? "rep_version_findings" : "rep_draft_findings", report_id, number,
                               content.findings);
      !s)
    return s;
  return insert_key_images(c, number ? "rep_version_key_images" : "rep_draft_key_images", report_id, number,
                           content.key_images);
}

Status clear_draft(Connection& c, int64_t report_id) {
  for (const char* sql : {"DELETE FROM rep_draft_sections WHERE report_id = ?",
                          "DELETE FROM rep_draft_findings WHERE report_id = ?",
                          "DELETE FROM rep_draft_key_images WHERE report_id = ?"})
    if (auto s = c.execute(sql, {report_id}); !s) return s;
  return {};
}

using ris::rows::staff_name;

events::Event report_event(const char* topic, const Report& r, int64_t version) {
  return {topic,
          {{"report", std::to_string(r.id)},
           {"order", std::to_string(r.order_id)},
           {"accession", r.accession_number},
           {"patient", std::to_string(r.patient_id)},
           {"version", std::to_string(version)}}};
}

// Who may change the report's text now: while it is unsigned, the radiologist reading the exam;
// once signed, any radiologist (an addendum).
std::optional<ReportConflict> writer_conflict(const std::optional<Report>& report, const ris::ReadingItem& exam,
                                              const access::Principal& actor) {
  if (report && is_signed(report->status)) return std::nullopt;
  const std::string& st = exam.view.order_status;
  if (st != "in_reading" && st != "preliminary")
    return ReportConflict{"exam_state", st == "acquired" ? "Open the exam from the reading worklist to report it"
                                                         : "This exam is not waiting for a report"};
  if (exam.reading_by.empty())
    return ReportConflict{"not_claimed", "Open the exam from the reading worklist to report it"};
  if (exam.reading_by != actor.username)
    return ReportConflict{"reading_claimed", (exam.reading_by_name.empty() ? exam.reading_by : exam.reading_by_name) +
                                                 " is reading this exam; only they write its report now"};
  return std::nullopt;
}

// Whether the working text says anything a report must: more than what the order gave it
// (the clinical information) and the usual preamble; for an addendum, anything.
bool has_reported_text(const ReportContent& content, bool addendum) {
  return !content.findings.empty() || std::ranges::any_of(content.sections, [&](const ReportSection& s) {
    const bool preamble = s.key == "indication" || s.key == "technique" || s.key == "comparison";
    return (addendum || !preamble) && s.text.find_first_not_of(" \t\r\n") != std::string::npos;
  });
}

std::optional<ReportConflict> revision_conflict(const std::optional<Report>& report, int64_t seen_revision) {
  const int64_t now = report ? report->draft_revision : 0;
  if (now == seen_revision) return std::nullopt;
  return ReportConflict{"stale", "The report was changed elsewhere since it was opened (another window?); reload it"};
}

}  // namespace

std::optional<ReportConflict> sign_conflict(const std::optional<Report>& report, const ris::ReadingItem& exam,
                                            int64_t seen_revision, const access::Principal& actor) {
  if (auto c = writer_conflict(report, exam, actor)) return c;
  if (auto c = revision_conflict(report, seen_revision)) return c;
  const bool addendum = report && is_signed(report->status);
  if (!report || report->draft.empty())
    return addendum ? ReportConflict{"already_signed", "This report is signed already; write an addendum to add to it"}
                    : ReportConflict{"empty_report", "An empty report cannot be signed"};
  if (!has_reported_text(report->draft, addendum))
    return ReportConflict{"empty_report", "Write the findings or the impression before signing"};
  // An addendum's working text is shared while it is written; each signs only their own.
  if (addendum && report->draft_saved_by != actor.username)
    return ReportConflict{"not_your_draft", "This addendum was last written by " + report->draft_saved_by +
                                                "; add to it and save before signing it as yours"};
  return std::nullopt;
}

bool ReportContent::empty() const {
  return findings.empty() && std::ranges::all_of(sections, [](const ReportSection& s) {
    return std::ranges::all_of(s.text, [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
  });
}

std::vector<FieldError> check_content(const ReportContent& content) {
  std::vector<FieldError> out;
  if (content.sections.size() > kMaxSections)
    out.push_back({"sections", "too_many", "A report has at most " + std::to_string(kMaxSections) + " sections"});
  if (content.template_code.size() > 64)
    out.push_back({"templateCode", "too_long", "A template's code has at most 64 characters"});
  std::vector<std::string> keys;
  for (size_t i = 0; i < content.sections.size() && i < kMaxSections; ++i) {
    const auto& s = content.sections[i];
    const std::string field = "sections/" + std::to_string(i);
    const bool key_ok = !s.key.empty() && s.key.size() <= 40 && std::ranges::all_of(s.key, [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!key_ok) out.push_back({field + "/key", "format", "A section's key is 1 to 40 of a-z, 0-9 and _"});
    else if (std::ranges::find(keys, s.key) != keys.end())
      out.push_back({field + "/key", "duplicate", "Each section appears once"});
    keys.push_back(s.key);
    if (s.title.size() > 200) out.push_back({field + "/title", "too_long", "A section's title has at most 200 characters"});
    if (s.text.size() > kMaxSectionText)
      out.push_back({field + "/text", "too_long", "A section has at most 100,000 characters"});
  }
  if (content.findings.size() > kMaxFindings)
    out.push_back({"findings", "too_many", "A report has at most " + std::to_string(kMaxFindings) + " structured findings"});
  for (size_t i = 0; i < content.findings.size() && i < kMaxFindings; ++i)
    std::ranges::move(check_finding(content.findings[i], i), std::back_inserter(out));
  std::ranges::move(check_key_images(content.key_images), std::back_inserter(out));
  return out;
}

std::vector<FieldError> check_key_images(const std::vector<KeyImage>& list) {
  std::vector<FieldError> out;
  if (list.size() > kMaxKeyImages)
    out.push_back({"keyImages", "too_many", "A report has at most " + std::to_string(kMaxKeyImages) + " key images"});
  auto uid = [](const std::string& u) {
    return !u.empty() && u.size() <= 64 && std::ranges::all_of(u, [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  };
  for (size_t i = 0; i < list.size() && i < kMaxKeyImages; ++i) {
    const KeyImage& k = list[i];
    const std::string field = "keyImages/" + std::to_string(i);
    if (!uid(k.series_uid)) out.push_back({field + "/seriesInstanceUid", "format", "A Series Instance UID: digits and dots"});
    if (!uid(k.sop_uid)) out.push_back({field + "/sopInstanceUid", "format", "A SOP Instance UID: digits and dots"});
    if (k.frame < 1 || k.frame > 100'000) out.push_back({field + "/frame", "range", "A frame number, from 1"});
    if (k.window_center.has_value() != k.window_width.has_value())
      out.push_back({field + "/windowWidth", "required", "A window is its centre and its width, both or neither"});
    else if (k.window_width && !(*k.window_width >= 1 && *k.window_width <= 1e9 && std::abs(*k.window_center) <= 1e9))
      out.push_back({field + "/windowWidth", "range", "A window's width is at least 1"});
    // Characters as the editor counts them, not bytes: 200 accented letters are a caption too.
    const auto characters = std::ranges::count_if(k.caption, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
    if (characters > 200) out.push_back({field + "/caption", "too_long", "A caption has at most 200 characters"});
    for (size_t j = 0; j < i; ++j)
      if (list[j].sop_uid == k.sop_uid && list[j].frame == k.frame)
        out.push_back({field, "duplicate", "This image is a key image of the report already"});
  }
  return out;
}

Result<std::unique_ptr<Reports>> Reports::open(Database& db, WriteQueue& writes, const events::Outbox& outbox,
                                               Signer& signer, const ReleaseRule& release, const Clock& clock,
                                               const MigrationProgress& progress) {
  if (auto s = migrate(db, "reporting", migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<Reports>(new Reports(db, writes, outbox, signer, release, clock));
}

Result<std::string> Reports::signer_name(const std::string& username) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return staff_name(**c, username);
}

Result<std::optional<Report>> Reports::of_order(int64_t order_id, const access::Principal& actor) {
  if (!actor.may(kRead)) return fail(ErrorCode::Forbidden, "Your role does not read reports");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return load(**c, order_id);
}

namespace {

// Of these orders, those whose report is signed.
Result<std::unordered_set<int64_t>> signed_orders(Connection& c, const std::vector<int64_t>& order_ids) {
  constexpr size_t kChunk = 500;  // an IN (...) list far below either engine's limit on parameters
  std::unordered_set<int64_t> out;
  for (size_t from = 0; from < order_ids.size(); from += kChunk) {
    const size_t n = std::min(kChunk, order_ids.size() - from);
    std::vector<SqlValue> args(order_ids.begin() + static_cast<std::ptrdiff_t>(from),
                               order_ids.begin() + static_cast<std::ptrdiff_t>(from + n));
    auto rows = c.query("SELECT order_id FROM rep_reports WHERE status IN ('final', 'amended') AND order_id IN (" +
                            placeholders(n) + ")",
                        std::span<const SqlValue>(args));
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) out.insert(r.integer(0));
  }
  return out;
}

// An exam performed before another: booked to start earlier, or at the same time and booked first.
bool before(const ris::PerformedExam& a, const std::string& starts_at, int64_t order_id) {
  return a.starts_at < starts_at || (a.starts_at == starts_at && a.order_id < order_id);
}

// The signed exams of the patients of `exams` (performed_exams_of), with the orders signed among them.
struct SignedExams {
  std::vector<ris::PerformedExam> performed;
  std::unordered_set<int64_t> reported;
};
Result<SignedExams> signed_exams_of(Connection& c, const std::vector<int64_t>& patients) {
  SignedExams out;
  auto performed = ris::performed_exams_of(c, patients);
  if (!performed) return std::unexpected(performed.error());
  std::vector<int64_t> ids;
  for (const auto& e : *performed) ids.push_back(e.order_id);
  auto reported = signed_orders(c, ids);
  if (!reported) return std::unexpected(reported.error());
  out.performed = std::move(*performed);
  out.reported = std::move(*reported);
  return out;
}

}  // namespace

Result<Reports::PriorReports> Reports::prior_reports(int64_t order_id, const access::Principal& actor) {
  if (!actor.may(kRead)) return fail(ErrorCode::Forbidden, "Your role does not read reports");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto exam = ris::reading_item(**c, order_id);
  if (!exam) return std::unexpected(exam.error());
  if (!*exam) return fail(ErrorCode::NotFound, "no exam of this order has been performed");
  auto all = signed_exams_of(**c, {(*exam)->view.patient_id});
  if (!all) return std::unexpected(all.error());
  std::vector<ris::PerformedExam> earlier;
  for (const auto& e : all->performed)
    if (all->reported.contains(e.order_id) && before(e, (*exam)->view.appointment.starts_at, order_id))
      earlier.push_back(e);
  std::ranges::sort(earlier, [](const auto& a, const auto& b) { return before(b, a.starts_at, a.order_id); });
  PriorReports out;
  out.total = std::ssize(earlier);
  if (earlier.size() > kMaxPriorReports) earlier.resize(kMaxPriorReports);
  std::vector<int64_t> ids;
  for (const auto& e : earlier) ids.push_back(e.order_id);
  auto items = ris::reading_items(**c, ids);  // the latest first
  if (!items) return std::unexpected(items.error());
  for (auto& item : *items) {
    auto report = load(**c, item.view.appointment.order_id);
    if (!report) return std::unexpected(report.error());
    if (!*report) continue;
    PriorReport& prior = out.items.emplace_back();
    prior.status = (*report)->status;
    for (auto& v : (*report)->versions)
      if (v.signature) prior.versions.push_back(std::move(v));
    prior.exam = std::move(item);
  }
  return out;
}

Result<std::map<int64_t, int64_t>> Reports::prior_report_counts(const std::vector<ris::ReadingItem>& exams,
                                                                const access::Principal& actor) {
  if (!actor.may(kRead)) return fail(ErrorCode::Forbidden, "Your role does not read reports");
  std::map<int64_t, int64_t> out;
  if (exams.empty()) return out;
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  std::vector<int64_t> patients;
  for (const auto& e : exams) patients.push_back(e.view.patient_id);
  std::ranges::sort(patients);
  patients.erase(std::unique(patients.begin(), patients.end()), patients.end());
  auto all = signed_exams_of(**c, patients);
  if (!all) return std::unexpected(all.error());
  std::map<int64_t, std::vector<const ris::PerformedExam*>> signed_by_patient;
  for (const auto& e : all->performed)
    if (all->reported.contains(e.order_id)) signed_by_patient[e.patient_id].push_back(&e);
  for (const auto& exam : exams) {
    const int64_t order = exam.view.appointment.order_id;
    int64_t n = 0;
    for (const auto* e : signed_by_patient[exam.view.patient_id])
      if (before(*e, exam.view.appointment.starts_at, order)) ++n;
    if (n > 0) out[order] = n;
  }
  return out;
}

Result<ReportSaved> Reports::save_draft(int64_t order_id, int64_t seen_revision, const ReportContent& content,
                                        const access::Principal& actor, Draft kind) {
  if (!actor.may(kWrite)) return fail(ErrorCode::Forbidden, "Only a radiologist writes reports");
  ReportSaved out;
  out.invalid = check_content(content);
  if (!out.invalid.empty()) return out;
  return writes_.run<ReportSaved>([&](Connection& c) -> Result<ReportSaved> {
    auto exam = ris::reading_item(c, order_id);
    if (!exam) return std::unexpected(exam.error());
    if (!*exam) return fail(ErrorCode::NotFound, "no exam of this order has been performed");
    auto report = load(c, order_id);
    if (!report) return std::unexpected(report.error());
    const bool is_final = *report && is_signed((*report)->status);
    if (is_final && kind == Draft::Report)
      out.conflict = ReportConflict{"already_signed", "A signed report is not edited; write an addendum to it"};
    else if (!is_final && kind == Draft::Addendum)
      out.conflict = ReportConflict{"not_signed", "An addendum is written to a signed report; this one is not signed"};
    if (!out.conflict) out.conflict = writer_conflict(*report, **exam, actor);
    if (!out.conflict) out.conflict = revision_conflict(*report, seen_revision);
    if (out.conflict) return out;
    // The template must be one for this kind of exam (a draft keeps the code it was saved with).
    const bool same_template = *report && (*report)->draft.template_code == content.template_code;
    auto chosen = same_template ? Result<std::optional<ReportTemplate>>{} : load_template(c, content.template_code);
    if (!chosen) return std::unexpected(chosen.error());
    if (auto refused = same_template ? std::nullopt
                                     : check_template(content.template_code, chosen->has_value() ? &**chosen : nullptr,
                                                      (*exam)->modality)) {
      if (refused->invalid) out.invalid.push_back(*refused->invalid);
      out.conflict = refused->conflict;
      return out;
    }
    const std::string now = utc_now_iso();
    int64_t id = 0;
    if (*report) {
      id = (*report)->id;
      if (auto s = c.execute("UPDATE rep_reports SET template_code = ?, draft_revision = draft_revision + 1, "
                             "draft_saved_at = ?, draft_saved_by = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                             {content.template_code, now, actor.username, now, actor.username, id});
          !s)
        return std::unexpected(s.error());
      if (auto s = clear_draft(c, id); !s) return std::unexpected(s.error());
    } else {
      auto made = c.query("INSERT INTO rep_reports (order_id, status, template_code, draft_revision, draft_saved_at, "
                          "draft_saved_by, versions, created_at, created_by, updated_at, updated_by) VALUES (?, "
                          "'draft', ?, 1, ?, ?, 0, ?, ?, ?, ?) RETURNING id",
                          {order_id, content.template_code, now, actor.username, now, actor.username, now,
                           actor.username});
      if (!made) return std::unexpected(made.error());
      id = (*made)[0].integer(0);
    }
    if (auto s = insert_content(c, id, std::nullopt, content); !s) return std::unexpected(s.error());
    auto saved = load(c, order_id);
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(**saved);
    return out;
  });
}

Result<ReportSaved> Reports::submit_preliminary(int64_t order_id, int64_t seen_revision,
                                                const access::Principal& actor) {
  if (!actor.may(kWrite)) return fail(ErrorCode::Forbidden, "Only a radiologist writes reports");
  return writes_.run<ReportSaved>([&](Connection& c) -> Result<ReportSaved> {
    ReportSaved out;
    auto exam = ris::reading_item(c, order_id);
    if (!exam) return std::unexpected(exam.error());
    if (!*exam) return fail(ErrorCode::NotFound, "no exam of this order has been performed");
    auto report = load(c, order_id);
    if (!report) return std::unexpected(report.error());
    if (*report && is_signed((*report)->status)) {
      out.conflict = ReportConflict{"already_signed", "This report is signed; an addendum is signed, not handed on"};
      return out;
    }
    out.conflict = writer_conflict(*report, **exam, actor);
    if (!out.conflict) out.conflict = revision_conflict(*report, seen_revision);
    if (!out.conflict && (!*report || !has_reported_text((*report)->draft, false)))
      out.conflict = ReportConflict{"empty_report", "Write the findings or the impression before handing it on"};
    if (out.conflict) return out;
    Report& r = **report;
    const int64_t number = static_cast<int64_t>(r.versions.size()) + 1;
    auto author = staff_name(c, actor.username);
    if (!author) return std::unexpected(author.error());
    const std::string now = utc_now_iso();
    if (auto s = c.execute("INSERT INTO rep_versions (report_id, number, kind, template_code, author, author_name, "
                           "created_at) VALUES (?, ?, 'preliminary', ?, ?, ?, ?)",
                           {r.id, number, r.draft.template_code, actor.username, *author, now});
        !s)
      return std::unexpected(s.error());
    if (auto s = insert_content(c, r.id, number, r.draft); !s) return std::unexpected(s.error());
    // The working text is as it was: its revision stays, so that the open editor saves on.
    if (auto s = c.execute("UPDATE rep_reports SET status = 'preliminary', versions = ?, updated_at = ?, updated_by = "
                           "? WHERE id = ?",
                           {number, now, actor.username, r.id});
        !s)
      return std::unexpected(s.error());
    if (auto s = ris::set_report_status(c, **exam, "preliminary", actor.username); !s)
      return std::unexpected(s.error());
    if (auto s = outbox_.enqueue(c, report_event(kReportPreliminary, r, number)); !s)
      return std::unexpected(s.error());
    auto saved = load(c, order_id);
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(**saved);
    return out;
  });
}

namespace {

// An order's performed exam and its report (nullopt before it is begun), read together.
struct ExamAndReport {
  ris::ReadingItem exam;
  std::optional<Report> report;
};
Result<ExamAndReport> exam_and_report(Connection& c, int64_t order_id) {
  auto exam = ris::reading_item(c, order_id);
  if (!exam) return std::unexpected(exam.error());
  if (!*exam) return fail(ErrorCode::NotFound, "no exam of this order has been performed");
  auto report = load(c, order_id);
  if (!report) return std::unexpected(report.error());
  return ExamAndReport{std::move(**exam), std::move(*report)};
}

// The text's checks that stop this signature (SignContext), as a conflict naming them all.
// The text's checks, against the template it was written from as it is now.
Result<std::vector<SignCheck>> checks_of(Connection& c, const Report& report, const ris::ReadingItem& exam,
                                         const ExamSides& sides) {
  auto written_from = resolved_template(c, report.draft.template_code);
  if (!written_from) return std::unexpected(written_from.error());
  return sign_checks(report.draft, sides, is_signed(report.status), exam.modality,
                     written_from->has_value() ? &**written_from : nullptr);
}

Result<std::optional<ReportConflict>> checks_conflict(Connection& c, const Report& report, const ris::ReadingItem& exam,
                                                      const Reports::SignContext& context) {
  auto checks = checks_of(c, report, exam, context.sides);
  if (!checks) return std::unexpected(checks.error());
  const SignCheck* stop = stopping_check(*checks, context.acknowledged);
  if (!stop) return std::optional<ReportConflict>{};
  return std::optional<ReportConflict>(ReportConflict{stop->rule, stop->detail, std::move(*checks)});
}

}  // namespace

Result<Reports::LetterSource> Reports::letter_source(int64_t order_id, const access::Principal& actor) {
  if (!actor.may(kRead)) return fail(ErrorCode::Forbidden, "Your role does not read reports");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto read = exam_and_report(**c, order_id);
  if (!read) return std::unexpected(read.error());
  LetterSource out{std::move(read->exam), {}, std::nullopt};
  const ReportVersion* spoken = nullptr;
  bool held = false;
  if (read->report)
    for (const ReportVersion& v : read->report->versions) {
      if (!v.signature) continue;
      if (!letter_assessment(v.content).empty()) spoken = &v;
      held = held || !v.release || v.release->released_at.empty();
    }
  if (!spoken)
    out.conflict = ReportConflict{"no_letter", "This exam's report has no BI-RADS assessment signed: there is no letter"};
  else if (held)
    out.conflict = ReportConflict{"not_released", "The report is held by the clinic's release rule: the letter goes "
                                                  "to the patient once it is released"};
  else
    out.version = *spoken;
  return out;
}

Result<std::vector<SignCheck>> Reports::sign_checks_of(int64_t order_id, const ExamSides& sides,
                                                       const access::Principal& actor) {
  if (!actor.may(kSign)) return fail(ErrorCode::Forbidden, "Only a radiologist signs reports");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto read = exam_and_report(**c, order_id);
  if (!read) return std::unexpected(read.error());
  if (!read->report) return std::vector<SignCheck>{};
  return checks_of(**c, *read->report, read->exam, sides);
}

Result<std::optional<ReportConflict>> Reports::check_sign(int64_t order_id, int64_t seen_revision,
                                                          const access::Principal& actor,
                                                          const SignContext& context) {
  if (!actor.may(kSign)) return fail(ErrorCode::Forbidden, "Only a radiologist signs reports");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto read = exam_and_report(**c, order_id);
  if (!read) return std::unexpected(read.error());
  if (auto conflict = sign_conflict(read->report, read->exam, seen_revision, actor)) return conflict;
  return checks_conflict(**c, *read->report, read->exam, context);
}

Result<ReportSaved> Reports::sign(int64_t order_id, int64_t seen_revision, const access::Principal& actor,
                                  const std::string& signed_from, const SignContext& context) {
  if (!actor.may(kSign)) return fail(ErrorCode::Forbidden, "Only a radiologist signs reports");
  ReportSaved out;
  // What is signed is read and checked first, rendered and signed outside the write queue (tens
  // of milliseconds), then written if nothing changed meanwhile.
  std::optional<ris::ReadingItem> exam;
  std::optional<Report> report;
  std::string signer_name;
  {
    auto c = readers_.acquire();
    if (!c) return std::unexpected(c.error());
    auto read = exam_and_report(**c, order_id);
    if (!read) return std::unexpected(read.error());
    exam = std::move(read->exam);
    report = std::move(read->report);
    auto n = staff_name(**c, actor.username);
    if (!n) return std::unexpected(n.error());
    signer_name = std::move(*n);
    out.conflict = sign_conflict(report, *exam, seen_revision, actor);
    // The text is checked once: the transaction below refuses it if its revision changed since.
    if (!out.conflict) {
      auto checked = checks_conflict(**c, *report, *exam, context);
      if (!checked) return std::unexpected(checked.error());
      out.conflict = std::move(*checked);
    }
  }
  if (out.conflict) return out;
  const bool addendum = is_signed(report->status);
  ReportVersion version;
  version.number = static_cast<int64_t>(report->versions.size()) + 1;
  version.kind = addendum ? "addendum" : "final";
  version.content = report->draft;
  version.author = actor.username;
  version.author_name = signer_name;
  version.created_at = utc_now_iso();
  SigningRequest request{&*report, &version, &*exam, actor.username, signer_name, version.created_at};
  auto pdf = signer_.sign(request);
  if (!pdf) return std::unexpected(pdf.error());
  const std::string sha = sha256_hex(pdf->pdf);
  return writes_.run<ReportSaved>([&](Connection& c) -> Result<ReportSaved> {
    // Everything checked before rendering, checked again: the text, and who may sign it now (the
    // exam given to another, or its order cancelled, while the PDF was made).
    auto now_report = load(c, order_id);
    if (!now_report) return std::unexpected(now_report.error());
    auto now_exam = ris::reading_item(c, order_id);
    if (!now_exam) return std::unexpected(now_exam.error());
    if (!*now_exam) return fail(ErrorCode::NotFound, "no exam of this order has been performed");
    out.conflict = sign_conflict(*now_report, **now_exam, seen_revision, actor);
    if (!out.conflict && (!*now_report || (*now_report)->status != report->status))
      out.conflict = ReportConflict{"stale", "The report changed while it was being signed; read it again and sign"};
    if (out.conflict) return out;
    const Report& r = **now_report;
    if (auto s = c.execute("INSERT INTO rep_versions (report_id, number, kind, template_code, author, author_name, "
                           "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           {r.id, version.number, version.kind, version.content.template_code, version.author,
                            version.author_name, version.created_at});
        !s)
      return std::unexpected(s.error());
    if (auto s = insert_content(c, r.id, version.number, version.content); !s) return std::unexpected(s.error());
    if (auto s = c.execute("INSERT INTO rep_signatures (report_id, number, signer, signer_name, signed_at, "
                           "signed_from, certificate_subject, certificate_serial, pdf_sha256) VALUES (?, ?, ?, ?, ?, "
                           "?, ?, ?, ?)",
                           {r.id, version.number, actor.username, signer_name, version.created_at, signed_from,
                            pdf->certificate_subject, pdf->certificate_serial, sha});
        !s)
      return std::unexpected(s.error());
    if (auto s = c.execute("INSERT INTO rep_signed_pdfs (report_id, number, pdf) VALUES (?, ?, ?)",
                           {r.id, version.number, base64_encode(pdf->pdf)});
        !s)
      return std::unexpected(s.error());
    // The signed text is the version's; the working text is the next addendum's, empty.
    if (auto s = clear_draft(c, r.id); !s) return std::unexpected(s.error());
    const char* status = addendum ? "amended" : "final";
    if (auto s = c.execute("UPDATE rep_reports SET status = ?, versions = ?, draft_revision = draft_revision + 1, "
                           "updated_at = ?, updated_by = ? WHERE id = ?",
                           {status, version.number, version.created_at, actor.username, r.id});
        !s)
      return std::unexpected(s.error());
    if (auto s = ris::set_report_status(c, *exam, status, actor.username); !s) return std::unexpected(s.error());
    if (auto s = outbox_.enqueue(c, report_event(addendum ? kReportAmended : kReportSigned, r, version.number)); !s)
      return std::unexpected(s.error());
    // When it goes out: at once, or held by the clinic's rule for a sensitive result.
    const SignedForRelease signed_version{r.id, order_id, version.number, addendum, sensitive_result(version.content)};
    if (auto s = schedule_release(c, outbox_, signed_version, release_, clock_.unix_seconds(), actor.username); !s)
      return std::unexpected(s.error());
    auto saved = load(c, order_id);
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(**saved);
    return out;
  });
}

Result<Reports::SignedFile> Reports::signed_pdf(int64_t order_id, int64_t number, const access::Principal& actor) {
  if (!actor.may(kRead)) return fail(ErrorCode::Forbidden, "Your role does not read reports");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT f.pdf, s.pdf_sha256 FROM rep_reports r JOIN rep_signed_pdfs f ON f.report_id = "
                          "r.id JOIN rep_signatures s ON s.report_id = r.id AND s.number = f.number WHERE r.order_id "
                          "= ? AND f.number = ?",
                          {order_id, number});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::NotFound, "no signed version of this number");
  auto pdf = base64_decode((*rows)[0].text(0));
  if (!pdf) return fail(ErrorCode::IntegrityError, "the stored PDF is not readable");
  return SignedFile{std::move(*pdf), (*rows)[0].text(1)};
}

Result<Reports::Archivable> Reports::signed_for_archive(int64_t order_id, int64_t number) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto report = load(**c, order_id);
  if (!report) return std::unexpected(report.error());
  auto exam = ris::reading_item(**c, order_id);
  if (!exam) return std::unexpected(exam.error());
  if (!*report || !*exam) return fail(ErrorCode::NotFound, "no report for order " + std::to_string(order_id));
  auto version = std::ranges::find(report.value()->versions, number, &ReportVersion::number);
  if (version == report.value()->versions.end() || !version->signature)
    return fail(ErrorCode::NotFound, "no signed version " + std::to_string(number) + " of order " + std::to_string(order_id));
  auto rows = (*c)->query("SELECT f.pdf FROM rep_signed_pdfs f JOIN rep_reports r ON r.id = f.report_id WHERE "
                          "r.order_id = ? AND f.number = ?",
                          {order_id, number});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(ErrorCode::NotFound, "the signed PDF of version " + std::to_string(number) + " is missing");
  auto pdf = base64_decode((*rows)[0].text(0));
  if (!pdf || sha256_hex(*pdf) != version->signature->pdf_sha256)
    return fail(ErrorCode::IntegrityError, "the signed PDF of order " + std::to_string(order_id) + " version " +
                                               std::to_string(number) + " does not match its recorded SHA-256");
  Archivable out{std::move(**report), {}, std::move(*pdf), std::move(**exam)};
  out.version = *std::ranges::find(out.report.versions, number, &ReportVersion::number);
  return out;
}

Result<std::optional<Reports::SignedVersion>> Reports::signed_version_of(const std::string& pdf_sha256) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT r.order_id, s.number, s.signer_name, s.signed_at FROM rep_signatures s JOIN "
                          "rep_reports r ON r.id = s.report_id WHERE s.pdf_sha256 = ?",
                          {pdf_sha256});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<SignedVersion>();
  const Row& r = rows->front();
  auto exam = ris::reading_item(**c, r.integer(0));
  if (!exam) return std::unexpected(exam.error());
  return std::optional<SignedVersion>(
      SignedVersion{*exam ? (*exam)->view.accession_number : std::string(), r.integer(1), r.text(2), r.text(3)});
}

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      {1,
       "reports: the working text, versions and signatures (append-only), signed PDFs",
       {
           "CREATE TABLE rep_reports (id ${PK}, order_id INTEGER NOT NULL UNIQUE, status TEXT NOT NULL, template_code TEXT NOT "
           "NULL, draft_revision INTEGER NOT NULL, draft_saved_at TEXT NOT NULL, draft_saved_by TEXT NOT NULL, "
           "versions INTEGER NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT "
           "NULL, updated_by TEXT NOT NULL)",
           "CREATE TABLE rep_draft_sections (report_id INTEGER NOT NULL, position INTEGER NOT NULL, section_key "
           "TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (report_id, position))",
           "CREATE TABLE rep_versions (report_id INTEGER NOT NULL, number INTEGER NOT NULL, kind TEXT NOT NULL, "
           "template_code TEXT NOT NULL, author TEXT NOT NULL, author_name TEXT NOT NULL, created_at TEXT NOT NULL, "
           "PRIMARY KEY (report_id, number))",
           "${APPEND_ONLY:rep_versions}",
           "CREATE TABLE rep_version_sections (report_id INTEGER NOT NULL, number INTEGER NOT NULL, position "
           "INTEGER NOT NULL, section_key TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY "
           "(report_id, number, position))",
           "${APPEND_ONLY:rep_version_sections}",
           "CREATE TABLE rep_signatures (report_id INTEGER NOT NULL, number INTEGER NOT NULL, signer TEXT NOT NULL, "
           "signer_name TEXT NOT NULL, signed_at TEXT NOT NULL, signed_from TEXT NOT NULL, certificate_subject "
           "TEXT NOT NULL, certificate_serial TEXT NOT NULL, pdf_sha256 TEXT NOT NULL, PRIMARY KEY (report_id, "
           "number))",
           "${APPEND_ONLY:rep_signatures}",
           "CREATE INDEX rep_signatures_by_sha256 ON rep_signatures (pdf_sha256)",
           "CREATE TABLE rep_signed_pdfs (report_id INTEGER NOT NULL, number INTEGER NOT NULL, pdf TEXT NOT NULL, "
           "PRIMARY KEY (report_id, number))",
           "${APPEND_ONLY:rep_signed_pdfs}",
       }},
      {2,
       "the keys that sign reports: the clinic's CA and each radiologist's certificate",
       {
           "CREATE TABLE rep_signing_identities (name TEXT PRIMARY KEY, encrypted_key_pem TEXT NOT NULL, cert_pem "
           "TEXT NOT NULL, chain_pem TEXT NOT NULL, created_at TEXT NOT NULL)",
       }},
      {3,
       "structured findings (BI-RADS, Lung-RADS, TI-RADS, LI-RADS, PI-RADS, TNM) of the working text and of each "
       "version (append-only)",
       {
           "CREATE TABLE rep_draft_findings (report_id INTEGER NOT NULL, finding INTEGER NOT NULL, position INTEGER "
           "NOT NULL, system TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (report_id, "
           "finding, position))",
           "CREATE TABLE rep_version_findings (report_id INTEGER NOT NULL, number INTEGER NOT NULL, finding INTEGER "
           "NOT NULL, position INTEGER NOT NULL, system TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, "
           "PRIMARY KEY (report_id, number, finding, position))",
           "${APPEND_ONLY:rep_version_findings}",
       }},
      {4,
       "critical results: flagged, communicated, escalated",
       {
           "CREATE TABLE rep_critical_results (id ${PK}, order_id INTEGER NOT NULL, finding TEXT NOT NULL, note TEXT "
           "NOT NULL, found_at TEXT NOT NULL, found_by TEXT NOT NULL, found_by_name TEXT NOT NULL, status TEXT NOT "
           "NULL, communicated_to TEXT NOT NULL, method TEXT NOT NULL, received_at TEXT NOT NULL, recorded_by TEXT "
           "NOT NULL, recorded_at TEXT NOT NULL, escalations INTEGER NOT NULL, escalated_at TEXT NOT NULL)",
           "CREATE INDEX rep_critical_results_open ON rep_critical_results (status, found_at)",
           "CREATE INDEX rep_critical_results_by_order ON rep_critical_results (order_id)",
       }},
      {5,
       "release",
       {"CREATE TABLE rep_releases (report_id INTEGER NOT NULL, number INTEGER NOT NULL, sensitive INTEGER NOT NULL, "
        "due_at TEXT NOT NULL, released_at TEXT NOT NULL, released_by TEXT NOT NULL, PRIMARY KEY (report_id, number))",
        "CREATE INDEX rep_releases_held ON rep_releases (released_at, due_at)",
        // Versions signed before release was kept went out when signed.
        "INSERT INTO rep_releases (report_id, number, sensitive, due_at, released_at, released_by) SELECT report_id, "
        "number, 0, signed_at, signed_at, 'vireo' FROM rep_signatures"}},
      {6,
       "peer review",
       {"CREATE TABLE rep_peer_reviews (id ${PK}, order_id INTEGER NOT NULL, report_id INTEGER NOT NULL, number INTEGER "
        "NOT NULL, reader TEXT NOT NULL, reader_name TEXT NOT NULL, signed_at TEXT NOT NULL, offered_at TEXT NOT NULL, "
        "status TEXT NOT NULL, reviewer TEXT NOT NULL, reviewer_name TEXT NOT NULL, score TEXT NOT NULL, comment TEXT NOT "
        "NULL, reviewed_at TEXT NOT NULL, UNIQUE (report_id, number))",
        "CREATE INDEX rep_peer_reviews_open ON rep_peer_reviews (status, offered_at)",
        "CREATE INDEX rep_peer_reviews_by_order ON rep_peer_reviews (order_id)"}},
      {7,
       "the clinic's report templates (its own, imported from IHE MRRT, or its copies of Vireo's)",
       {"CREATE TABLE rep_templates (code TEXT PRIMARY KEY, name TEXT NOT NULL, modalities TEXT NOT NULL, body_region "
        "TEXT NOT NULL, findings_system TEXT NOT NULL, findings_rule TEXT NOT NULL, language TEXT NOT NULL, top_level "
        "INTEGER NOT NULL, status TEXT NOT NULL, identifier TEXT NOT NULL, publisher TEXT NOT NULL, rights TEXT NOT NULL, "
        "license TEXT NOT NULL, revision INTEGER NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL)",
        "CREATE TABLE rep_template_sections (code TEXT NOT NULL, position INTEGER NOT NULL, section_key TEXT NOT NULL, "
        "title TEXT NOT NULL, body TEXT NOT NULL, embed TEXT NOT NULL, PRIMARY KEY (code, position))",
        "CREATE TABLE rep_template_fields (code TEXT NOT NULL, position INTEGER NOT NULL, label TEXT NOT NULL, "
        "section_key TEXT NOT NULL, type TEXT NOT NULL, choices TEXT NOT NULL, units TEXT NOT NULL, completion TEXT NOT "
        "NULL, merge_field INTEGER NOT NULL, PRIMARY KEY (code, position))",
        "CREATE TABLE rep_template_macros (code TEXT NOT NULL, position INTEGER NOT NULL, macro_key TEXT NOT NULL, name "
        "TEXT NOT NULL, section_key TEXT NOT NULL, body TEXT NOT NULL, shortcut TEXT NOT NULL, PRIMARY KEY (code, "
        "position))"}},
      {8,
       "reports: the key images chosen for the working text and for each version (append-only)",
       {"CREATE TABLE rep_draft_key_images (report_id INTEGER NOT NULL, position INTEGER NOT NULL, series_uid TEXT NOT "
        "NULL, sop_uid TEXT NOT NULL, frame INTEGER NOT NULL, window_center TEXT NOT NULL, window_width TEXT NOT NULL, "
        "caption TEXT NOT NULL, PRIMARY KEY (report_id, position))",
        "CREATE TABLE rep_version_key_images (report_id INTEGER NOT NULL, number INTEGER NOT NULL, position INTEGER NOT "
        "NULL, series_uid TEXT NOT NULL, sop_uid TEXT NOT NULL, frame INTEGER NOT NULL, window_center TEXT NOT NULL, "
        "window_width TEXT NOT NULL, caption TEXT NOT NULL, PRIMARY KEY (report_id, number, position))",
        "${APPEND_ONLY:rep_version_key_images}"}},
      {9,
       "signing keys: a radiologist's key may be on the clinic's security module (PKCS#11), named by its object id",
       {"ALTER TABLE rep_signing_identities ADD COLUMN token_object TEXT NOT NULL DEFAULT ''"}},
  };
  return list;
}

}  // namespace vireo::reporting
