#include "api/dicomweb/ups_model.hpp"

#include <algorithm>

#include "api/dicomweb/dicom_json.hpp"
#include "api/step_values.hpp"
#include "core/strings.hpp"
#include "dicom/dicom_file.hpp"

namespace vireo::api::dicomweb::ups {

namespace {

using nlohmann::json;

// One value: control characters and backslashes (the value separator) made spaces and slashes.
std::string one_value(std::string v) {
  for (char& c : v)
    if (c == '\\') c = '/';
    else if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return v;
}

json value(const char* vr, const std::string& v, size_t max = 64) { return attribute_json(vr, cut_chars(one_value(v), max)); }
json text(const std::string& v) { return attribute_json("LT", one_value(v).substr(0, 10240)); }

json sequence(std::vector<json> items = {}) {
  json out = {{"vr", "SQ"}};
  if (!items.empty()) out["Value"] = std::move(items);
  return out;
}

json code(const std::string& value_, const std::string& scheme, const std::string& meaning) {
  return {{"00080100", value("SH", value_, 16)}, {"00080102", value("SH", scheme, 16)}, {"00080104", value("LO", meaning)}};
}

// "2027-03-01T09:00:00Z" → "20270301090000+0000".
std::string utc_datetime(const std::string& iso) {
  std::string digits;
  for (char c : iso.substr(0, 19))
    if (c >= '0' && c <= '9') digits += c;
  return digits.size() == 14 ? digits + "+0000" : std::string();
}

std::string priority(const std::string& p) { return p == "stat" || p == "urgent" ? "HIGH" : "MEDIUM"; }

json procedure_codes(const ris::ScheduledStep& s, bool first_only) {
  std::vector<json> items;
  for (const auto& p : s.procedures) {
    items.push_back(code(p.code, kProcedureCodingScheme, p.name));
    if (first_only) break;
  }
  return sequence(std::move(items));
}

// Whom to call about a cancellation: Contact URI, Contact Display Name.
json contact(const ris::Workitem& w) {
  json out = json::object();
  out["0074100A"] = attribute_json("UR", one_value(w.contact_uri));
  out["0074100C"] = value("LO", w.contact_name);
  return out;
}

// Why and when it was cancelled, or asked to be (Progress Information Sequence).
json progress(const ris::Workitem& w) {
  const bool cancelled = w.state == "CANCELED";
  if (!cancelled && w.cancel_requested_at.empty()) return sequence();
  json item = json::object();
  const std::string reason = cancelled && !w.step.cancel_reason.empty() ? w.step.cancel_reason : w.cancel_reason;
  const std::string when = cancelled ? w.step.updated_at : w.cancel_requested_at;
  item["00404052"] = value("DT", utc_datetime(when), 26);
  item["00741238"] = text(reason);
  if (!w.contact_name.empty() || !w.contact_uri.empty())  // Procedure Step Communications URI Sequence
    item["00741008"] = sequence({contact(w)});
  return sequence({item});
}

json report(int64_t message_id, const std::string& uid, int event_type) {
  json out = json::object();
  out["00000002"] = attribute_json("UI", kUpsEventSopClass);
  out["00000100"] = {{"vr", "US"}, {"Value", {0x0100}}};  // N-EVENT-REPORT-RQ
  out["00000110"] = {{"vr", "US"}, {"Value", {message_id % 65536}}};
  if (!uid.empty()) out["00001000"] = attribute_json("UI", uid);
  out["00001002"] = {{"vr", "US"}, {"Value", {event_type}}};
  return out;
}

// The tags of a parameter's name: "PatientName", "00100010", or a path into sequences
// ("ScheduledStationNameCodeSequence.CodeValue"); empty when a part names no attribute.
std::vector<tag::Tag> path_of(const std::string& name) {
  std::vector<tag::Tag> out;
  for (const auto& part : split(name, '.')) {
    auto t = dicom::tag_for_keyword(std::string(part));
    if (!t) return {};
    out.push_back(*t);
  }
  return out;
}

// A DT bound on the clinic's clock: "YYYYMMDD[HH[MM[SS[.F]]]]"; an upper bound names the end of
// what it names (a day runs to 23:59:59).
Result<Instant> dt_bound(const std::string& v, bool upper, const TimeZone& zone) {
  auto bad = [&] {
    return fail(ErrorCode::InvalidArgument,
                "ScheduledProcedureStepStartDateTime is a DICOM date-time range in the clinic's time "
                "(YYYYMMDD[HHMMSS]-YYYYMMDD[HHMMSS]): " + log_safe(v));
  };
  const std::string digits = v.substr(0, v.find('.'));
  if (digits.find_first_not_of("0123456789") != std::string::npos) return bad();
  if (digits.size() != 8 && digits.size() != 10 && digits.size() != 12 && digits.size() != 14) return bad();
  const std::string iso = digits.substr(0, 4) + "-" + digits.substr(4, 2) + "-" + digits.substr(6, 2);
  auto day = parse_day(iso);
  if (!day) return bad();
  auto number = [&](size_t at) { return digits.size() > at ? std::stoi(digits.substr(at, 2)) : 0; };
  const int h = number(8), m = number(10), s = number(12);
  if (h > 23 || m > 59 || s > 59) return bad();
  int seconds = h * 3600 + m * 60 + s;
  if (upper) seconds += digits.size() == 8 ? 86399 : digits.size() == 10 ? 3599 : digits.size() == 12 ? 59 : 0;
  if (seconds >= 86400) return zone.utc_at_or_after(day_text(*day + std::chrono::days(1)), 0) - std::chrono::seconds(1);
  return zone.utc_at_or_after(iso, seconds / 60) + std::chrono::seconds(seconds % 60);
}

Status dt_range(const std::string& v, ris::StepQuery& q, const TimeZone& zone) {
  if (v.find('+') != std::string::npos || std::ranges::count(v, '-') > 1)
    return fail(ErrorCode::InvalidArgument,
                "ScheduledProcedureStepStartDateTime is matched in the clinic's time, without an offset");
  const auto dash = v.find('-');
  const std::string from = dash == std::string::npos ? v : v.substr(0, dash);
  const std::string to = dash == std::string::npos ? v : v.substr(dash + 1);
  if (!from.empty()) {
    auto t = dt_bound(from, false, zone);
    if (!t) return std::unexpected(t.error());
    q.from = *t;
  }
  if (!to.empty()) {
    auto t = dt_bound(to, true, zone);
    if (!t) return std::unexpected(t.error());
    q.to = *t;
  }
  return {};
}

constexpr tag::Tag kPatientName = 0x00100010, kPatientID = 0x00100020, kIssuer = 0x00100021,
                   kState = 0x00741000, kStart = 0x00404005, kStationName = 0x00404025,
                   kStationClass = 0x00404026, kCodeValue = 0x00080100, kRequest = 0x0040A370,
                   kAccession = 0x00080050, kRequestedProcedureID = 0x00401001, kStudy = 0x0020000D,
                   kSopInstance = 0x00080018, kReadiness = 0x00404041;

}  // namespace

json workitem_json(const ris::Workitem& w) {
  const ris::ScheduledStep& s = w.step;
  json out = json::object();
  out["00080005"] = attribute_json("CS", "ISO_IR 192");
  out["00080016"] = attribute_json("UI", kUpsPushSopClass);
  out["00080018"] = attribute_json("UI", s.workitem_uid);
  out["00081080"] = attribute_json("LO", "");
  out["00081084"] = sequence();
  out["00100010"] = value("PN", person_name(s.name));
  out["00100020"] = value("LO", s.mrn);
  out["00100021"] = value("LO", s.mrn_issuer);
  out["00100030"] = attribute_json("DA", dicom_date(s.birth_date));
  out["00100040"] = attribute_json("CS", s.sex == "U" ? std::string() : s.sex);
  out["00102000"] = attribute_json("LO", s.contrast_allergy ? "CONTRAST ALLERGY" : "");
  {
    std::string allergies;
    for (const auto& one : line_values(one_value(s.allergies), 64)) allergies += (allergies.empty() ? "" : "\\") + one;
    out["00102110"] = attribute_json("LO", allergies);
  }
  out["0020000D"] = attribute_json("UI", s.study_instance_uid);
  out["00380010"] = attribute_json("LO", "");
  out["00380014"] = sequence();
  out["00400400"] = text(s.clinical_info);
  out["00404005"] = attribute_json("DT", dicom_datetime(s.local_start));
  out["00404010"] = attribute_json("DT", utc_datetime(s.updated_at));
  out["00404018"] = procedure_codes(s, false);
  out["00404021"] = sequence();
  out["00404025"] = sequence({code(s.station_aet, kProcedureCodingScheme, s.room_name)});
  out["00404026"] = sequence({code(s.modality, "DCM", s.modality)});
  out["00404027"] = sequence();
  {
    std::vector<json> performers;
    if (!s.performing_physician.empty()) performers.push_back({{"00404037", value("PN", s.performing_physician)}});
    out["00404034"] = sequence(std::move(performers));
  }
  out["00404041"] = attribute_json("CS", "READY");
  json request = json::object();
  request["0020000D"] = attribute_json("UI", s.study_instance_uid);
  request["00080050"] = value("SH", s.accession_number, 16);
  request["00080051"] = sequence();
  request["00321032"] = value("PN", s.referring_physician);
  request["00321033"] = value("LO", s.requesting_department);
  request["00321060"] = value("LO", procedures_text(s));
  request["00321064"] = procedure_codes(s, true);
  request["00401001"] = value("SH", s.accession_number, 16);
  request["00401002"] = value("LO", s.reason);
  request["00402016"] = attribute_json("LO", "");
  request["00402017"] = value("LO", s.accession_number);
  out["0040A370"] = sequence({request});
  out["00741000"] = attribute_json("CS", w.state);
  out["00741002"] = progress(w);
  out["00741200"] = attribute_json("CS", priority(s.priority));
  out["00741202"] = value("LO", s.room_name);
  out["00741204"] = value("LO", procedures_text(s));
  out["00741210"] = sequence();
  out["00741216"] = sequence();
  return out;
}

bool is_control_parameter(const std::string& name) {
  return name == "limit" || name == "offset" || name == "includefield" || name == "fuzzymatching";
}

Result<Search> search_of(const Parameters& params, const TimeZone& zone) {
  Search out;
  ris::StepQuery& q = out.query;
  for (const auto& [name, raw] : params) {
    if (is_control_parameter(name)) {
      if (name == "fuzzymatching" && raw != "true" && raw != "false")
        return fail(ErrorCode::InvalidArgument, "fuzzymatching is true or false");
      continue;
    }
    const auto path = path_of(name);
    if (path.empty())
      return fail(ErrorCode::InvalidArgument, "'" + log_safe(name) + "' names no DICOM attribute");
    const std::string v(trim(raw));
    if (v.empty()) continue;  // a return key: every attribute is returned
    auto is = [&](std::initializer_list<tag::Tag> want) { return std::ranges::equal(path, want); };
    if (is({kPatientName})) {
      auto parts = split(v, '^');
      q.family_name = std::string(parts[0]);
      if (parts.size() > 1) q.given_name = std::string(parts[1]);
    } else if (is({kPatientID})) {
      q.patient_id = v;
    } else if (is({kIssuer})) {
      q.issuer = v;
    } else if (is({kState})) {
      for (const auto& one : split(v, v.find('\\') != std::string::npos ? '\\' : ','))
        q.workitem_states.emplace_back(trim(one));
    } else if (is({kStart})) {
      if (auto s = dt_range(v, q, zone); !s) return std::unexpected(s.error());
    } else if (is({kStationName, kCodeValue})) {
      q.station_aet = v;
    } else if (is({kStationClass, kCodeValue})) {
      q.modality = v;
    } else if (is({kAccession}) || is({kRequest, kAccession})) {
      q.accession_number = v;
    } else if (is({kRequest, kRequestedProcedureID})) {
      q.requested_procedure_id = v;
    } else if (is({kStudy}) || is({kRequest, kStudy})) {
      q.study_instance_uid = v;
    } else if (is({kSopInstance})) {
      q.workitem_uid = v;
    } else if (is({kReadiness})) {
      out.nothing |= v != "READY" && v != "*";  // every workitem here is READY
    } else {
      return fail(ErrorCode::InvalidArgument,
                  "workitems are not matched on " + log_safe(name) +
                      " (see the conformance statement for the matching keys)");
    }
  }
  return out;
}

std::string state_report(const ris::Workitem& w, int64_t message_id) {
  json out = report(message_id, w.step.workitem_uid, 1);
  out["00404041"] = attribute_json("CS", "READY");
  out["00741000"] = attribute_json("CS", w.state);
  if (w.state == "CANCELED" && !w.step.cancel_reason.empty()) out["00741238"] = text(w.step.cancel_reason);
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string cancel_requested_report(const ris::Workitem& w, int64_t message_id) {
  json out = report(message_id, w.step.workitem_uid, 2);
  out["00741236"] = value("AE", w.cancel_requested_by, 16);
  out["00741238"] = text(w.cancel_reason);
  if (!w.contact_name.empty() || !w.contact_uri.empty()) out.update(contact(w));
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string going_down_report(int64_t message_id) {
  // About the worklist as a whole; its subscriptions and workitems are kept (a warm start).
  json out = report(message_id, ris::kGlobalWorklistUid, 4);
  out["00741242"] = attribute_json("CS", "GOING DOWN");
  out["00741244"] = attribute_json("CS", "WARM START");
  out["00741246"] = attribute_json("CS", "WARM START");
  return out.dump();
}

std::string filter_text(const Parameters& params) {
  json out = json::array();
  for (const auto& [name, v] : params) out.push_back({name, v});
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

Parameters filter_of(const std::string& text) {
  Parameters out;
  auto parsed = json::parse(text, nullptr, false);
  if (!parsed.is_array()) return out;
  for (const auto& pair : parsed)
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
      out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  return out;
}

}  // namespace vireo::api::dicomweb::ups
