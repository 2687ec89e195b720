#include "api/fhir/audit_event.hpp"

namespace vireo::api::fhir {

namespace {
using nlohmann::json;

// DICOM audit event types (PS3.15 A.5.3, DCM code system) and FHIR's restful interactions.
json event_type(const std::string& action) {
  auto dcm = [](const char* code, const char* display) {
    return json{{"system", "http://dicom.nema.org/resources/ontology/DCM"}, {"code", code}, {"display", display}};
  };
  if (action == "login" || action == "logout") return dcm("110114", "User Authentication");
  if (action == "refused") return dcm("110113", "Security Alert");
  if (action == "export") return dcm("110106", "Export");
  if (action.starts_with("dicom-store")) return dcm("110104", "DICOM Instances Transferred");
  if (action.starts_with("dicom-association")) return dcm("110100", "Application Activity");
  if (action == "query" || action.starts_with("dicom-find")) return dcm("110112", "Query");
  return dcm("110110", "Patient Record");
}

// FHIR AuditEvent.action: C R U D E.
const char* crude(const std::string& action) {
  if (action == "create") return "C";
  if (action == "read" || action == "query" || action == "export" || action.starts_with("dicom-find") ||
      action.starts_with("dicom-move") || action.starts_with("dicom-get"))
    return "R";
  if (action == "update") return "U";
  if (action == "delete") return "D";
  return "E";
}
}  // namespace

json audit_event(const audit::AuditEvent& e) {
  json agent = {{"who", {{"display", e.actor}}}, {"requestor", true}};
  if (!e.actor_role.empty()) agent["role"] = json::array({{{"text", e.actor_role}}});
  if (!e.source.empty()) agent["network"] = {{"address", e.source}, {"type", "2"}};
  json r = {{"resourceType", "AuditEvent"},
            {"id", std::to_string(e.id)},
            {"type", event_type(e.action)},
            {"action", crude(e.action)},
            {"recorded", e.at},
            // 0 success, 4 minor failure (FHIR audit-event-outcome).
            {"outcome", e.outcome == "success" ? "0" : "4"},
            {"agent", json::array({agent})},
            {"source", {{"observer", {{"display", "Vireo"}}}}}};
  if (!e.detail.empty()) r["outcomeDesc"] = e.detail;
  json entities = json::array();
  if (!e.patient_id.empty())
    entities.push_back({{"what", {{"identifier", {{"value", e.patient_id}}}}},
                        {"type", {{"system", "http://terminology.hl7.org/CodeSystem/audit-entity-type"}, {"code", "1"}}},
                        {"role", {{"system", "http://terminology.hl7.org/CodeSystem/object-role"}, {"code", "1"}}}});
  if (!e.study_uid.empty())
    entities.push_back({{"what", {{"identifier", {{"system", "urn:dicom:uid"}, {"value", "urn:oid:" + e.study_uid}}}}},
                        {"type", {{"system", "http://terminology.hl7.org/CodeSystem/audit-entity-type"}, {"code", "2"}}}});
  if (!e.resource.empty()) entities.push_back({{"name", e.resource}});
  if (!entities.empty()) r["entity"] = entities;
  return r;
}

json audit_bundle(const std::vector<audit::AuditEvent>& events) {
  json entries = json::array();
  for (const auto& e : events) entries.push_back({{"resource", audit_event(e)}});
  return {{"resourceType", "Bundle"}, {"type", "searchset"}, {"total", events.size()}, {"entry", entries}};
}

}  // namespace vireo::api::fhir
