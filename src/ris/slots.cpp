#include "ris/slots.hpp"

#include <algorithm>

#include "ris/catalogue_rules.hpp"

namespace vireo::ris {

bool closed_on(const Room& room, const std::vector<Closure>& closures, std::chrono::sys_days day) {
  const std::string d = day_text(day);
  return std::ranges::any_of(closures, [&](const Closure& c) {
    return (c.room_id == 0 || c.room_id == room.id) && c.starts_on <= d && d <= c.ends_on;
  });
}

std::vector<Span> open_spans(const Room& room, const std::vector<Closure>& closures,
                             std::chrono::sys_days day, const TimeZone& zone) {
  std::vector<Span> out;
  if (!room.active || closed_on(room, closures, day)) return out;
  const int weekday = iso_weekday(day);
  const std::string d = day_text(day);
  for (const auto& h : room.hours) {
    if (h.weekday != weekday) continue;
    // A wall time the clocks skip opens at the end of the gap; one they repeat closes at its
    // second passing, so that a DST day has its real length.
    Instant opens = zone.utc_at_or_after(d, minutes_of_day(h.opens));
    Instant closes = zone.utc_of(d, minutes_of_day(h.closes), TimeZone::Pick::last)
                         .value_or(zone.utc_at_or_after(d, minutes_of_day(h.closes)));
    if (opens < closes) out.push_back({opens, closes});
  }
  std::ranges::sort(out, {}, &Span::start);
  return out;
}

void Taken::sort() {
  auto by_start = [](std::vector<Span>& v) { std::ranges::sort(v, {}, &Span::start); };
  for (auto* m : {&rooms, &radiologists, &technicians})
    for (auto& [id, spans] : *m) by_start(spans);
  by_start(patient);
}

bool overlaps(const std::vector<Span>& sorted, Span s) {
  // Spans of one list may overlap each other (a room's buffer), so every span starting before
  // s.end is a candidate; the list is short per day and per room.
  auto end = std::ranges::lower_bound(sorted, s.end, {}, &Span::start);
  return std::any_of(sorted.begin(), end, [&](const Span& b) { return b.end > s.start; });
}

std::optional<int64_t> free_person(const std::map<int64_t, std::vector<Span>>& people, Span s,
                                   Span day_span, int64_t exclude) {
  std::optional<int64_t> best;
  size_t best_load = 0;
  for (const auto& [id, spans] : people) {
    if (id == exclude || overlaps(spans, s)) continue;
    size_t load = static_cast<size_t>(std::ranges::count_if(
        spans, [&](const Span& b) { return b.start < day_span.end && b.end > day_span.start; }));
    if (!best || load < best_load) {
      best = id;
      best_load = load;
    }
  }
  return best;
}

Staffing staff_for(const Taken& taken, const Needs& needs, Span exam, Span day_span) {
  if (!needs.radiologist) {
    if (!needs.contrast_technician) return {};
    auto t = free_person(taken.technicians, exam, day_span);
    return t ? Staffing{0, *t, ""} : Staffing{0, 0, "technician_busy"};
  }
  // Each free radiologist in turn, least loaded first, with a technician who is someone else:
  // whether the pair exists must not depend on whom the first choice falls.
  std::map<int64_t, std::vector<Span>> radiologists = taken.radiologists;
  bool any = false;
  while (auto r = free_person(radiologists, exam, day_span)) {
    any = true;
    if (!needs.contrast_technician) return {*r, 0, ""};
    if (auto t = free_person(taken.technicians, exam, day_span, *r)) return {*r, *t, ""};
    radiologists.erase(*r);
  }
  return {0, 0, any ? "technician_busy" : "radiologist_busy"};
}

std::string why_not(const Room& room, const std::vector<Span>& open, const Taken& taken,
                    const Needs& needs, Instant start) {
  const Span exam{start, start + needs.duration};
  if (std::ranges::none_of(
          open, [&](const Span& o) { return o.start <= exam.start && exam.end <= o.end; }))
    return "outside_hours";
  const Span kept{exam.start, exam.end + minutes(room.buffer_minutes)};
  if (auto it = taken.rooms.find(room.id); it != taken.rooms.end() && overlaps(it->second, kept))
    return "slot_taken";
  if (overlaps(taken.patient, exam)) return "patient_busy";
  return staff_for(taken, needs, exam, {open.front().start, open.back().end}).missing;
}

std::vector<Window> free_windows(const Room& room, const std::vector<Span>& open,
                                 const Taken& taken, const Needs& needs, Instant not_before) {
  std::vector<Window> out;
  if (needs.duration <= minutes(0)) return out;
  for (const auto& o : open) {
    std::optional<Window> current;
    for (Instant t = o.start; t + needs.duration <= o.end; t += kSlotStep) {
      bool ok = t >= not_before && why_not(room, open, taken, needs, t).empty();
      if (ok && current) {
        current->last = t;
      } else if (ok) {
        current = Window{room.id, t, t};
      } else if (current) {
        out.push_back(*current);
        current.reset();
      }
    }
    if (current) out.push_back(*current);
  }
  return out;
}

}  // namespace vireo::ris
