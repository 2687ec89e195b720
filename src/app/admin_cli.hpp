// The administration subcommands (users, tokens, audit verification).
#pragma once

#include <string>
#include <vector>

#include "app/services.hpp"

namespace vireo::app {

// An operator's command in the audit trail: actor "cli:<os user>".
// What the person at the terminal did, as the audit trail records it ("cli:<os user>").
[[nodiscard]] audit::AuditEvent operator_event(const std::string& action, const std::string& what,
                                               const std::string& detail = {});
void audit_cli(audit::AuditLog& log, const std::string& action, const std::string& what, const std::string& outcome,
               const std::string& detail = {});

struct UserCommand {
  std::string action;  // add, passwd, disable, enable, unlock, reset-totp, list
  std::string username, display_name, patient_id, physician;
  std::vector<std::string> roles;
  bool password_stdin = false;
};

struct TokenCommand {
  std::string action;  // create, list, revoke
  std::string username, name;
  std::vector<std::string> scopes;
  int expires_days = 0;
  int64_t id = 0;
};

struct ClientCommand {
  std::string action;  // add, list, revoke
  std::string username, name, client_id;
  std::vector<std::string> scopes;
};

int run_user_command(Services& s, const UserCommand& c);
int run_client_command(Services& s, const ClientCommand& c);
int run_token_command(Services& s, const TokenCommand& c);
int run_audit_verify(Services& s);
// A PDF checked against the reports signed here: its PAdES signature and chain to the clinic's
// CA, and whether its SHA-256 is that of a signed version (exit 0 only when both hold).
int run_report_verify(Services& s, const std::filesystem::path& file);
// The route table and the role table as JSON: what each route needs and what each role
// has (docs/SECURITY.md is written from it; the role-matrix test is driven by it).
int print_access_model(Services& s);

}  // namespace vireo::app
