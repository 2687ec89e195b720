// The clinic's time zone: opening hours and appointments are wall-clock times there, stored
// as UTC instants. A wall time skipped by a DST change does not exist; one repeated by it
// names two instants (the earlier is "first", the later "last").
//
// Thread-safety: a TimeZone is immutable; share it freely.
// Usage:
//   auto zone = TimeZone::named("Europe/Madrid");          // or TimeZone::named("") for the
//   machine's auto opens = zone->utc_of("2027-03-28", 8 * 60);        // sys_seconds, or nullopt in
//   a gap LocalTime t = zone->local_of(instant);                  // {day "2027-03-28", minute 480,
//   offset}
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace date {
class time_zone;
}

namespace vireo {

using Instant = std::chrono::sys_seconds;

struct LocalTime {
  std::string day;         // YYYY-MM-DD
  int minute = 0;          // of the day, 0..1439
  int offset_minutes = 0;  // from UTC at that instant (+60 for CET)
};

class TimeZone {
 public:
  enum class Pick { first, last };
  // An IANA name ("Europe/Madrid"); empty: the machine's own zone. InvalidArgument if unknown.
  static Result<TimeZone> named(std::string_view name);

  [[nodiscard]] const std::string& name() const { return name_; }
  // The instant of a wall time of `day` (YYYY-MM-DD); `minute` may be 1440 (the next midnight).
  // nullopt when DST skips it; `pick` chooses between the two instants of a repeated one.
  [[nodiscard]] std::optional<Instant> utc_of(std::string_view day, int minute,
                                              Pick pick = Pick::first) const;
  // The first instant of the day at or after the wall time (a skipped time: the end of the gap).
  [[nodiscard]] Instant utc_at_or_after(std::string_view day, int minute) const;
  [[nodiscard]] LocalTime local_of(Instant t) const;
  // "2027-03-28T03:00:00+02:00": the instant as the clinic's wall clock writes it.
  [[nodiscard]] std::string local_iso(Instant t) const;

 private:
  explicit TimeZone(const date::time_zone* z, std::string name)
      : zone_(z), name_(std::move(name)) {}
  const date::time_zone* zone_;
  std::string name_;
};

// "2027-03-28" → its days since 1970-01-01; nullopt unless a real date written YYYY-MM-DD.
[[nodiscard]] std::optional<std::chrono::sys_days> parse_day(std::string_view day);
[[nodiscard]] std::string day_text(std::chrono::sys_days d);
// ISO weekday: 1 Monday .. 7 Sunday.
[[nodiscard]] int iso_weekday(std::chrono::sys_days d);
// "2027-03-28T08:00:00Z", "2027-03-28T10:00+02:00", "2027-03-28T08:00:00.000Z" (seconds
// optional, a fraction of them dropped; Z or an offset); nullopt otherwise.
[[nodiscard]] std::optional<Instant> parse_instant(std::string_view text);
// "2027-03-28T08:00:00Z"
[[nodiscard]] std::string instant_text(Instant t);

}  // namespace vireo
