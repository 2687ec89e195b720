// The DICOM audit vocabulary (PS3.16 CID 400 "Audit Event ID", DCM code system) for the
// trail's actions, shared by the FHIR AuditEvent and the PS3.15 syslog exports.
#pragma once

#include <string_view>

namespace vireo::audit {

struct EventCode {
  std::string_view code, display;
};

[[nodiscard]] EventCode event_code(std::string_view action);
// C, R, U, D or E (PS3.15 A.5.1 EventActionCode, FHIR AuditEvent.action).
[[nodiscard]] char event_action_code(std::string_view action);

}  // namespace vireo::audit
