#include "api/rest/reporting_json.hpp"

#include "api/rest/appointment_answers.hpp"
#include "api/rest/ris_json.hpp"
#include "core/clock.hpp"
#include "core/sha256.hpp"
#include "reporting/templates.hpp"
#include "reporting/vocabularies.hpp"

namespace vireo::api::reporting_json {

json reading_item(const ris::ReadingItem& item) {
  return {{"orderId", item.view.appointment.order_id},
          {"appointment", appointment_json(item.view)},
          {"procedures", item.procedures},
          {"modality", item.modality},
          {"bodyPart", item.body_part},
          {"reportTemplate", item.report_template},
          {"referringPhysician", item.referring_physician},
          {"site", item.site},
          {"readerName", item.reader_name},
          {"readingBy", item.reading_by},
          {"readingByName", item.reading_by_name},
          {"readingSince", item.reading_since},
          {"waitingSince", item.waiting_since}};
}

json content(const reporting::ReportContent& c) {
  json sections = json::array();
  for (const auto& s : c.sections) sections.push_back({{"key", s.key}, {"title", s.title}, {"text", s.text}});
  json findings = json::array();
  for (const auto& f : c.findings) {
    json values = json::object();
    for (const auto& [field, value] : f.values) values[field] = value;
    findings.push_back({{"system", f.system}, {"values", values}});
  }
  json pictures = json::array();
  for (const auto& k : c.key_images) {
    json out = {{"seriesInstanceUid", k.series_uid}, {"sopInstanceUid", k.sop_uid}, {"frame", k.frame},
                {"caption", k.caption}};
    if (k.window_center && k.window_width) {
      out["windowCenter"] = *k.window_center;
      out["windowWidth"] = *k.window_width;
    }
    pictures.push_back(std::move(out));
  }
  return {{"templateCode", c.template_code}, {"sections", sections}, {"findings", findings}, {"keyImages", pictures}};
}

json version(const reporting::ReportVersion& v) {
  json out = {{"number", v.number},       {"kind", v.kind},       {"author", v.author},
              {"authorName", v.author_name}, {"createdAt", v.created_at}, {"content", content(v.content)}};
  if (v.signature)
    out["signature"] = {{"signer", v.signature->signer},
                        {"signerName", v.signature->signer_name},
                        {"signedAt", v.signature->signed_at},
                        {"certificateSubject", v.signature->certificate_subject},
                        {"certificateSerial", v.signature->certificate_serial},
                        {"sha256", v.signature->pdf_sha256}};
  if (v.release)
    out["release"] = {{"sensitive", v.release->sensitive},
                      {"dueAt", v.release->due_at},
                      {"releasedAt", v.release->released_at},
                      {"releasedBy", v.release->released_by}};
  return out;
}

json prior_report(const ris::ReadingItem& exam, const std::string& status,
                  const std::vector<reporting::ReportVersion>& versions) {
  json list = json::array();
  for (const auto& v : versions) list.push_back(version(v));
  return {{"exam", reading_item(exam)}, {"status", status}, {"versions", list}};
}

json report(const reporting::Report& r) {
  json versions = json::array();
  for (const auto& v : r.versions) versions.push_back(version(v));
  return {{"id", r.id},
          {"orderId", r.order_id},
          {"accessionNumber", r.accession_number},
          {"studyInstanceUid", r.study_uid},
          {"status", r.status},
          {"draft", content(r.draft)},
          {"revision", r.draft_revision},
          {"savedAt", r.draft_saved_at},
          {"savedBy", r.draft_saved_by},
          {"versions", versions},
          {"createdAt", r.created_at},
          {"createdBy", r.created_by}};
}

json verification(const pdf::Verification& v, std::string_view pdf, const std::string& recorded_sha256) {
  const std::string sha = sha256_hex(pdf);
  const bool intact = sha == recorded_sha256;
  json out = {{"valid", v.valid() && intact},
              {"signatureValid", v.signature_valid},
              {"wholeDocumentCovered", v.whole_document_covered},
              {"chainTrusted", v.chain_trusted},
              {"sha256", sha},
              {"sha256Recorded", recorded_sha256},
              {"sha256Matches", intact},
              {"subFilter", v.sub_filter},
              {"signer", v.signer_common_name},
              {"timestamped", v.timestamped},
              {"timestampTrusted", v.timestamp_trusted},
              {"problem", !v.problem.empty() ? v.problem
                          : intact            ? std::string()
                                              : std::string("The file is not the one recorded when it was signed")}};
  if (v.signing_time)
    out["signingTime"] = utc_iso(std::chrono::duration_cast<std::chrono::seconds>(v.signing_time->time_since_epoch()).count());
  if (v.timestamp_time)
    out["timestampTime"] =
        utc_iso(std::chrono::duration_cast<std::chrono::seconds>(v.timestamp_time->time_since_epoch()).count());
  return out;
}

namespace {

// "findings": [{"system": "birads", "values": {"assessment": "4A", "size_mm": 12}}]; absent: none.
Result<std::vector<reporting::CodedFinding>> findings_of(const json& body, std::vector<ris::FieldError>& errors) {
  std::vector<reporting::CodedFinding> out;
  const auto list = body.find("findings");
  if (list == body.end()) return out;
  if (!list->is_array()) {
    errors.push_back({"findings", "type", "findings: a list of structured findings"});
    return out;
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const json& f = (*list)[i];
    const std::string field = "findings/" + std::to_string(i);
    if (!f.is_object()) {
      errors.push_back({field, "type", "A finding is an object with system and values"});
      continue;
    }
    reporting::CodedFinding finding;
    for (const auto& [name, value] : f.items()) {
      if (name == "system") {
        if (value.is_string()) finding.system = value.get<std::string>();
        else errors.push_back({field + "/system", "type", "system is text"});
      } else if (name == "values") {
        if (!value.is_object()) {
          errors.push_back({field + "/values", "type", "values: each field's term or number"});
          continue;
        }
        for (const auto& [key, v] : value.items()) {
          if (v.is_string()) finding.values.emplace_back(key, v.get<std::string>());
          else if (v.is_number()) finding.values.emplace_back(key, v.dump());
          else errors.push_back({field + "/" + key.substr(0, 40), "type", "a term's code, or a number"});
        }
      } else {
        return fail(ErrorCode::InvalidArgument, "unknown member " + field + "/" + name + " (known: system, values)");
      }
    }
    out.push_back(std::move(finding));
  }
  return out;
}

// "keyImages": [{"seriesInstanceUid": "...", "sopInstanceUid": "...", "frame": 1, "windowCenter": 40,
// "windowWidth": 400, "caption": "..."}]; absent: none.
Result<std::vector<reporting::KeyImage>> key_images_of(const json& body, std::vector<ris::FieldError>& errors) {
  std::vector<reporting::KeyImage> out;
  const auto list = body.find("keyImages");
  if (list == body.end()) return out;
  if (!list->is_array()) {
    errors.push_back({"keyImages", "type", "keyImages: a list of images"});
    return out;
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const json& k = (*list)[i];
    const std::string field = "keyImages/" + std::to_string(i);
    if (!k.is_object()) {
      errors.push_back({field, "type", "A key image is an object with seriesInstanceUid and sopInstanceUid"});
      continue;
    }
    reporting::KeyImage image;
    for (const auto& [name, value] : k.items()) {
      auto text = [&](std::string& into) {
        if (value.is_string()) into = value.get<std::string>();
        else errors.push_back({field + "/" + name, "type", name + " is text"});
      };
      auto number = [&](std::optional<double>& into) {
        if (value.is_number()) into = value.get<double>();
        else if (!value.is_null()) errors.push_back({field + "/" + name, "type", name + " is a number"});
      };
      if (name == "seriesInstanceUid") text(image.series_uid);
      else if (name == "sopInstanceUid") text(image.sop_uid);
      else if (name == "caption") text(image.caption);
      else if (name == "windowCenter") number(image.window_center);
      else if (name == "windowWidth") number(image.window_width);
      else if (name == "frame") {
        if (value.is_number_integer()) image.frame = value.get<int64_t>();
        else errors.push_back({field + "/frame", "type", "frame is a whole number, from 1"});
      } else {
        return fail(ErrorCode::InvalidArgument, "unknown member " + field + "/" + name +
                                                    " (known: seriesInstanceUid, sopInstanceUid, frame, windowCenter, "
                                                    "windowWidth, caption)");
      }
    }
    out.push_back(std::move(image));
  }
  return out;
}

json label(const reporting::Label& l, const std::string& language) { return l.in(language); }

json term(const reporting::Term& t, const std::string& language) {
  json out = {{"code", t.code}, {"label", label(t.label, language)}};
  if (*t.management.en) out["management"] = label(t.management, language);
  if (t.points) out["points"] = t.points;
  return out;
}

}  // namespace

json vocabularies(const std::string& language) {
  json out = json::array();
  for (const auto& v : reporting::vocabularies()) {
    json fields = json::array();
    for (const auto& f : v.fields) {
      json field = {{"key", f.key}, {"label", label(f.label, language)}, {"required", f.required}};
      if (f.numeric()) {
        field["min"] = f.min;
        field["max"] = f.max;
        field["unit"] = f.unit;
      } else {
        json choices = json::array();
        for (const auto& t : f.choices) choices.push_back(term(t, language));
        field["choices"] = choices;
      }
      fields.push_back(field);
    }
    json levels = json::array();
    for (const auto& [least, t] : v.levels) {
      json level = term(t, language);
      level["fromPoints"] = least;
      levels.push_back(level);
    }
    out.push_back({{"key", v.key}, {"name", v.name}, {"title", label(v.title, language)}, {"fields", fields},
                   {"categoryField", v.category_field}, {"levels", levels}});
  }
  return out;
}

Result<reporting::ReportContent> content_of(const json& body, std::vector<ris::FieldError>& errors) {
  reporting::ReportContent out;
  for (const auto& [name, value] : body.items()) {
    if (name == "revision") continue;
    if (name == "templateCode") {
      if (value.is_string()) out.template_code = value.get<std::string>();
      else errors.push_back({"templateCode", "type", "templateCode is text"});
    } else if (name != "sections" && name != "findings" && name != "keyImages") {
      return fail(ErrorCode::InvalidArgument,
                  "unknown member " + name + " (known: revision, templateCode, sections, findings, keyImages)");
    }
  }
  if (auto coded = findings_of(body, errors); !coded) return std::unexpected(coded.error());
  else out.findings = std::move(*coded);
  if (auto pictures = key_images_of(body, errors); !pictures) return std::unexpected(pictures.error());
  else out.key_images = std::move(*pictures);
  const auto sections = body.find("sections");
  if (sections == body.end() || !sections->is_array()) {
    errors.push_back({"sections", "required", "sections: the report's sections, in order"});
    return out;
  }
  for (size_t i = 0; i < sections->size(); ++i) {
    const json& s = (*sections)[i];
    const std::string field = "sections/" + std::to_string(i);
    if (!s.is_object()) {
      errors.push_back({field, "type", "A section is an object with key, title and text"});
      continue;
    }
    reporting::ReportSection section;
    for (const auto& [name, value] : s.items()) {
      std::string* into = name == "key" ? &section.key : name == "title" ? &section.title : name == "text" ? &section.text : nullptr;
      if (!into) return fail(ErrorCode::InvalidArgument, "unknown member " + field + "/" + name + " (known: key, title, text)");
      if (value.is_string()) *into = value.get<std::string>();
      else errors.push_back({field + "/" + name, "type", name + " is text"});
    }
    out.sections.push_back(std::move(section));
  }
  return out;
}

json sign_checks(const std::vector<reporting::SignCheck>& checks) {
  json out = json::array();
  for (const auto& c : checks)
    out.push_back({{"rule", c.rule},
                   {"level", c.level},
                   {"field", c.field},
                   {"detail", c.detail},
                   {"examSide", c.exam_side},
                   {"namedSide", c.named_side},
                   {"blank", c.blank}});
  return out;
}

http::HttpResponse conflict(const reporting::ReportConflict& c) {
  json rule{{"rule", c.rule}};
  if (!c.checks.empty()) rule["checks"] = sign_checks(c.checks);
  return ris_json::problem_with(409, c.message, c.message, "conflict", std::move(rule));
}

}  // namespace vireo::api::reporting_json
