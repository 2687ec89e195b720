// Free time: when an exam of a given length can start, from the rooms' opening hours (the gaps
// between a day's intervals are its breaks), their closures, what is booked already (each
// booking keeps its room until its end plus the room's buffer) and the staff it needs.
// Pure functions over what the caller read: the same rules answer "which slots are free" and
// "may this booking be made", so the two cannot disagree.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time_zone.hpp"
#include "ris/catalogue.hpp"

namespace vireo::ris {

using std::chrono::minutes;

// [start, end)
struct Span {
  Instant start, end;
  friend bool operator==(const Span&, const Span&) = default;
};

// Candidate starts are this far apart, from each opening.
inline constexpr minutes kSlotStep{5};

// The spans a room is open on a day of the clinic's calendar: none when it is closed that day.
[[nodiscard]] std::vector<Span> open_spans(const Room& room, const std::vector<Closure>& closures,
                                           std::chrono::sys_days day, const TimeZone& zone);
// Whether the day is within one of the closures of this room (or of every room).
[[nodiscard]] bool closed_on(const Room& room, const std::vector<Closure>& closures,
                             std::chrono::sys_days day);

// What an exam needs.
struct Needs {
  minutes duration{0};
  bool radiologist = false;
  bool contrast_technician = false;
};

// What is taken, each list sorted by start.
struct Taken {
  std::map<int64_t, std::vector<Span>> rooms;  // room id → [start, busy_until) of its bookings
  // Staff id → every booking of that person, whatever they were booked as: someone who is both
  // a radiologist and a contrast-trained technician has the same list in both maps.
  std::map<int64_t, std::vector<Span>> radiologists;
  std::map<int64_t, std::vector<Span>> technicians;
  std::vector<Span> patient;  // the patient's own other bookings
  // Add each in any order, then sort() once.
  void sort();
};

// Whether `s` overlaps any span of a sorted list.
[[nodiscard]] bool overlaps(const std::vector<Span>& sorted, Span s);
// The free one among `people` (staff id → sorted bookings) for `s`, other than `exclude`,
// preferring who has the fewest bookings in `day_span` (then the lowest id); nullopt when all
// are busy.
[[nodiscard]] std::optional<int64_t> free_person(const std::map<int64_t, std::vector<Span>>& people,
                                                 Span s, Span day_span, int64_t exclude = 0);

// Who an exam is booked with: a radiologist and a contrast-trained technician as it needs, two
// different people when it needs both (0: not needed); `missing` names the rule when nobody is
// free ("radiologist_busy", "technician_busy").
struct Staffing {
  int64_t radiologist = 0, technician = 0;
  std::string missing;
};
[[nodiscard]] Staffing staff_for(const Taken& taken, const Needs& needs, Span exam, Span day_span);

// Why an exam cannot start at `start` in `room`, or empty when it can ("outside_hours",
// "slot_taken", "radiologist_busy", "technician_busy", "patient_busy").
[[nodiscard]] std::string why_not(const Room& room, const std::vector<Span>& open,
                                  const Taken& taken, const Needs& needs, Instant start);

// Consecutive free starts of one room: any start from `first` to `last`, kSlotStep apart.
struct Window {
  int64_t room_id = 0;
  Instant first, last;
  friend bool operator==(const Window&, const Window&) = default;
};

// The free windows of a room on a day, starts not before `not_before`.
[[nodiscard]] std::vector<Window> free_windows(const Room& room, const std::vector<Span>& open,
                                               const Taken& taken, const Needs& needs,
                                               Instant not_before);

}  // namespace vireo::ris
