#include "api/step_values.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace vireo::api {

std::string person_name(const ris::PersonName& n) {
  std::string pn = n.family + "^" + n.given + "^" + n.middle + "^" + n.prefix + "^" + n.suffix;
  while (!pn.empty() && pn.back() == '^') pn.pop_back();
  return pn;
}

std::string dicom_date(const std::string& iso_day) {
  std::string d;
  for (char c : iso_day)
    if (c != '-') d += c;
  return d;
}

std::string dicom_time(int minute_of_day) {
  const int minute = std::clamp(minute_of_day, 0, 1439);
  std::string t = "000000";
  t[0] = static_cast<char>('0' + minute / 600);
  t[1] = static_cast<char>('0' + minute / 60 % 10);
  t[2] = static_cast<char>('0' + minute % 60 / 10);
  t[3] = static_cast<char>('0' + minute % 10);
  return t;
}

std::string dicom_datetime(const LocalTime& t) {
  const int offset = std::abs(t.offset_minutes);
  std::string zone = t.offset_minutes < 0 ? "-" : "+";
  zone += std::to_string(offset / 600) + std::to_string(offset / 60 % 10) + std::to_string(offset % 60 / 10) +
          std::to_string(offset % 10);
  return dicom_date(t.day) + dicom_time(t.minute) + zone;
}

std::string procedures_text(const ris::ScheduledStep& s) {
  std::string out;
  for (const auto& p : s.procedures) out += (out.empty() ? "" : " + ") + p.name;
  return out;
}

std::string cut_chars(const std::string& v, size_t max) {
  size_t chars = 0, i = 0;
  for (; i < v.size(); ++i) {
    if ((static_cast<unsigned char>(v[i]) & 0xC0) == 0x80) continue;  // a continuation byte
    if (chars++ == max) break;
  }
  return v.substr(0, i);
}

std::vector<std::string> line_values(const std::string& text, size_t max) {
  std::vector<std::string> out;
  for (const auto& line : split(text, '\n')) {
    for (std::string rest(trim(line)); !rest.empty();) {
      std::string piece = cut_chars(rest, max);
      if (piece.size() < rest.size() && rest[piece.size()] != ' ')
        if (auto space = piece.rfind(' '); space != std::string::npos && space > 0) piece.resize(space);
      out.emplace_back(trim(piece));
      rest = std::string(trim(std::string_view(rest).substr(piece.size())));
    }
  }
  return out;
}

}  // namespace vireo::api
