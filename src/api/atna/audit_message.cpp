#include "api/atna/audit_message.hpp"

#include <unistd.h>

#include "audit/event_codes.hpp"
#include "core/strings.hpp"

namespace vireo::api::atna {

namespace {
std::string attr(const char* name, const std::string& value) { return std::string(" ") + name + "=\"" + xml_escape(value) + "\""; }
}  // namespace

std::string audit_message_xml(const audit::AuditEvent& e) {
  auto code = audit::event_code(e.action);
  // PS3.15 A.5.1: 0 success, 4 minor failure, 8 serious failure.
  std::string outcome = e.outcome == "success" ? "0" : e.action == "refused" ? "8" : "4";
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><AuditMessage>";
  x += "<EventIdentification" + attr("EventActionCode", std::string(1, audit::event_action_code(e.action))) +
       attr("EventDateTime", e.at) + attr("EventOutcomeIndicator", outcome) + ">";
  x += "<EventID" + attr("csd-code", std::string(code.code)) + attr("codeSystemName", "DCM") +
       attr("originalText", std::string(code.display)) + "/>";
  if (!e.detail.empty()) x += "<EventOutcomeDescription>" + xml_escape(e.detail) + "</EventOutcomeDescription>";
  x += "</EventIdentification>";
  x += "<ActiveParticipant" + attr("UserID", e.actor) + attr("UserIsRequestor", "true");
  if (!e.source.empty()) x += attr("NetworkAccessPointID", e.source) + attr("NetworkAccessPointTypeCode", "2");
  x += ">";
  if (!e.actor_role.empty())
    x += "<RoleIDCode" + attr("csd-code", e.actor_role) + attr("codeSystemName", "Vireo") +
         attr("originalText", e.actor_role) + "/>";
  x += "</ActiveParticipant>";
  x += "<AuditSourceIdentification" + attr("AuditSourceID", "Vireo") + "/>";
  if (!e.patient_id.empty())
    x += "<ParticipantObjectIdentification" + attr("ParticipantObjectID", e.patient_id) +
         attr("ParticipantObjectTypeCode", "1") + attr("ParticipantObjectTypeCodeRole", "1") +
         "><ParticipantObjectIDTypeCode" + attr("csd-code", "2") + attr("codeSystemName", "RFC-3881") +
         attr("originalText", "Patient Number") + "/></ParticipantObjectIdentification>";
  if (!e.study_uid.empty())
    x += "<ParticipantObjectIdentification" + attr("ParticipantObjectID", e.study_uid) +
         attr("ParticipantObjectTypeCode", "2") + attr("ParticipantObjectTypeCodeRole", "3") +
         "><ParticipantObjectIDTypeCode" + attr("csd-code", "110180") + attr("codeSystemName", "DCM") +
         attr("originalText", "Study Instance UID") + "/></ParticipantObjectIdentification>";
  x += "</AuditMessage>";
  return x;
}

std::string syslog_line(const audit::AuditEvent& e, const std::string& hostname) {
  constexpr int kAuthpriv = 10, kNotice = 5;
  return "<" + std::to_string(kAuthpriv * 8 + kNotice) + ">1 " + e.at + " " + (hostname.empty() ? "-" : hostname) +
         " vireo " + std::to_string(::getpid()) + " IHE+RFC-3881 - \xEF\xBB\xBF" + audit_message_xml(e);
}

}  // namespace vireo::api::atna
