// Audit events as FHIR R4 AuditEvent resources (the export format of IHE ATNA's RESTful
// query, "Add RESTful ATNA"), in a searchset Bundle.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "audit/audit_log.hpp"

namespace vireo::api::fhir {

[[nodiscard]] nlohmann::json audit_event(const audit::AuditEvent& e);
[[nodiscard]] nlohmann::json audit_bundle(const std::vector<audit::AuditEvent>& events);

}  // namespace vireo::api::fhir
