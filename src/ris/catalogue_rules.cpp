#include "ris/catalogue_rules.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "core/strings.hpp"
#include "ris/field_checks.hpp"
#include "ris/patient_rules.hpp"

namespace vireo::ris {

namespace {
using checks::Checker;

std::string trimmed(const std::string& s) { return std::string(trim(s)); }

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool all_of(std::string_view s, std::string_view allowed_punctuation, bool lower_only = false) {
  return std::ranges::all_of(s, [&](char ch) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isdigit(c)) return true;
    if (std::isalpha(c)) return !lower_only || std::islower(c);
    return allowed_punctuation.find(ch) != std::string_view::npos;
  });
}

void modality(Checker& c, std::string_view m) {
  if (m.empty())
    c.add("modality", "required", "The modality is required (CT, MR, US, ...)");
  else if (!is_modality(m))
    c.add("modality", "unknown", "The modality must be a DICOM modality code such as CT, MR or US");
}

}  // namespace

bool is_modality(std::string_view code) {
  return std::ranges::any_of(kModalities, [&](const char* m) { return code == m; });
}

int minutes_of_day(std::string_view t) {
  if (t.size() != 5 || t[2] != ':' || !std::isdigit(static_cast<unsigned char>(t[0])) ||
      !std::isdigit(static_cast<unsigned char>(t[1])) ||
      !std::isdigit(static_cast<unsigned char>(t[3])) ||
      !std::isdigit(static_cast<unsigned char>(t[4])))
    return -1;
  int h = (t[0] - '0') * 10 + (t[1] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return -1;
  return h * 60 + m;
}

ProcedureFields tidy(ProcedureFields p) {
  for (std::string* s :
       {&p.code, &p.name, &p.modality, &p.body_part, &p.preparation, &p.report_template})
    *s = trimmed(*s);
  p.modality = upper(p.modality);
  p.body_part = upper(p.body_part);
  for (auto& t : p.consent_types) t = trimmed(t);
  return p;
}

RoomFields tidy(RoomFields r) {
  r.name = trimmed(r.name);
  r.site = trimmed(r.site);
  r.modality = upper(trimmed(r.modality));
  r.ae_title = trimmed(r.ae_title);
  std::ranges::sort(r.hours, [](const auto& a, const auto& b) {
    return std::tie(a.weekday, a.opens) < std::tie(b.weekday, b.opens);
  });
  return r;
}

std::vector<FieldError> validate(const ProcedureFields& p) {
  Checker c;
  if (p.code.empty())
    c.add("code", "required", "The code is required");
  else if (c.text("code", "The code", p.code, 16) && !all_of(p.code, "-_."))
    c.add("code", "format", "The code may have letters, digits, - _ and . only");
  if (p.name.empty()) c.add("name", "required", "The name is required");
  c.dicom_text("name", "The name", p.name, false);
  modality(c, p.modality);
  if (c.text("bodyPart", "The body part", p.body_part, 16) && !all_of(p.body_part, "_ "))
    c.add("bodyPart", "format", "The body part is a DICOM code: letters, digits, _ and spaces");
  if (p.duration_minutes < 5 || p.duration_minutes > 480 || p.duration_minutes % 5 != 0)
    c.add("durationMinutes", "range", "The duration is 5 to 480 minutes, in steps of 5");
  c.text("preparation", "The preparation", p.preparation, 4000, true);
  if (p.consent_types.size() > 10) c.add("consentTypes", "too_long", "At most 10 consent types");
  for (const auto& t : p.consent_types)
    if (t.empty() || t.size() > 32 || !all_of(t, "_", true)) {
      c.add("consentTypes", "format",
            "A consent type is a short code of lower-case letters, digits and _ (\"contrast\")");
      break;
    }
  c.dicom_text("reportTemplate", "The report template", p.report_template, false);
  if (p.price_cents < 0 || p.price_cents > 100'000'000'00)
    c.add("priceCents", "range", "The price is 0 to 100,000,000 in cents");
  if (p.daily_limit < 0 || p.daily_limit > 1000)
    c.add("dailyLimit", "range", "The daily limit is 0 (none) to 1000");
  return c.errors;
}

std::vector<FieldError> validate(const RoomFields& r) {
  Checker c;
  if (r.name.empty()) c.add("name", "required", "The room's name is required");
  c.text("name", "The room's name", r.name, 64);
  c.text("site", "The site's name", r.site, kMaxSiteName);
  modality(c, r.modality);
  // A DICOM AE title: 16 characters at most, printable ASCII without backslash.
  if (r.ae_title.size() > 16)
    c.add("aeTitle", "too_long", "An AE title has at most 16 characters");
  else if (!std::ranges::all_of(r.ae_title,
                                [](char ch) { return ch >= 0x20 && ch < 0x7F && ch != '\\'; }))
    c.add("aeTitle", "format", "An AE title has printable ASCII characters without \\ only");
  if (r.buffer_minutes < 0 || r.buffer_minutes > 120)
    c.add("bufferMinutes", "range", "The time kept free after each exam is 0 to 120 minutes");
  std::map<int, std::vector<std::pair<int, int>>> days;
  for (const auto& h : r.hours) {
    int opens = minutes_of_day(h.opens), closes = minutes_of_day(h.closes);
    if (h.weekday < 1 || h.weekday > 7) {
      c.add("hours", "format", "A weekday is 1 (Monday) to 7 (Sunday)");
      return c.errors;
    }
    if (opens < 0 || closes < 0) {
      c.add("hours", "format", "Opening hours are written HH:MM, 00:00 to 24:00");
      return c.errors;
    }
    if (opens >= closes) {
      c.add("hours", "order", "A room closes after it opens (" + h.opens + "–" + h.closes + ")");
      return c.errors;
    }
    days[h.weekday].push_back({opens, closes});
  }
  for (auto& [day, spans] : days) {
    std::ranges::sort(spans);
    if (spans.size() > 6) c.add("hours", "too_long", "At most 6 opening intervals a day");
    for (size_t i = 1; i < spans.size(); ++i)
      if (spans[i].first < spans[i - 1].second) {
        c.add("hours", "overlap", "Two opening intervals of one day overlap");
        return c.errors;
      }
  }
  return c.errors;
}

StaffFields tidy(StaffFields m) {
  m.username = trimmed(m.username);
  m.display_name = trimmed(m.display_name);
  std::vector<std::string> codes;
  for (auto& code : m.reads_modalities) {
    code = upper(trimmed(code));
    if (std::ranges::find(codes, code) == codes.end()) codes.push_back(code);
  }
  m.reads_modalities = std::move(codes);
  std::vector<std::string> sites;
  for (const auto& site : m.reads_sites)
    if (auto name = trimmed(site); !name.empty() && std::ranges::find(sites, name) == sites.end()) sites.push_back(name);
  m.reads_sites = std::move(sites);
  return m;
}

std::vector<FieldError> validate(const StaffFields& m) {
  Checker c;
  if (m.username.empty()) c.add("username", "required", "The user name is required");
  c.text("username", "The user name", m.username, 64);
  if (m.display_name.empty()) c.add("displayName", "required", "The name is required");
  c.dicom_text("displayName", "The name", m.display_name, false);
  if (!m.radiologist && !m.contrast_technician)
    c.add("radiologist", "required",
          "Say what they can be booked for: radiologist, contrast-trained technician or both");
  for (const auto& code : m.reads_modalities)
    if (!is_modality(code)) {
      c.add("readsModalities", "unknown", "Each modality read is a DICOM modality code such as CT, MR or US");
      break;
    }
  if (!m.radiologist && !m.reads_modalities.empty())
    c.add("readsModalities", "not_radiologist", "Only a radiologist reads modalities");
  for (const auto& site : m.reads_sites)
    if (!c.text("readsSites", "A site's name", site, kMaxSiteName)) break;
  if (m.reads_sites.size() > 50) c.add("readsSites", "too_many", "A radiologist reads at 50 sites at most");
  if (!m.radiologist && !m.reads_sites.empty())
    c.add("readsSites", "not_radiologist", "Only a radiologist reads the exams of sites");
  return c.errors;
}

std::vector<FieldError> validate(const ClosureFields& cl) {
  Checker c;
  if (!is_calendar_date(cl.starts_on))
    c.add("startsOn", cl.starts_on.empty() ? "required" : "format",
          "The first day is a date YYYY-MM-DD");
  if (!is_calendar_date(cl.ends_on))
    c.add("endsOn", cl.ends_on.empty() ? "required" : "format",
          "The last day is a date YYYY-MM-DD");
  else if (is_calendar_date(cl.starts_on) && cl.ends_on < cl.starts_on)
    c.add("endsOn", "order", "The last day is on or after the first");
  if (cl.reason.empty()) c.add("reason", "required", "Say why (a holiday, maintenance, ...)");
  c.text("reason", "The reason", cl.reason, 200);
  if (cl.room_id < 0) c.add("roomId", "format", "A room's id, or 0 for every room");
  return c.errors;
}

}  // namespace vireo::ris
