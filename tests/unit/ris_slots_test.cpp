// The clinic's time zone and the free-slot rules, without a database: opening hours with
// breaks, closures, a room's buffer, the staff an exam needs, and both DST changes of a year.
#include <gtest/gtest.h>

#include "core/time_zone.hpp"
#include "ris/slots.hpp"

namespace vireo::ris {
namespace {

using std::chrono::minutes;

Instant at(const char* iso) { return *parse_instant(iso); }
std::chrono::sys_days day(const char* d) { return *parse_day(d); }
TimeZone zone(const char* name) { return *TimeZone::named(name); }

Room room_open(std::vector<OpeningInterval> hours, int64_t buffer = 0) {
  Room r;
  r.id = 1;
  r.name = "CT 1";
  r.modality = "CT";
  r.hours = std::move(hours);
  r.buffer_minutes = buffer;
  return r;
}

// Sunday is weekday 7.
Room sunday_night_room() { return room_open({{7, "00:00", "06:00"}}); }

minutes length(const std::vector<Span>& spans) {
  minutes total{0};
  for (const auto& s : spans) total += std::chrono::duration_cast<minutes>(s.end - s.start);
  return total;
}

TEST(TimeZone, InstantsAreReadWithTheirOffsetAndWrittenInUtc) {
  EXPECT_EQ(instant_text(at("2027-03-28T10:00+02:00")), "2027-03-28T08:00:00Z");
  EXPECT_EQ(instant_text(at("2027-03-28T08:00:05Z")), "2027-03-28T08:00:05Z");
  EXPECT_EQ(instant_text(at("2027-01-05T23:30:00-05:00")), "2027-01-06T04:30:00Z");
  EXPECT_EQ(instant_text(at("2027-03-28T08:00:05.999Z")), "2027-03-28T08:00:05Z");
  for (const char* bad : {"", "2027-03-28", "2027-03-28T08:00", "2027-02-30T08:00Z",
                          "2027-03-28T24:00Z", "2027-03-28T08:00+2", "2027-03-28T08:00:00Zjunk",
                          "2027-03-28T8:00Z", "2027-03-28T08:00:00.Z", "2027-03-28T08:00.5Z"})
    EXPECT_FALSE(parse_instant(bad)) << bad;
  EXPECT_FALSE(TimeZone::named("Nowhere/Atlantis"));
  EXPECT_FALSE(parse_day("2027-13-01"));
  EXPECT_EQ(iso_weekday(day("2027-03-28")), 7);
}

TEST(TimeZone, WallTimesSkippedAndRepeatedByDst) {
  const TimeZone madrid = zone("Europe/Madrid");
  // 2027-03-28: at 02:00 the clocks go to 03:00; 02:30 does not exist.
  EXPECT_FALSE(madrid.utc_of("2027-03-28", 150));
  EXPECT_EQ(instant_text(madrid.utc_at_or_after("2027-03-28", 150)), "2027-03-28T01:00:00Z");
  // 2027-10-31: at 03:00 the clocks go back to 02:00; 02:30 happens twice.
  EXPECT_EQ(instant_text(*madrid.utc_of("2027-10-31", 150)), "2027-10-31T00:30:00Z");
  EXPECT_EQ(instant_text(*madrid.utc_of("2027-10-31", 150, TimeZone::Pick::last)),
            "2027-10-31T01:30:00Z");
  const LocalTime t = madrid.local_of(at("2027-10-31T01:30:00Z"));
  EXPECT_EQ(t.day, "2027-10-31");
  EXPECT_EQ(t.minute, 150);
  EXPECT_EQ(t.offset_minutes, 60);
  EXPECT_EQ(madrid.local_iso(at("2027-07-01T06:00:00Z")), "2027-07-01T08:00:00+02:00");
  EXPECT_EQ(madrid.local_of(at("2027-07-01T22:30:00Z")).day, "2027-07-02");
}

TEST(Slots, ADayThatLosesAnHourHasAnHourLessOfSlots) {
  const TimeZone madrid = zone("Europe/Madrid");
  const Room room = sunday_night_room();
  auto ordinary = open_spans(room, {}, day("2027-03-21"), madrid);
  auto spring = open_spans(room, {}, day("2027-03-28"), madrid);
  EXPECT_EQ(length(ordinary), minutes(360));
  EXPECT_EQ(length(spring), minutes(300));
  ASSERT_EQ(spring.size(), 1u);
  EXPECT_EQ(instant_text(spring[0].start), "2027-03-27T23:00:00Z");  // 00:00 CET
  EXPECT_EQ(instant_text(spring[0].end), "2027-03-28T04:00:00Z");    // 06:00 CEST

  const Needs hour{minutes(60), false, false};
  auto windows = free_windows(room, spring, {}, hour, Instant{});
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(madrid.local_iso(windows[0].first), "2027-03-28T00:00:00+01:00");
  EXPECT_EQ(madrid.local_iso(windows[0].last), "2027-03-28T05:00:00+02:00");
  // Every five minutes from 00:00 to the last start: 4 real hours of starts.
  EXPECT_EQ((windows[0].last - windows[0].first) / kSlotStep + 1, 49);
  // An exam from 01:30 for an hour ends at 03:30 on the wall clock: it fits.
  EXPECT_EQ(why_not(room, spring, {}, hour, at("2027-03-28T00:30:00Z")), "");
  // The last hour before 06:00 CEST starts at 05:00; 05:05 does not fit.
  EXPECT_EQ(why_not(room, spring, {}, hour, at("2027-03-28T03:05:00Z")), "outside_hours");
}

TEST(Slots, ADayThatGainsAnHourHasAnHourMoreOfSlots) {
  const TimeZone madrid = zone("Europe/Madrid");
  const Room room = sunday_night_room();
  auto autumn = open_spans(room, {}, day("2027-10-31"), madrid);
  EXPECT_EQ(length(autumn), minutes(420));
  auto windows = free_windows(room, autumn, {}, {minutes(60), false, false}, Instant{});
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ((windows[0].last - windows[0].first) / kSlotStep + 1, 73);
  EXPECT_EQ(madrid.local_iso(windows[0].first), "2027-10-31T00:00:00+02:00");
  EXPECT_EQ(madrid.local_iso(windows[0].last), "2027-10-31T05:00:00+01:00");
  // A room that closes at the repeated 02:30 closes at its second passing.
  auto repeated = open_spans(room_open({{7, "01:00", "02:30"}}), {}, day("2027-10-31"), madrid);
  EXPECT_EQ(length(repeated), minutes(150));
  // One that opens in the skipped hour opens when the clocks have jumped.
  auto skipped = open_spans(room_open({{7, "02:30", "04:00"}}), {}, day("2027-03-28"), madrid);
  EXPECT_EQ(length(skipped), minutes(60));
}

TEST(Slots, NewYorkChangesOnOtherDaysThanEurope) {
  const TimeZone ny = zone("America/New_York");
  const Room room = sunday_night_room();
  EXPECT_EQ(length(open_spans(room, {}, day("2027-03-14"), ny)), minutes(300));
  EXPECT_EQ(length(open_spans(room, {}, day("2027-03-28"), ny)), minutes(360));
  EXPECT_EQ(length(open_spans(room, {}, day("2027-11-07"), ny)), minutes(420));
}

TEST(Slots, BreaksClosuresAndTheRoomsBuffer) {
  const TimeZone utc = zone("UTC");
  // Monday 2027-03-01: 08:00–13:00 and 14:00–18:00 (lunch between).
  Room room = room_open({{1, "08:00", "13:00"}, {1, "14:00", "18:00"}}, 10);
  auto open = open_spans(room, {}, day("2027-03-01"), utc);
  ASSERT_EQ(open.size(), 2u);
  const Needs half{minutes(30), false, false};
  EXPECT_EQ(why_not(room, open, {}, half, at("2027-03-01T12:45:00Z")), "outside_hours");
  EXPECT_EQ(why_not(room, open, {}, half, at("2027-03-01T12:30:00Z")), "");
  EXPECT_EQ(why_not(room, open, {}, half, at("2027-03-01T07:55:00Z")), "outside_hours");

  Closure everyone{{0, "2027-03-01", "2027-03-01", "Holiday"}, 1, "admin"};
  Closure other_room{{2, "2027-03-01", "2027-03-05", "Service"}, 2, "admin"};
  EXPECT_TRUE(open_spans(room, {everyone}, day("2027-03-01"), utc).empty());
  EXPECT_EQ(open_spans(room, {other_room}, day("2027-03-01"), utc).size(), 2u);
  room.active = false;
  EXPECT_TRUE(open_spans(room, {}, day("2027-03-01"), utc).empty());
  room.active = true;

  // Booked 09:00–09:30; the room is kept until 09:40 (its buffer).
  Taken taken;
  taken.rooms[1] = {{at("2027-03-01T09:00:00Z"), at("2027-03-01T09:40:00Z")}};
  EXPECT_EQ(why_not(room, open, taken, half, at("2027-03-01T09:35:00Z")), "slot_taken");
  EXPECT_EQ(why_not(room, open, taken, half, at("2027-03-01T09:40:00Z")), "");
  // Ending at 09:00 leaves no buffer before the next one: it needs 08:20 at the latest.
  EXPECT_EQ(why_not(room, open, taken, half, at("2027-03-01T08:25:00Z")), "slot_taken");
  EXPECT_EQ(why_not(room, open, taken, half, at("2027-03-01T08:20:00Z")), "");
  auto windows = free_windows(room, open, taken, half, Instant{});
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[0], (Window{1, at("2027-03-01T08:00:00Z"), at("2027-03-01T08:20:00Z")}));
  EXPECT_EQ(windows[1], (Window{1, at("2027-03-01T09:40:00Z"), at("2027-03-01T12:30:00Z")}));
  EXPECT_EQ(windows[2], (Window{1, at("2027-03-01T14:00:00Z"), at("2027-03-01T17:30:00Z")}));
  // Nothing before the present.
  windows = free_windows(room, open, taken, half, at("2027-03-01T15:02:00Z"));
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].first, at("2027-03-01T15:05:00Z"));
}

TEST(Slots, TheStaffAnExamNeedsAndThePatientsOtherBookings) {
  const TimeZone utc = zone("UTC");
  Room room = room_open({{1, "08:00", "18:00"}});
  auto open = open_spans(room, {}, day("2027-03-01"), utc);
  const Needs biopsy{minutes(60), true, false};
  const Needs contrast{minutes(30), false, true};
  Taken taken;
  // No radiologist at all: nothing can be booked that needs one.
  EXPECT_EQ(why_not(room, open, taken, biopsy, at("2027-03-01T10:00:00Z")), "radiologist_busy");
  taken.radiologists[7] = {{at("2027-03-01T10:00:00Z"), at("2027-03-01T11:00:00Z")}};
  taken.radiologists[9] = {{at("2027-03-01T10:30:00Z"), at("2027-03-01T11:30:00Z")}};
  taken.technicians[4] = {};
  EXPECT_EQ(why_not(room, open, taken, biopsy, at("2027-03-01T10:15:00Z")), "radiologist_busy");
  EXPECT_EQ(why_not(room, open, taken, biopsy, at("2027-03-01T10:45:00Z")), "radiologist_busy");
  EXPECT_EQ(why_not(room, open, taken, biopsy, at("2027-03-01T11:00:00Z")), "");  // 7 is free
  EXPECT_EQ(why_not(room, open, taken, contrast, at("2027-03-01T10:15:00Z")), "");
  // Who is free: the one with fewer bookings that day first.
  const Span day_span{at("2027-03-01T00:00:00Z"), at("2027-03-02T00:00:00Z")};
  taken.radiologists[9].push_back({at("2027-03-01T15:00:00Z"), at("2027-03-01T16:00:00Z")});
  taken.sort();
  EXPECT_EQ(free_person(taken.radiologists,
                        {at("2027-03-01T12:00:00Z"), at("2027-03-01T13:00:00Z")}, day_span),
            7);
  EXPECT_EQ(free_person(taken.radiologists,
                        {at("2027-03-01T15:00:00Z"), at("2027-03-01T15:30:00Z")}, day_span),
            7);
  EXPECT_EQ(free_person(taken.radiologists,
                        {at("2027-03-01T10:40:00Z"), at("2027-03-01T10:50:00Z")}, day_span),
            std::nullopt);
  // Someone who is both a radiologist and a contrast-trained technician is one person: busy as
  // either, busy for both, and never both people of one exam.
  Taken both;
  both.radiologists[5] = {{at("2027-03-01T10:00:00Z"), at("2027-03-01T11:00:00Z")}};
  both.technicians[5] = both.radiologists[5];
  const Needs everything{minutes(30), true, true};
  EXPECT_EQ(why_not(room, open, both, contrast, at("2027-03-01T10:30:00Z")), "technician_busy");
  EXPECT_EQ(why_not(room, open, both, everything, at("2027-03-01T12:00:00Z")), "technician_busy");
  both.technicians[6] = {};
  EXPECT_EQ(why_not(room, open, both, everything, at("2027-03-01T12:00:00Z")), "");
  const Staffing pair = staff_for(
      both, everything, {at("2027-03-01T12:00:00Z"), at("2027-03-01T12:30:00Z")}, day_span);
  EXPECT_EQ(std::pair(pair.radiologist, pair.technician), std::pair(int64_t{5}, int64_t{6}));
  // With 6 a radiologist too and less loaded, 6 is the radiologist and 5 the technician.
  both.radiologists[6] = {};
  const Staffing swapped = staff_for(
      both, everything, {at("2027-03-01T12:00:00Z"), at("2027-03-01T12:30:00Z")}, day_span);
  EXPECT_EQ(std::pair(swapped.radiologist, swapped.technician), std::pair(int64_t{6}, int64_t{5}));

  // The patient cannot be in two rooms at once.
  taken.patient = {{at("2027-03-01T13:00:00Z"), at("2027-03-01T13:20:00Z")}};
  EXPECT_EQ(why_not(room, open, taken, contrast, at("2027-03-01T12:45:00Z")), "patient_busy");
  EXPECT_EQ(why_not(room, open, taken, contrast, at("2027-03-01T13:20:00Z")), "");
}

}  // namespace
}  // namespace vireo::ris
