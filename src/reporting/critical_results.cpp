#include "reporting/critical_results.hpp"

#include <algorithm>

#include "core/time_zone.hpp"
#include "ris/catalogue_store.hpp"
#include "ris/reading.hpp"

namespace vireo::reporting {

namespace {

constexpr const char* kWrite = "reporting.write";
constexpr const char* kRead = "reporting.read";

constexpr const char* kColumns =
    "c.id, c.order_id, c.finding, c.note, c.found_at, c.found_by, c.found_by_name, c.status, c.communicated_to, "
    "c.method, c.received_at, c.recorded_by, c.recorded_at, c.escalations, c.escalated_at";

events::Event critical_event(const char* topic, const CriticalResult& r, const ris::ReadingItem& exam) {
  return {topic,
          {{"critical", std::to_string(r.id)},
           {"order", std::to_string(r.order_id)},
           {"accession", exam.view.accession_number},
           {"patient", std::to_string(exam.view.patient_id)}}};
}

Result<std::vector<CriticalResult>> rows_of(Connection& c, const std::string& where, std::vector<SqlValue> args) {
  auto rows = c.query(std::string("SELECT ") + kColumns + " FROM rep_critical_results c " + where,
                      std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  std::vector<CriticalResult> out;
  for (const auto& r : *rows) {
    CriticalResult x;
    x.id = r.integer(0);
    x.order_id = r.integer(1);
    x.finding = r.text(2);
    x.note = r.text(3);
    x.found_at = r.text(4);
    x.found_by = r.text(5);
    x.found_by_name = r.text(6);
    x.status = r.text(7);
    x.communicated_to = r.text(8);
    x.method = r.text(9);
    x.received_at = r.text(10);
    x.recorded_by = r.text(11);
    x.recorded_at = r.text(12);
    x.escalations = r.integer(13);
    x.escalated_at = r.text(14);
    // Whose: the order's patient as it is now.
    auto exam = ris::reading_item(c, x.order_id);
    if (!exam) return std::unexpected(exam.error());
    if (*exam) {
      x.accession_number = (*exam)->view.accession_number;
      x.patient_name = (*exam)->view.patient_name;
      x.mrn = (*exam)->view.mrn;
    }
    out.push_back(std::move(x));
  }
  return out;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace

std::vector<std::string> default_critical_findings() {
  return {"Tension pneumothorax",
          "Intracranial haemorrhage",
          "Acute stroke or large vessel occlusion",
          "Pulmonary embolism",
          "Aortic dissection or rupture",
          "Free intraperitoneal air",
          "Bowel obstruction or ischaemia",
          "Spinal cord compression",
          "Ectopic pregnancy",
          "Testicular or ovarian torsion",
          "Misplaced line or tube",
          "Unexpected malignancy"};
}

std::unique_ptr<CriticalResults> CriticalResults::open(Database& db, WriteQueue& writes, const events::Outbox& outbox,
                                                       std::vector<std::string> findings, const Clock& clock) {
  return std::unique_ptr<CriticalResults>(new CriticalResults(db, writes, outbox, std::move(findings), clock));
}

Result<CriticalSaved> CriticalResults::flag(int64_t order_id, const std::string& finding, const std::string& note,
                                            const access::Principal& actor) {
  if (!actor.may(kWrite)) return fail(ErrorCode::Forbidden, "Only a radiologist flags a critical result");
  CriticalSaved out;
  if (std::ranges::find(findings_, finding) == findings_.end())
    out.invalid.push_back({"finding", "vocabulary", "Not on the clinic's list of critical findings"});
  if (note.size() > 2000) out.invalid.push_back({"note", "too_long", "A note has at most 2,000 characters"});
  if (!out.invalid.empty()) return out;
  return writes_.run<CriticalSaved>([&](Connection& c) -> Result<CriticalSaved> {
    auto exam = ris::reading_item(c, order_id);
    if (!exam) return std::unexpected(exam.error());
    if (!*exam) return fail(ErrorCode::NotFound, "no exam of this order has been performed");
    auto name = ris::rows::staff_name(c, actor.username);
    if (!name) return std::unexpected(name.error());
    const std::string now = utc_iso(clock_.unix_seconds());
    auto made = c.query("INSERT INTO rep_critical_results (order_id, finding, note, found_at, found_by, found_by_name, "
                        "status, communicated_to, method, received_at, recorded_by, recorded_at, escalations, "
                        "escalated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', '', '', '', '', '', 0, '') RETURNING id",
                        {order_id, finding, note, now, actor.username, *name});
    if (!made) return std::unexpected(made.error());
    auto saved = rows_of(c, "WHERE c.id = ?", {(*made)[0].integer(0)});
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(saved->front());
    if (auto s = outbox_.enqueue(c, critical_event(kCriticalFlagged, out.value, **exam)); !s)
      return std::unexpected(s.error());
    return out;
  });
}

Result<CriticalSaved> CriticalResults::communicated(int64_t order_id, int64_t id, const Communication& how,
                                                    const access::Principal& actor) {
  if (!actor.may(kWrite)) return fail(ErrorCode::Forbidden, "Only a radiologist records a critical result's communication");
  CriticalSaved out;
  if (blank(how.to)) out.invalid.push_back({"to", "required", "Whom the result was communicated to"});
  else if (how.to.size() > 200) out.invalid.push_back({"to", "too_long", "At most 200 characters"});
  if (std::ranges::find(kCommunicationMethods, how.method) == std::end(kCommunicationMethods))
    out.invalid.push_back({"method", "vocabulary", "How: phone, in_person or secure_message"});
  auto received = parse_instant(how.received_at);
  const int64_t now = clock_.unix_seconds();
  int64_t received_s = 0;
  if (!received) {
    out.invalid.push_back({"receivedAt", "format", "When it was received, as an ISO 8601 date and time"});
  } else {
    received_s = std::chrono::duration_cast<std::chrono::seconds>(received->time_since_epoch()).count();
    if (received_s > now + 300) out.invalid.push_back({"receivedAt", "future", "It cannot have been received later than now"});
  }
  if (!out.invalid.empty()) return out;
  return writes_.run<CriticalSaved>([&](Connection& c) -> Result<CriticalSaved> {
    auto found = rows_of(c, "WHERE c.id = ? AND c.order_id = ?", {id, order_id});
    if (!found) return std::unexpected(found.error());
    if (found->empty()) return fail(ErrorCode::NotFound, "no such critical result of this exam");
    const CriticalResult& r = found->front();
    if (r.status != "open") {
      out.conflict = ReportConflict{"already_communicated", "Its communication was recorded already, by " +
                                                                r.recorded_by + " at " + r.recorded_at};
      return out;
    }
    // Received times are given to the minute: the minute it was found is not before it.
    auto found_at = parse_instant(r.found_at);
    const int64_t found_s =
        found_at ? std::chrono::duration_cast<std::chrono::seconds>(found_at->time_since_epoch()).count() : 0;
    if (received_s < found_s - found_s % 60) {
      out.invalid.push_back({"receivedAt", "before_found", "It cannot have been received before it was found"});
      return out;
    }
    auto exam = ris::reading_item(c, order_id);
    if (!exam) return std::unexpected(exam.error());
    if (!*exam) return fail(ErrorCode::NotFound, "no exam of this order has been performed");
    if (auto s = c.execute("UPDATE rep_critical_results SET status = 'communicated', communicated_to = ?, method = ?, "
                           "received_at = ?, recorded_by = ?, recorded_at = ? WHERE id = ? AND status = 'open'",
                           {how.to, how.method, utc_iso(received_s), actor.username, utc_iso(now), id});
        !s)
      return std::unexpected(s.error());
    auto saved = rows_of(c, "WHERE c.id = ?", {id});
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(saved->front());
    if (auto s = outbox_.enqueue(c, critical_event(kCriticalCommunicated, out.value, **exam)); !s)
      return std::unexpected(s.error());
    return out;
  });
}

Result<std::vector<CriticalResult>> CriticalResults::list(const std::string& where, std::vector<SqlValue> args) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return rows_of(**c, where, std::move(args));
}

Result<std::vector<CriticalResult>> CriticalResults::of_order(int64_t order_id, const access::Principal& actor) {
  if (!actor.may(kRead)) return fail(ErrorCode::Forbidden, "Your role does not read reports");
  return list("WHERE c.order_id = ? ORDER BY c.id", {order_id});
}

Result<std::vector<CriticalResult>> CriticalResults::open_results(const access::Principal& actor) {
  if (!actor.may(kRead)) return fail(ErrorCode::Forbidden, "Your role does not read reports");
  return list("WHERE c.status = 'open' ORDER BY c.found_at, c.id", {});
}

Result<int64_t> CriticalResults::escalate_due(std::chrono::seconds period) {
  const std::string due = utc_iso(clock_.unix_seconds() - period.count());
  auto waiting = list("WHERE c.status = 'open' AND ((c.escalated_at = '' AND c.found_at <= ?) OR (c.escalated_at <> '' "
                      "AND c.escalated_at <= ?)) ORDER BY c.id",
                      {due, due});
  if (!waiting) return std::unexpected(waiting.error());
  int64_t escalated = 0;
  for (const auto& r : *waiting) {
    auto done = writes_.run<bool>([&](Connection& c) -> Result<bool> {
      // Conditional on what was read: of two nodes, one escalates.
      auto changed = c.query("UPDATE rep_critical_results SET escalations = escalations + 1, escalated_at = ? WHERE "
                             "id = ? AND status = 'open' AND escalations = ? RETURNING id",
                             {utc_iso(clock_.unix_seconds()), r.id, r.escalations});
      if (!changed) return std::unexpected(changed.error());
      if (changed->empty()) return false;
      auto exam = ris::reading_item(c, r.order_id);
      if (!exam) return std::unexpected(exam.error());
      if (!*exam) return false;
      events::Event e = critical_event(kCriticalEscalated, r, **exam);
      e.ids.emplace_back("level", std::to_string(r.escalations + 1));
      if (auto s = outbox_.enqueue(c, e); !s) return std::unexpected(s.error());
      return true;
    });
    if (!done) return std::unexpected(done.error());
    escalated += *done ? 1 : 0;
  }
  return escalated;
}

}  // namespace vireo::reporting
