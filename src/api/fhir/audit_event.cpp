#include "api/fhir/audit_event.hpp"

#include "audit/event_codes.hpp"

namespace vireo::api::fhir {

namespace {
using nlohmann::json;

json event_type(const std::string& action) {
  auto c = audit::event_code(action);
  return json{{"system", "http://dicom.nema.org/resources/ontology/DCM"},
              {"code", std::string(c.code)},
              {"display", std::string(c.display)}};
}
}  // namespace

json audit_event(const audit::AuditEvent& e) {
  json agent = {{"who", {{"display", e.actor}}}, {"requestor", true}};
  if (!e.actor_role.empty()) agent["role"] = json::array({{{"text", e.actor_role}}});
  if (!e.source.empty()) agent["network"] = {{"address", e.source}, {"type", "2"}};
  json r = {{"resourceType", "AuditEvent"},
            {"id", std::to_string(e.id)},
            {"type", event_type(e.action)},
            {"action", std::string(1, audit::event_action_code(e.action))},
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
