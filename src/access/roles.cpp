#include "access/roles.hpp"

#include <algorithm>

namespace vireo::access {

namespace {
using enum Role;

constexpr Role kRoles[] = {Admin,   Receptionist, Technician, Radiologist, ReferringPhysician,
                           Billing, Patient};
constexpr std::string_view kRoleNames[] = {"admin",     "receptionist", "technician", "radiologist",
                                           "referring", "billing",      "patient"};

constexpr PermissionInfo kPermissions[] = {
    {"archive.read",
     "find and read patients, studies, series and instances (row-limited for patients "
     "and referring physicians)"},
    {"archive.export", "download DICOM files (row-limited like archive.read)"},
    {"archive.store", "store DICOM instances over HTTP (STOW-RS)"},
    {"archive.delete", "delete studies and series"},
    {"archive.admin", "archive administration: ingest conflicts, storage statistics"},
    {"users.admin", "manage users, roles, lockouts and other users' tokens"},
    {"audit.read", "search and export the audit trail"},
    {"ris.patients.read", "find and read the RIS's patients (demographics, contacts, allergies)"},
    {"ris.patients.write", "register and edit the RIS's patients"},
    {"ris.patients.merge", "merge two registrations of one patient into one"},
    {"ris.referrals.read", "read the orders that name one as their referring physician"},
    {"ris.patients.unmerge", "undo a merge of two patients"},
    {"ris.catalogue.read", "read the procedure catalogue, the rooms and their closures"},
    {"ris.catalogue.admin", "keep the procedure catalogue, the rooms and their closures"},
    {"ris.orders.read", "read the RIS's orders (procedures, reason, clinical information)"},
    {"ris.orders.write", "create and cancel the RIS's orders"},
    {"ris.schedule.read", "read the appointment calendar and free slots"},
    {"ris.schedule.write", "book, move and cancel appointments, record a no-show"},
    {"ris.checkin", "check a patient in for their appointment"},
    {"ris.requests.create", "ask for an appointment for an order"},
    {"ris.worklist.read", "read the technicians' worklist and the RIS's settings"},
    {"ris.exam.perform", "start an exam and record its images as acquired"},
    {"ris.reading.assign", "assign the radiologist who reads an exam's images"},
    {"ris.settings.admin", "change the RIS's settings (how exams are assigned to radiologists)"},
    {"reporting.read", "read reports, their versions and signed PDFs"},
    {"reporting.write", "open exams to read them, write and hand on their reports"},
    {"reporting.sign", "sign reports and their addenda"},
    {"reporting.stats", "read report turnaround and the exams waiting for their report"},
    {"reporting.peer_review", "review and score colleagues' signed reports (RADPEER)"},
    {"reporting.peer_results", "read peer review results per radiologist"},
    {"reporting.templates", "manage report templates: write, edit, retire, import and export them (IHE MRRT)"},
};

struct Grant {
  Role role;
  std::string_view permission;
};

// Who may do what (DESIGN.md "Who uses it"). Patients and referring physicians read the
// archive too, limited to their own rows by the archive domain (access::Scope).
constexpr Grant kGrants[] = {
    {Admin, "archive.read"},
    {Admin, "archive.export"},
    {Admin, "archive.delete"},
    {Admin, "archive.store"},
    {Technician, "archive.store"},
    {Radiologist, "archive.store"},
    {Admin, "archive.admin"},
    {Admin, "users.admin"},
    {Admin, "audit.read"},
    {Receptionist, "archive.read"},
    {Technician, "archive.read"},
    {Technician, "archive.export"},
    {Radiologist, "archive.read"},
    {Radiologist, "archive.export"},
    {ReferringPhysician, "archive.read"},
    // Row-limited: only the orders naming the physician of the account (their patients, bookings).
    {ReferringPhysician, "ris.referrals.read"},
    {Admin, "ris.referrals.read"},  // (an account's own: an admin without a physician name sees none)
    {ReferringPhysician, "archive.export"},
    {Patient, "archive.read"},
    {Patient, "archive.export"},
    {Admin, "ris.patients.read"},
    {Admin, "ris.patients.write"},
    {Receptionist, "ris.patients.read"},
    {Receptionist, "ris.patients.write"},
    // Reception registers patients, so it is who finds the same person twice; undoing a merge
    // (which may have moved images) is an administrator's correction.
    {Receptionist, "ris.patients.merge"},
    {Admin, "ris.patients.merge"},
    {Admin, "ris.patients.unmerge"},
    {Technician, "ris.patients.read"},
    {Radiologist, "ris.patients.read"},
    {Admin, "ris.catalogue.read"},
    {Admin, "ris.catalogue.admin"},
    {Receptionist, "ris.catalogue.read"},
    {Technician, "ris.catalogue.read"},
    {Radiologist, "ris.catalogue.read"},
    {Admin, "ris.orders.read"},
    {Admin, "ris.orders.write"},
    {Receptionist, "ris.orders.read"},
    {Receptionist, "ris.orders.write"},
    {Technician, "ris.orders.read"},
    {Radiologist, "ris.orders.read"},
    {Admin, "ris.schedule.read"},
    {Admin, "ris.schedule.write"},
    {Admin, "ris.checkin"},
    {Receptionist, "ris.schedule.read"},
    {Receptionist, "ris.schedule.write"},
    {Receptionist, "ris.checkin"},
    {Technician, "ris.schedule.read"},
    {Technician, "ris.checkin"},
    {Radiologist, "ris.schedule.read"},
    // A referrer for the orders that name them (Schedule::request); patients once the portal
    // checks that the order is theirs.
    {ReferringPhysician, "ris.requests.create"},
    {Admin, "ris.requests.create"},
    {Receptionist, "ris.requests.create"},
    {Admin, "ris.worklist.read"},
    {Admin, "ris.exam.perform"},
    {Admin, "ris.reading.assign"},
    {Admin, "ris.settings.admin"},
    {Receptionist, "ris.worklist.read"},
    {Technician, "ris.worklist.read"},
    {Technician, "ris.exam.perform"},
    {Technician, "ris.reading.assign"},
    {Radiologist, "ris.worklist.read"},
    {Radiologist, "ris.exam.perform"},
    {Radiologist, "ris.reading.assign"},
    {Admin, "reporting.read"},
    {Radiologist, "reporting.read"},
    {Radiologist, "reporting.write"},
    {Radiologist, "reporting.sign"},
    {Admin, "reporting.stats"},
    {Radiologist, "reporting.stats"},
    {Radiologist, "reporting.peer_review"},
    {Admin, "reporting.peer_results"},
    {Admin, "reporting.templates"},
};
}  // namespace

std::span<const Role> all_roles() { return kRoles; }

std::string_view role_name(Role role) { return kRoleNames[static_cast<int>(role)]; }

std::optional<Role> parse_role(std::string_view name) {
  for (Role r : kRoles)
    if (role_name(r) == name) return r;
  return std::nullopt;
}

std::span<const PermissionInfo> all_permissions() { return kPermissions; }

bool is_known_permission(std::string_view permission) {
  if (permission == kPublic || permission == kAuthenticated) return true;
  return std::ranges::any_of(kPermissions,
                             [&](const PermissionInfo& p) { return p.name == permission; });
}

std::vector<std::string_view> permissions_of(Role role) {
  std::vector<std::string_view> out;
  for (const auto& g : kGrants)
    if (g.role == role) out.push_back(g.permission);
  return out;
}

bool grants(std::span<const Role> roles, std::string_view permission) {
  if (permission == kPublic) return true;
  if (roles.empty()) return false;
  if (permission == kAuthenticated) return true;
  return std::ranges::any_of(kGrants, [&](const Grant& g) {
    return g.permission == permission && std::ranges::find(roles, g.role) != roles.end();
  });
}

}  // namespace vireo::access
