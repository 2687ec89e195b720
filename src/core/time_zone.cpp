#include "core/time_zone.hpp"

#include <date/tz.h>

#include <charconv>
#include <cstdio>

namespace vireo {

namespace {

using std::chrono::minutes;

std::optional<int> digits(std::string_view s) {
  int v = 0;
  if (s.empty()) return std::nullopt;
  for (char ch : s)
    if (ch < '0' || ch > '9') return std::nullopt;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

date::local_seconds local_at(std::chrono::sys_days day, int minute) {
  return date::local_seconds{day.time_since_epoch()} + minutes(minute);
}

}  // namespace

std::optional<std::chrono::sys_days> parse_day(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto y = digits(s.substr(0, 4)), m = digits(s.substr(5, 2)), d = digits(s.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  date::year_month_day ymd{date::year{*y}, date::month{static_cast<unsigned>(*m)},
                           date::day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{date::sys_days{ymd}.time_since_epoch()};
}

std::string day_text(std::chrono::sys_days d) {
  date::year_month_day ymd{date::sys_days{d.time_since_epoch()}};
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return out;
}

int iso_weekday(std::chrono::sys_days d) {
  return static_cast<int>(date::weekday{date::sys_days{d.time_since_epoch()}}.iso_encoding());
}

std::optional<Instant> parse_instant(std::string_view s) {
  // YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)
  if (s.size() < 17 || (s[10] != 'T' && s[10] != ' ') || s[13] != ':') return std::nullopt;
  auto day = parse_day(s.substr(0, 10));
  auto h = digits(s.substr(11, 2)), m = digits(s.substr(14, 2));
  if (!day || !h || !m || *h > 23 || *m > 59) return std::nullopt;
  std::string_view rest = s.substr(16);
  int sec = 0;
  if (!rest.empty() && rest[0] == ':') {
    auto v = rest.size() >= 3 ? digits(rest.substr(1, 2)) : std::nullopt;
    if (!v || *v > 59) return std::nullopt;
    sec = *v;
    rest.remove_prefix(3);
    // A fraction of a second (JavaScript's toISOString writes milliseconds): dropped.
    if (!rest.empty() && rest[0] == '.') {
      size_t n = 1;
      while (n < rest.size() && n <= 9 && rest[n] >= '0' && rest[n] <= '9') ++n;
      if (n == 1) return std::nullopt;
      rest.remove_prefix(n);
    }
  }
  int offset = 0;
  if (rest == "Z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    auto oh = digits(rest.substr(1, 2)), om = digits(rest.substr(4, 2));
    if (!oh || !om || *oh > 14 || *om > 59) return std::nullopt;
    offset = (*oh * 60 + *om) * (rest[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  return Instant{day->time_since_epoch()} + std::chrono::hours(*h) + minutes(*m - offset) +
         std::chrono::seconds(sec);
}

std::string instant_text(Instant t) {
  return date::format("%FT%TZ", date::sys_seconds{t.time_since_epoch()});
}

Result<TimeZone> TimeZone::named(std::string_view name) {
  try {
    const date::time_zone* z =
        name.empty() ? date::current_zone() : date::locate_zone(std::string(name));
    return TimeZone(z, std::string(z->name()));
  } catch (const std::exception& e) {
    return fail(ErrorCode::InvalidArgument,
                "unknown time zone \"" + std::string(name) +
                    "\": give an IANA name such as Europe/Madrid or America/New_York");
  }
}

std::optional<Instant> TimeZone::utc_of(std::string_view day, int minute, Pick pick) const {
  auto d = parse_day(day);
  if (!d) return std::nullopt;
  auto info = zone_->get_info(local_at(*d, minute));
  if (info.result == date::local_info::nonexistent) return std::nullopt;
  const auto& use =
      info.result == date::local_info::ambiguous && pick == Pick::last ? info.second : info.first;
  return Instant{(local_at(*d, minute) - use.offset).time_since_epoch()};
}

Instant TimeZone::utc_at_or_after(std::string_view day, int minute) const {
  if (auto t = utc_of(day, minute)) return *t;
  // In a gap: the instant the clocks jump to.
  auto info = zone_->get_info(local_at(*parse_day(day), minute));
  return Instant{info.second.begin.time_since_epoch()};
}

LocalTime TimeZone::local_of(Instant t) const {
  auto info = zone_->get_info(date::sys_seconds{t.time_since_epoch()});
  auto local = t + info.offset;
  auto day = std::chrono::floor<std::chrono::days>(local);
  LocalTime out;
  out.day = day_text(day);
  out.minute = static_cast<int>(std::chrono::duration_cast<minutes>(local - day).count());
  out.offset_minutes = static_cast<int>(std::chrono::duration_cast<minutes>(info.offset).count());
  return out;
}

std::string TimeZone::local_iso(Instant t) const {
  auto info = zone_->get_info(date::sys_seconds{t.time_since_epoch()});
  auto local = t + info.offset;
  int off = static_cast<int>(std::chrono::duration_cast<minutes>(info.offset).count());
  const int hours = std::abs(off) / 60 % 100, mins = std::abs(off) % 60;
  const std::string suffix =
      std::string(off < 0 ? "-" : "+") + static_cast<char>('0' + hours / 10) +
      static_cast<char>('0' + hours % 10) + ":" + static_cast<char>('0' + mins / 10) +
      static_cast<char>('0' + mins % 10);
  return date::format("%FT%T", date::sys_seconds{local.time_since_epoch()}) + suffix;
}

}  // namespace vireo
