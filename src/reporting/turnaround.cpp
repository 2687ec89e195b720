#include "reporting/turnaround.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/time_zone.hpp"

namespace vireo::reporting {

namespace {

constexpr const char* kStats = "reporting.stats";

// One report's moments, as far as they happened.
struct Timeline {
  std::string modality, radiologist, priority;
  std::optional<Instant> ordered, acquired, signed_, released;
};

double minutes_between(Instant a, Instant b) { return static_cast<double>((b - a).count()) / 60.0; }

TurnaroundGroup group_of(std::string key, const std::vector<const Timeline*>& reports) {
  TurnaroundGroup g;
  g.key = std::move(key);
  g.reports = static_cast<int64_t>(reports.size());
  std::vector<double> to_acquired, to_signed, to_released, total;
  for (const Timeline* t : reports) {
    if (t->ordered && t->acquired) to_acquired.push_back(minutes_between(*t->ordered, *t->acquired));
    if (t->acquired && t->signed_) to_signed.push_back(minutes_between(*t->acquired, *t->signed_));
    if (t->signed_ && t->released) to_released.push_back(minutes_between(*t->signed_, *t->released));
    if (t->ordered && t->released) total.push_back(minutes_between(*t->ordered, *t->released));
  }
  g.to_acquired = span_of(std::move(to_acquired));
  g.to_signed = span_of(std::move(to_signed));
  g.to_released = span_of(std::move(to_released));
  g.total = span_of(std::move(total));
  return g;
}

std::vector<TurnaroundGroup> grouped(const std::vector<Timeline>& all, std::string Timeline::*key) {
  std::map<std::string, std::vector<const Timeline*>> by;
  for (const Timeline& t : all) by[t.*key].push_back(&t);
  std::vector<TurnaroundGroup> out;
  for (const auto& [k, reports] : by) out.push_back(group_of(k, reports));
  return out;
}

std::optional<Instant> instant_of(const std::string& text) {
  return text.empty() ? std::nullopt : parse_instant(text);
}

}  // namespace

Span span_of(std::vector<double> minutes) {
  Span s;
  s.count = static_cast<int64_t>(minutes.size());
  if (minutes.empty()) return s;
  std::ranges::sort(minutes);
  auto rank = [&](double q) {
    const auto n = static_cast<double>(minutes.size());
    const auto i = static_cast<size_t>(std::max(1.0, std::ceil(q * n))) - 1;
    return minutes[std::min(i, minutes.size() - 1)];
  };
  s.median_min = rank(0.5);
  s.p90_min = rank(0.9);
  return s;
}

Result<std::unique_ptr<ReportingStats>> ReportingStats::open(Database& db, const Clock& clock) {
  return std::unique_ptr<ReportingStats>(new ReportingStats(db, clock));
}

Result<Turnaround> ReportingStats::turnaround(int days, const access::Principal& actor) {
  if (!actor.may(kStats)) return fail(ErrorCode::Forbidden, "Your role does not read reporting statistics");
  if (days < 1 || days > kMaxTurnaroundDays)
    return fail(ErrorCode::InvalidArgument, "days is 1 to " + std::to_string(kMaxTurnaroundDays));
  const int64_t now = clock_.unix_seconds();
  Turnaround out;
  out.from = utc_iso(now - int64_t{days} * 86400);
  out.to = utc_iso(now);
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  // Each report's first signature (its final version) in the period, with its release.
  auto rows = (*c)->query(
      "SELECT r.order_id, s.signer_name, s.signed_at, l.released_at FROM rep_reports r JOIN rep_versions v ON "
      "v.report_id = r.id AND v.kind = 'final' JOIN rep_signatures s ON s.report_id = v.report_id AND s.number = "
      "v.number LEFT JOIN rep_releases l ON l.report_id = v.report_id AND l.number = v.number WHERE s.signed_at >= ? "
      "AND s.signed_at <= ?",
      // (Stamps are written with or without milliseconds: ".000Z" sorts before both of the same
      // second, "~" after both.)
      {out.from.substr(0, 19) + ".000Z", out.to + "~"});
  if (!rows) return std::unexpected(rows.error());
  std::vector<int64_t> order_ids;
  std::map<int64_t, Timeline> by_order;
  for (const auto& r : *rows) {
    Timeline& t = by_order[r.integer(0)];
    t.radiologist = r.text(1);
    t.signed_ = instant_of(r.text(2));
    t.released = r.is_null(3) ? std::nullopt : instant_of(r.text(3));
    order_ids.push_back(r.integer(0));
  }
  auto orders = ris::order_times(**c, order_ids);
  if (!orders) return std::unexpected(orders.error());
  for (const auto& o : *orders) {
    Timeline& t = by_order[o.order_id];
    t.modality = o.modality;
    t.priority = o.priority;
    t.ordered = instant_of(o.ordered_at);
    t.acquired = instant_of(o.acquired_at);
  }
  std::vector<Timeline> all;
  all.reserve(by_order.size());
  for (auto& [id, t] : by_order) all.push_back(std::move(t));
  std::vector<const Timeline*> every;
  for (const Timeline& t : all) every.push_back(&t);
  out.overall = group_of("", every);
  out.by_modality = grouped(all, &Timeline::modality);
  out.by_radiologist = grouped(all, &Timeline::radiologist);
  out.by_priority = grouped(all, &Timeline::priority);
  auto pending = ris::pending_reading(**c);
  if (!pending) return std::unexpected(pending.error());
  out.pending = std::move(*pending);
  auto held = (*c)->query("SELECT COUNT(*) FROM rep_releases WHERE released_at = ''", {});
  if (!held) return std::unexpected(held.error());
  out.held = (*held)[0].integer(0);
  return out;
}

}  // namespace vireo::reporting
