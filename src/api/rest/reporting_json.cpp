#include "api/rest/reporting_json.hpp"

#include "api/rest/appointment_answers.hpp"
#include "core/clock.hpp"
#include "core/sha256.hpp"

namespace vireo::api::reporting_json {

json reading_item(const ris::ReadingItem& item) {
  return {{"orderId", item.view.appointment.order_id},
          {"appointment", appointment_json(item.view)},
          {"procedures", item.procedures},
          {"modality", item.modality},
          {"bodyPart", item.body_part},
          {"reportTemplate", item.report_template},
          {"referringPhysician", item.referring_physician},
          {"readerName", item.reader_name},
          {"readingBy", item.reading_by},
          {"readingByName", item.reading_by_name},
          {"readingSince", item.reading_since},
          {"waitingSince", item.waiting_since}};
}

json content(const reporting::ReportContent& c) {
  json sections = json::array();
  for (const auto& s : c.sections) sections.push_back({{"key", s.key}, {"title", s.title}, {"text", s.text}});
  return {{"templateCode", c.template_code}, {"sections", sections}};
}

json report(const reporting::Report& r) {
  json versions = json::array();
  for (const auto& v : r.versions) {
    json out = {{"number", v.number},       {"kind", v.kind},       {"author", v.author},
                {"authorName", v.author_name}, {"createdAt", v.created_at}, {"content", content(v.content)}};
    if (v.signature)
      out["signature"] = {{"signer", v.signature->signer},
                          {"signerName", v.signature->signer_name},
                          {"signedAt", v.signature->signed_at},
                          {"certificateSubject", v.signature->certificate_subject},
                          {"certificateSerial", v.signature->certificate_serial},
                          {"sha256", v.signature->pdf_sha256}};
    versions.push_back(std::move(out));
  }
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

Result<reporting::ReportContent> content_of(const json& body, std::vector<ris::FieldError>& errors) {
  reporting::ReportContent out;
  for (const auto& [name, value] : body.items()) {
    if (name == "revision") continue;
    if (name == "templateCode") {
      if (value.is_string()) out.template_code = value.get<std::string>();
      else errors.push_back({"templateCode", "type", "templateCode is text"});
    } else if (name != "sections") {
      return fail(ErrorCode::InvalidArgument, "unknown member " + name + " (known: revision, templateCode, sections)");
    }
  }
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

}  // namespace vireo::api::reporting_json
