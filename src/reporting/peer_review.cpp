#include "reporting/peer_review.hpp"

#include <algorithm>
#include <map>

#include "core/sha256.hpp"
#include "ris/catalogue_store.hpp"
#include "ris/reading.hpp"

namespace vireo::reporting {

namespace {

constexpr const char* kReview = "reporting.peer_review";
constexpr const char* kResults = "reporting.peer_results";
constexpr size_t kMaxComment = 2000;

constexpr const char* kColumns =
    "p.id, p.order_id, p.report_id, p.number, p.reader, p.reader_name, p.signed_at, p.offered_at, p.status, "
    "p.reviewer, p.reviewer_name, p.score, p.comment, p.reviewed_at";

Result<std::vector<PeerReview>> rows_of(Connection& c, const std::string& where, std::vector<SqlValue> args) {
  auto rows = c.query(std::string("SELECT ") + kColumns + " FROM rep_peer_reviews p " + where,
                      std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  std::vector<PeerReview> out;
  for (const auto& r : *rows) {
    PeerReview& p = out.emplace_back();
    p.id = r.integer(0);
    p.order_id = r.integer(1);
    p.report_id = r.integer(2);
    p.number = r.integer(3);
    p.reader = r.text(4);
    p.reader_name = r.text(5);
    p.signed_at = r.text(6);
    p.offered_at = r.text(7);
    p.status = r.text(8);
    p.reviewer = r.text(9);
    p.reviewer_name = r.text(10);
    p.score = r.text(11);
    p.comment = r.text(12);
    p.reviewed_at = r.text(13);
    auto exam = ris::reading_item(c, p.order_id);
    if (!exam) return std::unexpected(exam.error());
    if (*exam) {
      p.accession_number = (*exam)->view.accession_number;
      p.mrn = (*exam)->view.mrn;
      p.study_uid = (*exam)->view.study_uid;
      p.modality = (*exam)->modality;
      p.procedures = (*exam)->procedures;
    }
  }
  return out;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace

bool chosen_for_review(const std::string& accession, int percent) {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  // The first 32 bits of its SHA-256, spread evenly over 0..99.
  const uint32_t draw = static_cast<uint32_t>(std::stoul(sha256_hex(accession).substr(0, 8), nullptr, 16));
  return draw % 100 < static_cast<uint32_t>(percent);
}

std::unique_ptr<PeerReviews> PeerReviews::open(Database& db, WriteQueue& writes, int percent, const Clock& clock) {
  return std::unique_ptr<PeerReviews>(new PeerReviews(db, writes, std::clamp(percent, 0, 100), clock));
}

Status PeerReviews::offer(const events::Event& e) {
  const std::string accession = e.id("accession");
  if (!chosen_for_review(accession, percent_)) return {};
  const int64_t report_id = std::stoll(e.id("report"));
  const int64_t number = std::stoll(e.id("version"));
  auto done = writes_.run<bool>([&](Connection& c) -> Result<bool> {
    auto there = c.query("SELECT id FROM rep_peer_reviews WHERE report_id = ? AND number = ?", {report_id, number});
    if (!there) return std::unexpected(there.error());
    if (!there->empty()) return false;  // offered already (a retry)
    auto signature = c.query("SELECT s.signer, s.signer_name, s.signed_at, r.order_id FROM rep_signatures s JOIN "
                             "rep_reports r ON r.id = s.report_id WHERE s.report_id = ? AND s.number = ?",
                             {report_id, number});
    if (!signature) return std::unexpected(signature.error());
    if (signature->empty()) return false;  // no such signed version: nothing to review
    const Row& s = (*signature)[0];
    if (auto made = c.execute("INSERT INTO rep_peer_reviews (order_id, report_id, number, reader, reader_name, "
                              "signed_at, offered_at, status, reviewer, reviewer_name, score, comment, reviewed_at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, 'open', '', '', '', '', '')",
                              {s.integer(3), report_id, number, s.text(0), s.text(1), s.text(2),
                               utc_iso(clock_.unix_seconds())});
        !made)
      return std::unexpected(made.error());
    return true;
  });
  if (!done) return std::unexpected(done.error());
  return {};
}

Result<std::vector<PeerReview>> PeerReviews::offered(const access::Principal& actor) {
  if (!actor.may(kReview)) return fail(ErrorCode::Forbidden, "Only a radiologist reviews a colleague's report");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return rows_of(**c, "WHERE p.status = 'open' AND p.reader <> ? ORDER BY p.offered_at, p.id", {actor.username});
}

Result<PeerSaved> PeerReviews::score(int64_t order_id, const PeerScore& score, const access::Principal& actor) {
  if (!actor.may(kReview)) return fail(ErrorCode::Forbidden, "Only a radiologist reviews a colleague's report");
  PeerSaved out;
  if (std::ranges::find(kPeerScores, score.score) == std::end(kPeerScores))
    out.invalid.push_back({"score", "vocabulary", "A RADPEER score: 1, 2a, 2b, 3a or 3b"});
  else if (score.score != "1" && blank(score.comment))
    out.invalid.push_back({"comment", "required", "Say what the discrepancy is"});
  if (score.comment.size() > kMaxComment)
    out.invalid.push_back({"comment", "too_long", "A comment has at most 2,000 characters"});
  if (!out.invalid.empty()) return out;
  return writes_.run<PeerSaved>([&](Connection& c) -> Result<PeerSaved> {
    auto offers = rows_of(c, "WHERE p.order_id = ? ORDER BY p.id DESC", {order_id});
    if (!offers) return std::unexpected(offers.error());
    auto open = std::ranges::find(*offers, std::string("open"), &PeerReview::status);
    if (open == offers->end()) {
      if (offers->empty()) return fail(ErrorCode::NotFound, "this exam's report is not offered for peer review");
      out.conflict = ReportConflict{"already_reviewed", "A colleague has reviewed this report already"};
      return out;
    }
    if (open->reader == actor.username) {
      out.conflict = ReportConflict{"own_report", "A report is reviewed by a radiologist other than its author"};
      return out;
    }
    auto name = ris::rows::staff_name(c, actor.username);
    if (!name) return std::unexpected(name.error());
    // Conditional on still being open: of two reviewers, the first.
    auto changed = c.query("UPDATE rep_peer_reviews SET status = 'done', reviewer = ?, reviewer_name = ?, score = ?, "
                           "comment = ?, reviewed_at = ? WHERE id = ? AND status = 'open' RETURNING id",
                           {actor.username, *name, score.score, score.comment, utc_iso(clock_.unix_seconds()),
                            open->id});
    if (!changed) return std::unexpected(changed.error());
    if (changed->empty()) {
      out.conflict = ReportConflict{"already_reviewed", "A colleague has reviewed this report already"};
      return out;
    }
    auto saved = rows_of(c, "WHERE p.id = ?", {open->id});
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(saved->front());
    return out;
  });
}

Result<std::vector<PeerSummary>> PeerReviews::summary(int days, const access::Principal& actor) {
  if (!actor.may(kResults)) return fail(ErrorCode::Forbidden, "Peer review results are for the administrator");
  if (days < 1 || days > 3660) return fail(ErrorCode::InvalidArgument, "days is 1 to 3660");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT reader, reader_name, score, COUNT(*) FROM rep_peer_reviews WHERE status = 'done' AND "
                          "reviewed_at >= ? GROUP BY reader, reader_name, score ORDER BY reader, reader_name",
                          {utc_iso(clock_.unix_seconds() - int64_t{days} * 86400)});
  if (!rows) return std::unexpected(rows.error());
  std::vector<PeerSummary> out;
  for (const auto& r : *rows) {
    if (out.empty() || out.back().reader != r.text(0)) {
      PeerSummary& s = out.emplace_back();
      s.reader = r.text(0);
      s.reader_name = r.text(1);
      for (const char* score : kPeerScores) s.scores.emplace_back(score, 0);
    }
    PeerSummary& s = out.back();
    const int64_t n = r.integer(3);
    s.reviewed += n;
    for (auto& [score, count] : s.scores)
      if (score == r.text(2)) count += n;
    if (r.text(2) == "2b" || r.text(2) == "3b") s.significant += n;
  }
  return out;
}

}  // namespace vireo::reporting
