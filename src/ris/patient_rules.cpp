#include "ris/patient_rules.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/strings.hpp"
#include "ris/field_checks.hpp"

namespace vireo::ris {

namespace {

using checks::Checker;
using checks::characters;

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// A real calendar date in YYYY-MM-DD.
}  // namespace

bool is_calendar_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  int y = 0, m = 0, day = 0;
  auto num = [&](size_t at, size_t n, int& out) {
    auto r = std::from_chars(d.data() + at, d.data() + at + n, out);
    return r.ec == std::errc() && r.ptr == d.data() + at + n;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, day)) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || day < 1) return false;
  return day <= kDays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
}

namespace {

bool is_email(std::string_view e) {
  auto at = e.find('@');
  if (at == 0 || at == std::string_view::npos || e.find('@', at + 1) != std::string_view::npos)
    return false;
  auto domain = e.substr(at + 1);
  auto dot = domain.rfind('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 2 > domain.size()) return false;
  for (char c : e)
    if (static_cast<unsigned char>(c) <= ' ' || c == ',' || c == ';' || c == '<' || c == '>')
      return false;
  return true;
}

}  // namespace

PatientFields tidy(PatientFields p) {
  for (std::string* s : {&p.mrn, &p.mrn_issuer, &p.name.family, &p.name.given, &p.name.middle,
                         &p.name.prefix, &p.name.suffix, &p.birth_date, &p.sex, &p.phone, &p.email,
                         &p.address, &p.national_id, &p.insurance_number, &p.allergies, &p.notes})
    *s = std::string(trim(*s));
  for (char& c : p.sex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return p;
}

std::vector<FieldError> validate(const PatientFields& p, std::string_view today) {
  Checker c;
  c.dicom_text("mrn", "The MRN", p.mrn, false);
  c.dicom_text("mrnIssuer", "The MRN's issuer", p.mrn_issuer, false);
  // The archive's patient is found by these two exactly; * and ? would match other patients
  // wherever DICOM matching reads them as wildcards (C-FIND, QIDO-RS).
  for (auto [field, value] : {std::pair{"mrn", &p.mrn}, std::pair{"mrnIssuer", &p.mrn_issuer}})
    if (value->find_first_of("*?") != std::string::npos)
      c.add(field, "format", std::string(field) + " cannot contain * or ? (DICOM wildcards)");
  if (p.name.family.empty()) c.add("familyName", "required", "The family name is required");
  c.dicom_text("familyName", "The family name", p.name.family, true);
  c.dicom_text("givenName", "The given name", p.name.given, true);
  c.dicom_text("middleName", "The middle name", p.name.middle, true);
  c.dicom_text("namePrefix", "The name prefix", p.name.prefix, true);
  c.dicom_text("nameSuffix", "The name suffix", p.name.suffix, true);
  if (p.birth_date.empty()) {
    c.add("birthDate", "required", "The birth date is required");
  } else if (!is_calendar_date(p.birth_date)) {
    c.add("birthDate", "format", "The birth date must be a real date written YYYY-MM-DD");
  } else if (p.birth_date > today) {
    c.add("birthDate", "future", "The birth date is in the future");
  } else if (p.birth_date < "1880-01-01") {
    c.add("birthDate", "too_old", "The birth date is before 1880: check the year");
  }
  if (p.sex.empty()) {
    c.add("sex", "required", "The sex is required (F, M, O for other, or U for unknown)");
  } else if (p.sex != "F" && p.sex != "M" && p.sex != "O" && p.sex != "U") {
    c.add("sex", "unknown", "The sex must be F, M, O (other) or U (unknown)");
  }
  if (!p.phone.empty() && c.text("phone", "The phone number", p.phone, 32)) {
    size_t digits = phone_digits(p.phone).size();
    auto plus = p.phone.find('+');
    bool allowed =
        p.phone.find_first_not_of("+0123456789 -().") == std::string::npos &&
        (plus == std::string::npos || (plus == 0 && p.phone.find('+', 1) == std::string::npos));
    if (!allowed || digits < 6 || digits > 15)
      c.add("phone", "format",
            "The phone number must have 6 to 15 digits (spaces, dashes, brackets and a leading + "
            "allowed)");
  }
  if (!p.email.empty() && c.text("email", "The e-mail address", p.email, 254) && !is_email(p.email))
    c.add("email", "format", "The e-mail address is not valid (name@example.org)");
  c.text("address", "The address", p.address, 512, true);
  c.dicom_text("nationalId", "The national ID", p.national_id, false);
  c.dicom_text("insuranceNumber", "The insurance number", p.insurance_number, false);
  c.text("allergies", "The allergies", p.allergies, 2000, true);
  c.text("notes", "The notes", p.notes, 4000, true);
  return c.errors;
}

bool is_clean_text(std::string_view s) { return characters(s, false) >= 0; }

std::string name_key(std::string_view name) { return normalize_person_name(trim(name)); }

std::string sound_key(std::string_view name) {
  std::string key = name_key(name);
  // Scripts other than Latin (and letters name_key does not fold) are compared as written: the
  // rules below are for Latin spellings, and must never cut a UTF-8 sequence apart.
  if (std::ranges::any_of(key, [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
    return key;
  std::string s;
  for (char c : key)
    if (std::isalpha(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80)
      s += c;
  auto front_vowel = [&](size_t i) {
    return i < s.size() && (s[i] == 'E' || s[i] == 'I' || s[i] == 'Y');
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i], next = i + 1 < s.size() ? s[i + 1] : '\0';
    std::string_view sound(&c, 1);
    if (c == 'L' && next == 'L') {
      sound = "Y";
      ++i;
    } else if (c == 'C' && next == 'H') {
      sound = "X";
      ++i;
    } else if (c == 'Q' && next == 'U') {
      sound = "K";
      ++i;
    } else if (c == 'P' && next == 'H') {
      sound = "F";
      ++i;
    } else if (c == 'C')
      sound = front_vowel(i + 1) ? "S" : "K";
    else if (c == 'G' && front_vowel(i + 1))
      sound = "J";
    else if (c == 'Q')
      sound = "K";
    else if (c == 'Z')
      sound = "S";
    else if (c == 'V' || c == 'W')
      sound = "B";
    else if (c == 'H')
      continue;  // silent in Spanish and Catalan
    else if (c == 'Y' && !out.empty() && i + 1 == s.size())
      sound = "I";                                       // a final y is a vowel
    if (!out.empty() && out.ends_with(sound)) continue;  // doubled letters sound once
    out += sound;
  }
  return out;
}

std::string identifier_key(std::string_view id) {
  std::string out;
  for (char c : id)
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string phone_digits(std::string_view phone) {
  std::string out;
  for (char c : phone)
    if (c >= '0' && c <= '9') out += c;
  return out;
}

std::string expand_mrn_pattern(std::string_view pattern, int64_t counter, std::string_view year) {
  std::string out;
  bool had_seq = false;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern.substr(i).starts_with("{yyyy}")) {
      out += year;
      i += 6;
      continue;
    }
    if (pattern.substr(i).starts_with("{seq")) {
      auto end = pattern.find('}', i);
      if (end != std::string_view::npos) {
        int width = 0;
        if (pattern[i + 4] == ':')
          std::from_chars(pattern.data() + i + 5, pattern.data() + end, width);
        std::string n = std::to_string(counter);
        width = std::min(width, 64);  // an MRN is at most 64 characters anyway
        if (static_cast<int>(n.size()) < width)
          n.insert(0, static_cast<size_t>(width) - n.size(), '0');
        out += n;
        had_seq = true;
        i = end + 1;
        continue;
      }
    }
    out += pattern[i++];
  }
  if (!had_seq) out += std::to_string(counter);
  return out;
}

std::string number_pattern_problem(std::string_view pattern, size_t max_chars,
                                   std::string_view what) {
  for (auto at = pattern.find("{seq:"); at != std::string_view::npos;
       at = pattern.find("{seq:", at + 1)) {
    int width = 0;
    auto end = pattern.find('}', at);
    auto r = std::from_chars(
        pattern.data() + at + 5,
        pattern.data() + (end == std::string_view::npos ? pattern.size() : end), width);
    if (r.ec != std::errc() || width > 18)
      return "the counter's width ({seq:N}) is a number of at most 18 digits";
  }
  std::string sample = expand_mrn_pattern(pattern, 999999999, "2026");
  if (characters(sample, false) < 0 || sample.find('\\') != std::string::npos)
    return "it makes " + std::string(what) + " with characters DICOM cannot hold";
  if (sample.size() > max_chars)
    return "it makes " + std::string(what) + " longer than " + std::to_string(max_chars) +
           " characters";
  return {};
}

std::string mrn_pattern_problem(std::string_view pattern) {
  return number_pattern_problem(pattern, 64, "MRNs");
}

}  // namespace vireo::ris
