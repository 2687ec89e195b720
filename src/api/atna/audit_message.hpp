// An audit event as a DICOM PS3.15 A.5 Audit Message (the XML schema IHE ATNA repositories
// receive), and as an RFC 5424 syslog line carrying it (MSGID "IHE+RFC-3881").
#pragma once

#include <string>

#include "audit/audit_log.hpp"

namespace vireo::api::atna {

[[nodiscard]] std::string audit_message_xml(const audit::AuditEvent& e);
// "<PRI>1 TIMESTAMP HOST vireo PID IHE+RFC-3881 - <BOM>XML" (facility authpriv, notice).
[[nodiscard]] std::string syslog_line(const audit::AuditEvent& e, const std::string& hostname);

}  // namespace vireo::api::atna
