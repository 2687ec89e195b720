#include "reporting/release.hpp"

#include <algorithm>
#include <set>

#include "reporting/vocabularies.hpp"
#include "ris/reading.hpp"

namespace vireo::reporting {

namespace {

// The categories that are suspicious for, or stage, a malignancy, by system and category field.
bool sensitive_finding(const CodedFinding& f) {
  static const std::set<std::pair<std::string, std::string>> kSensitive = {
      {"birads", "4"},  {"birads", "4A"},    {"birads", "4B"},  {"birads", "4C"},    {"birads", "5"},
      {"birads", "6"},  {"lungrads", "4A"},  {"lungrads", "4B"}, {"lungrads", "4X"}, {"lirads", "LR-5"},
      {"lirads", "LR-M"}, {"lirads", "LR-TIV"}, {"pirads", "4"}, {"pirads", "5"}};
  if (f.system == "tnm") return true;
  if (f.system == "tirads") return describe(f, "en").category.starts_with("TI-RADS TR5");
  const Vocabulary* v = vocabulary(f.system);
  return v && !v->category_field.empty() && kSensitive.contains({f.system, f.value(v->category_field)});
}

events::Event released_event(const ris::ReadingItem& exam, int64_t report_id, int64_t number) {
  return {kReportReleased,
          {{"report", std::to_string(report_id)},
           {"order", std::to_string(exam.view.appointment.order_id)},
           {"accession", exam.view.accession_number},
           {"patient", std::to_string(exam.view.patient_id)},
           {"version", std::to_string(number)}}};
}

// Releases version `number` if it is still held: the order final → released, and the event.
Result<bool> release(Connection& c, const events::Outbox& outbox, int64_t report_id, int64_t order_id, int64_t number,
                     const std::string& now, const std::string& actor) {
  auto exam = ris::reading_item(c, order_id);
  if (!exam) return std::unexpected(exam.error());
  if (!*exam) return fail(ErrorCode::NotFound, "the exam of a held report is gone");
  auto changed = c.query("UPDATE rep_releases SET released_at = ?, released_by = ? WHERE report_id = ? AND number = ? "
                         "AND released_at = '' RETURNING number",
                         {now, actor, report_id, number});
  if (!changed) return std::unexpected(changed.error());
  if (changed->empty()) return false;
  if (auto moved = ris::release_order(c, order_id, actor); !moved) return std::unexpected(moved.error());
  if (auto s = outbox.enqueue(c, released_event(**exam, report_id, number)); !s) return std::unexpected(s.error());
  return true;
}

struct Held {
  int64_t report_id, order_id, number;
};

}  // namespace

bool sensitive_result(const ReportContent& content) {
  return std::ranges::any_of(content.findings, sensitive_finding);
}

Status schedule_release(Connection& c, const events::Outbox& outbox, const SignedForRelease& v,
                        const ReleaseRule& rule, int64_t now, const std::string& actor) {
  bool sensitive = v.sensitive_text;
  if (!v.addendum) {
    auto flagged = c.query("SELECT id FROM rep_critical_results WHERE order_id = ? LIMIT 1", {v.order_id});
    if (!flagged) return std::unexpected(flagged.error());
    sensitive = sensitive || !flagged->empty();
  }
  const std::string now_text = utc_iso(now);
  std::string due = utc_iso(now + (sensitive ? rule.sensitive_delay.count() : 0));
  if (v.addendum) {
    // Not before what it adds to: an addendum to a report still held waits with it.
    auto held = c.query("SELECT MAX(due_at) FROM rep_releases WHERE report_id = ? AND released_at = ''", {v.report_id});
    if (!held) return std::unexpected(held.error());
    if (!held->empty() && !(*held)[0].is_null(0) && (*held)[0].text(0) > due) {
      due = (*held)[0].text(0);
      sensitive = true;
    }
  }
  if (auto s = c.execute("INSERT INTO rep_releases (report_id, number, sensitive, due_at, released_at, released_by) "
                         "VALUES (?, ?, ?, ?, '', '')",
                         {v.report_id, v.number, int64_t{sensitive}, due});
      !s)
    return std::unexpected(s.error());
  if (due > now_text) return {};
  auto done = release(c, outbox, v.report_id, v.order_id, v.number, now_text, actor);
  if (!done) return std::unexpected(done.error());
  return {};
}

Result<std::unique_ptr<Releases>> Releases::open(Database& db, WriteQueue& writes, const events::Outbox& outbox,
                                                 const Clock& clock) {
  return std::unique_ptr<Releases>(new Releases(db, writes, outbox, clock));
}

Result<int64_t> Releases::release_due() {
  const std::string now = utc_iso(clock_.unix_seconds());
  std::vector<Held> due;
  {
    auto c = readers_.acquire();
    if (!c) return std::unexpected(c.error());
    auto rows = (*c)->query("SELECT l.report_id, r.order_id, l.number FROM rep_releases l JOIN rep_reports r ON r.id = "
                            "l.report_id WHERE l.released_at = '' AND l.due_at <= ? ORDER BY l.due_at",
                            {now});
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) due.push_back({r.integer(0), r.integer(1), r.integer(2)});
  }
  int64_t released = 0;
  std::optional<Error> failed;
  for (const Held& h : due) {
    // Conditional on still being held: of two nodes, one releases it.
    auto done = writes_.run<bool>([&](Connection& c) {
      return release(c, outbox_, h.report_id, h.order_id, h.number, now, "vireo");
    });
    // One that cannot be released (its exam gone) does not hold up the others.
    if (!done) failed = done.error();
    else released += *done ? 1 : 0;
  }
  if (failed && released == 0) return std::unexpected(*failed);
  return released;
}

Result<int64_t> Releases::release_now(int64_t order_id, const access::Principal& actor) {
  if (!actor.may("reporting.sign")) return fail(ErrorCode::Forbidden, "Only a radiologist releases a report early");
  const std::string now = utc_iso(clock_.unix_seconds());
  return writes_.run<int64_t>([&](Connection& c) -> Result<int64_t> {
    auto rows = c.query("SELECT l.report_id, l.number FROM rep_releases l JOIN rep_reports r ON r.id = l.report_id WHERE "
                        "r.order_id = ? AND l.released_at = '' ORDER BY l.number",
                        {order_id});
    if (!rows) return std::unexpected(rows.error());
    int64_t released = 0;
    for (const auto& r : *rows) {
      auto done = release(c, outbox_, r.integer(0), order_id, r.integer(1), now, actor.username);
      if (!done) return std::unexpected(done.error());
      released += *done ? 1 : 0;
    }
    return released;
  });
}

}  // namespace vireo::reporting
