// The RIS's patients (/api/ris/patients): registration with per-field validation and the
// duplicate warning, edits, search. Thin: JSON in and out, the rules are ris::Patients'.
#include <nlohmann/json.hpp>

#include "api/query_params.hpp"
#include "api/rest/appointment_answers.hpp"
#include "api/rest/ris_json.hpp"
#include "api/rest/routes.hpp"
#include "ris/patient_rules.hpp"

namespace vireo::api {

namespace {
using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;
using ris_json::dump;
using ris_json::invalid;
using ris_json::problem_with;

json patient_json(const ris::Patient& p) {
  return {{"id", p.id},
          {"mrn", p.mrn},
          {"mrnIssuer", p.mrn_issuer},
          {"familyName", p.name.family},
          {"givenName", p.name.given},
          {"middleName", p.name.middle},
          {"namePrefix", p.name.prefix},
          {"nameSuffix", p.name.suffix},
          {"birthDate", p.birth_date},
          {"sex", p.sex},
          {"phone", p.phone},
          {"email", p.email},
          {"address", p.address},
          {"nationalId", p.national_id},
          {"insuranceNumber", p.insurance_number},
          {"allergies", p.allergies},
          {"contrastAllergy", p.contrast_allergy},
          {"notes", p.notes},
          {"version", p.version},
          {"createdAt", p.created_at},
          {"updatedAt", p.updated_at},
          {"mergedInto", p.merged_into}};
}

// The body's fields, each of its type; an unknown member is refused. `extra`: members the
// route itself reads.
Result<ris::PatientFields> fields_of(const json& body,
                                     std::initializer_list<const char*> extra,
                                     std::vector<ris::FieldError>& errors) {
  ris::PatientFields p;
  ris_json::Reader in(body, errors);
  in.text("mrn", p.mrn);
  in.text("mrnIssuer", p.mrn_issuer);
  in.text("familyName", p.name.family);
  in.text("givenName", p.name.given);
  in.text("middleName", p.name.middle);
  in.text("namePrefix", p.name.prefix);
  in.text("nameSuffix", p.name.suffix);
  in.text("birthDate", p.birth_date);
  in.text("sex", p.sex);
  in.text("phone", p.phone);
  in.text("email", p.email);
  in.text("address", p.address);
  in.text("nationalId", p.national_id);
  in.text("insuranceNumber", p.insurance_number);
  in.text("allergies", p.allergies);
  in.boolean("contrastAllergy", p.contrast_allergy);
  in.text("notes", p.notes);
  for (const char* name : extra) in.also(name);
  if (auto s = in.no_unknown_members(); !s) return std::unexpected(s.error());
  return p;
}

Result<json> object_body(const HttpRequest& r) {
  return ris_json::object_body(r, ris_json::kMaxFormBody, "a patient's fields");
}

std::optional<int64_t> id_of(const HttpRequest& r) { return row_id(r.param("id")); }

HttpResponse no_patient() { return http::problem(Error{ErrorCode::NotFound, "no such patient"}); }

HttpResponse saved(const HttpRequest& r, const ris::Outcome& o, int status, const char* what) {
  if (!o.invalid.empty()) return invalid(o.invalid);
  if (!o.duplicates.empty()) {
    json list = json::array();
    for (const auto& d : o.duplicates)
      list.push_back({{"reason", d.reason}, {"patient", patient_json(d.patient)}});
    return problem_with(409, "This may be a patient already registered",
                        "check the patients listed; register anyway with confirmedNew: true",
                        "duplicates", list);
  }
  r.audit.patient_id = o.patient.mrn;
  r.audit.detail = std::string(what) + " RIS patient " + std::to_string(o.patient.id);
  return http::json_response(status, dump(patient_json(o.patient)));
}

HttpResponse create(ris::Patients& patients, const HttpRequest& r) {
  auto body = object_body(r);
  if (!body) return http::problem(body.error());
  std::vector<ris::FieldError> errors;
  auto fields = fields_of(*body, {"confirmedNew"}, errors);
  if (!fields) return http::problem(fields.error());
  bool confirmed = false;
  if (auto it = body->find("confirmedNew"); it != body->end()) {
    if (it->is_boolean())
      confirmed = it->get<bool>();
    else
      errors.push_back({"confirmedNew", "type", "confirmedNew must be true or false"});
  }
  if (!errors.empty()) return invalid(errors);
  auto o = patients.create(*fields, r.principal.username, confirmed);
  if (!o) return http::problem(o.error());
  return saved(r, *o, 201, "registered");
}

HttpResponse update(ris::Patients& patients, const HttpRequest& r) {
  auto id = id_of(r);
  if (!id) return no_patient();
  auto body = object_body(r);
  if (!body) return http::problem(body.error());
  std::vector<ris::FieldError> errors;
  auto fields = fields_of(*body, {"version", "id", "createdAt", "updatedAt", "mergedInto"}, errors);
  if (!fields) return http::problem(fields.error());
  // An edit replaces every field: one left out would be emptied (allergies, the contrast
  // allergy), so each must be sent, empty to clear it.
  for (const char* name : {"familyName", "givenName", "middleName", "namePrefix", "nameSuffix",
                           "birthDate", "sex", "phone", "email", "address", "nationalId",
                           "insuranceNumber", "allergies", "contrastAllergy", "notes"})
    if (!body->contains(name))
      errors.push_back(
          {name, "required",
           std::string(name) +
               " must be sent: an edit replaces every field (send it empty to clear it)"});
  auto version = body->find("version");
  if (version == body->end() || !version->is_number_integer())
    errors.push_back({"version", "required",
                      "version (the one read) is required, to refuse overwriting a newer edit"});
  if (!errors.empty()) return invalid(errors);
  auto current = patients.get(*id);
  if (!current) return http::problem(current.error());
  if (!*current) return no_patient();
  if ((!fields->mrn.empty() && fields->mrn != (*current)->mrn) ||
      (!fields->mrn_issuer.empty() && fields->mrn_issuer != (*current)->mrn_issuer))
    return invalid({{"mrn", "fixed", "The MRN cannot be changed; merge the patients instead"}});
  auto o = patients.update(*id, version->get<int64_t>(), *fields, r.principal.username);
  if (!o && o.error().code == ErrorCode::NotFound) return no_patient();
  if (!o && o.error().code == ErrorCode::AlreadyExists)
    return http::problem(409, "Someone else changed this patient", o.error().detail);
  if (!o && o.error().code == ErrorCode::StateConflict)
    return conflict_problem({"merged", o.error().detail, 0});
  if (!o) return http::problem(o.error());
  return saved(r, *o, 200, "edited");
}

HttpResponse search(ris::Patients& patients, const HttpRequest& r) {
  if (auto s = only_parameters(r, {"q", "birthDate", "limit", "offset"}); !s)
    return http::problem(s.error());
  auto page = page_of(r, 50, 500);
  if (!page) return http::problem(page.error());
  if (page->offset > 10000)
    return http::problem(
        Error{ErrorCode::InvalidArgument, "offset is at most 10000: narrow the search instead"});
  ris::PatientSearch q{r.query_value("q").value_or(""), r.query_value("birthDate").value_or(""),
                       page->limit, page->offset};
  if (!ris::is_clean_text(q.text))
    return http::problem(
        Error{ErrorCode::InvalidArgument, "q contains characters that cannot be searched"});
  if (q.text.size() > 200)
    return http::problem(Error{ErrorCode::InvalidArgument, "q is longer than 200 characters"});
  if (!q.birth_date.empty() && !ris::is_calendar_date(q.birth_date))
    return http::problem(
        Error{ErrorCode::InvalidArgument, "birthDate must be a date written YYYY-MM-DD"});
  auto found = patients.search(q);
  if (!found) return http::problem(found.error());
  json list = json::array();
  for (const auto& p : *found) list.push_back(patient_json(p));
  // No detail of its own: the audit layer records the search's parameters (who looked for whom).
  return http::json_response(
      200, dump({{"patients", list}, {"limit", page->limit}, {"offset", page->offset}}));
}

// The allergies of the patients named by archive studies (Patient ID and Issuer of Patient ID),
// for the study list and the viewer: a contrast allergy in sight wherever the patient appears.
HttpResponse allergies(ris::Patients& patients, const HttpRequest& r) {
  auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "the patients asked about");
  if (!body) return http::problem(body.error());
  const auto bad = [](std::string why) {
    return http::problem(Error{ErrorCode::InvalidArgument, std::move(why)});
  };
  if (body->size() != 1 || !body->contains("patients") || !(*body)["patients"].is_array())
    return bad("the body is {\"patients\": [{\"mrn\", \"issuer\"}, …]}");
  const auto& asked = (*body)["patients"];
  if (asked.size() > 200) return bad("at most 200 patients at once");
  std::vector<std::pair<std::string, std::string>> ids;
  for (const auto& p : asked) {
    if (!p.is_object() || p.size() != 2 || !p.contains("mrn") || !p["mrn"].is_string() ||
        !p.contains("issuer") || !p["issuer"].is_string())
      return bad("each patient is {\"mrn\": text, \"issuer\": text}");
    ids.emplace_back(p["mrn"].get<std::string>(), p["issuer"].get<std::string>());
    if (ids.back().first.empty() || ids.back().first.size() > 64 || ids.back().second.size() > 64 ||
        !ris::is_clean_text(ids.back().first) || !ris::is_clean_text(ids.back().second))
      return bad("an MRN is 1 to 64 printable characters, its issuer at most 64");
  }
  auto found = patients.with_identifiers(ids);
  if (!found) return http::problem(found.error());
  json list = json::array();
  std::string named;
  for (const auto& [asked_at, p] : *found) {
    // Keyed by the identifier asked (what the study says); the record is the patient's now.
    list.push_back({{"mrn", ids[asked_at].first},
                    {"issuer", ids[asked_at].second},
                    {"id", p.id},
                    {"contrastAllergy", p.contrast_allergy},
                    {"allergies", p.allergies}});
    named += (named.empty() ? "" : ", ") + p.mrn + " (" + p.mrn_issuer + ")";
  }
  if (found->size() == 1) r.audit.patient_id = found->front().second.mrn;
  // (a page of 200 patients would make an entry of kilobytes that syslog receivers cut)
  if (named.size() > 1500) named = named.substr(0, named.rfind(", ", 1500)) + ", …";
  r.audit.detail = "read the allergies of " + std::to_string(found->size()) + " patients" +
                   (named.empty() ? std::string() : ": " + named);
  return http::json_response(200, dump({{"patients", list}}));
}

}  // namespace

void register_ris_routes(http::Router& router, ris::Patients& patients) {
  router.add("POST", "/api/ris/allergies", "ris.patients.read",
             [&patients](const HttpRequest& r) { return allergies(patients, r); });
  router.add("GET", "/api/ris/patients", "ris.patients.read",
             [&patients](const HttpRequest& r) { return search(patients, r); });
  router.add("POST", "/api/ris/patients", "ris.patients.write",
             [&patients](const HttpRequest& r) { return create(patients, r); });
  router.add("GET", "/api/ris/patients/{id}", "ris.patients.read",
             [&patients](const HttpRequest& r) {
               auto id = id_of(r);
               if (!id) return no_patient();
               auto p = patients.get(*id);
               if (!p) return http::problem(p.error());
               if (!*p) return no_patient();
               r.audit.patient_id = (*p)->mrn;
               r.audit.detail = "read RIS patient " + std::to_string(*id);
               return http::json_response(200, dump(patient_json(**p)));
             });
  router.add("PUT", "/api/ris/patients/{id}", "ris.patients.write",
             [&patients](const HttpRequest& r) { return update(patients, r); });
}

}  // namespace vireo::api
