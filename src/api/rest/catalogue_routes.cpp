// The RIS's catalogue (/api/ris/procedures, /api/ris/rooms, /api/ris/closures, /api/ris/staff):
// read by the staff who book and perform, kept by administrators. Thin: JSON in and out, the
// rules are ris::Catalogue's.
#include "api/query_params.hpp"
#include "api/rest/ris_json.hpp"
#include "api/rest/routes.hpp"
#include "ris/catalogue_rules.hpp"
#include "ris/patient_rules.hpp"

namespace vireo::api {

namespace {
using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;
using ris_json::dump;
using ris_json::invalid;
using ris_json::Reader;

json procedure_json(const ris::Procedure& p) {
  return {{"id", p.id},
          {"code", p.code},
          {"name", p.name},
          {"modality", p.modality},
          {"bodyPart", p.body_part},
          {"durationMinutes", p.duration_minutes},
          {"preparation", p.preparation},
          {"consentTypes", p.consent_types},
          {"reportTemplate", p.report_template},
          {"priceCents", p.price_cents},
          {"needsRadiologist", p.needs_radiologist},
          {"needsContrastTechnician", p.needs_contrast_technician},
          {"dailyLimit", p.daily_limit},
          {"active", p.active},
          {"version", p.version},
          {"updatedAt", p.updated_at}};
}

json room_json(const ris::Room& r) {
  json hours = json::array();
  for (const auto& h : r.hours)
    hours.push_back({{"weekday", h.weekday}, {"opens", h.opens}, {"closes", h.closes}});
  return {{"id", r.id},
          {"name", r.name},
          {"site", r.site},
          {"modality", r.modality},
          {"aeTitle", r.ae_title},
          {"hours", hours},
          {"bufferMinutes", r.buffer_minutes},
          {"active", r.active},
          {"worklistOwnOnly", r.worklist_own_only},
          {"version", r.version},
          {"updatedAt", r.updated_at}};
}

json staff_json(const ris::StaffMember& m) {
  return {{"id", m.id},
          {"username", m.username},
          {"displayName", m.display_name},
          {"radiologist", m.radiologist},
          {"contrastTechnician", m.contrast_technician},
          {"active", m.active},
          {"readsModalities", m.reads_modalities},
          {"readsSites", m.reads_sites},
          {"version", m.version},
          {"updatedAt", m.updated_at}};
}

ris::StaffFields staff_fields(Reader& in, std::vector<ris::FieldError>&) {
  ris::StaffFields m;
  in.text("username", m.username);
  in.text("displayName", m.display_name);
  in.boolean("radiologist", m.radiologist);
  in.boolean("contrastTechnician", m.contrast_technician);
  in.boolean("active", m.active);
  in.texts("readsModalities", m.reads_modalities);
  in.texts("readsSites", m.reads_sites);
  return m;
}

json closure_json(const ris::Closure& c) {
  return {{"id", c.id},          {"roomId", c.room_id}, {"startsOn", c.starts_on},
          {"endsOn", c.ends_on}, {"reason", c.reason},  {"createdBy", c.created_by}};
}

ris::ProcedureFields procedure_fields(Reader& in) {
  ris::ProcedureFields p;
  in.text("code", p.code);
  in.text("name", p.name);
  in.text("modality", p.modality);
  in.text("bodyPart", p.body_part);
  in.integer("durationMinutes", p.duration_minutes);
  in.text("preparation", p.preparation);
  in.texts("consentTypes", p.consent_types);
  in.text("reportTemplate", p.report_template);
  in.integer("priceCents", p.price_cents);
  in.boolean("needsRadiologist", p.needs_radiologist);
  in.boolean("needsContrastTechnician", p.needs_contrast_technician);
  in.integer("dailyLimit", p.daily_limit);
  in.boolean("active", p.active);
  return p;
}

ris::RoomFields room_fields(Reader& in, std::vector<ris::FieldError>& errors) {
  ris::RoomFields r;
  in.text("name", r.name);
  in.text("site", r.site);
  in.text("modality", r.modality);
  in.text("aeTitle", r.ae_title);
  in.integer("bufferMinutes", r.buffer_minutes);
  in.boolean("active", r.active);
  in.boolean("worklistOwnOnly", r.worklist_own_only);
  if (const json* hours = in.member("hours")) {
    bool ok = hours->is_array() && hours->size() <= 50;
    for (const auto& h : ok ? *hours : json::array()) {
      ok = h.is_object() && h.size() == 3 && h.contains("weekday") &&
           h["weekday"].is_number_integer() && h.contains("opens") && h["opens"].is_string() &&
           h.contains("closes") && h["closes"].is_string();
      if (!ok) break;
      auto day = h["weekday"].get<int64_t>();
      r.hours.push_back({static_cast<int>(std::clamp<int64_t>(day, 0, 8)),
                         h["opens"].get<std::string>(), h["closes"].get<std::string>()});
    }
    if (!ok)
      errors.push_back(
          {"hours", "type", "hours must be a list of {weekday, opens, closes} (1-7, \"HH:MM\")"});
  }
  return r;
}

// Reads a body with `read`, then saves it with `save`: 201/200 with the saved row, 400 naming
// each field, 404, or 409 when someone else changed it since the version sent.
template <class Fields, class Saved>
HttpResponse save(const HttpRequest& r, bool edit, const char* what,
                  const std::function<Fields(Reader&, std::vector<ris::FieldError>&)>& read,
                  const std::function<Result<ris::Checked<Saved>>(const Fields&, int64_t)>& write,
                  const std::function<json(const Saved&)>& to_json) {
  auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "the fields");
  if (!body) return http::problem(body.error());
  std::vector<ris::FieldError> errors;
  Reader in(*body, errors);
  Fields fields = read(in, errors);
  int64_t version = 0;
  if (edit) {
    in.require_every_field();
    in.also("id");
    in.also("updatedAt");
    in.also("version");
    auto v = body->find("version");
    if (v == body->end() || !v->is_number_integer())
      errors.push_back({"version", "required",
                        "version (the one read) is required, to refuse overwriting a newer edit"});
    else
      version = v->get<int64_t>();
  }
  if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
  if (!errors.empty()) return invalid(errors);
  auto o = write(fields, version);
  if (!o && o.error().code == ErrorCode::AlreadyExists)
    return http::problem(409, std::string("Someone else changed this ") + what, o.error().detail);
  if (!o) return http::problem(o.error());
  if (!o->saved()) return invalid(o->invalid);
  r.audit.detail =
      std::string(edit ? "edited " : "created ") + what + " " + std::to_string(o->value.id);
  return http::json_response(edit ? 200 : 201, dump(to_json(o->value)));
}

HttpResponse not_found(const char* what) {
  return http::problem(Error{ErrorCode::NotFound, std::string("no such ") + what});
}

// ?retired=true lists the retired too.
Result<bool> with_retired(const HttpRequest& r) {
  auto v = r.query_value("retired").value_or("false");
  if (v != "true" && v != "false")
    return fail(ErrorCode::InvalidArgument, "retired is true or false");
  return v == "true";
}

void procedure_routes(http::Router& router, ris::Catalogue& catalogue) {
  router.add("GET", "/api/ris/procedures", "ris.catalogue.read",
             [&catalogue](const HttpRequest& r) {
               if (auto s = only_parameters(r, {"modality", "retired"}); !s)
                 return http::problem(s.error());
               auto retired = with_retired(r);
               if (!retired) return http::problem(retired.error());
               ris::ProcedureFilter filter{r.query_value("modality").value_or(""), *retired};
               if (!filter.modality.empty() && !ris::is_modality(filter.modality))
                 return http::problem(
                     Error{ErrorCode::InvalidArgument, "modality is a DICOM modality code"});
               auto list = catalogue.procedures(filter);
               if (!list) return http::problem(list.error());
               json out = json::array();
               for (const auto& p : *list) out.push_back(procedure_json(p));
               return http::json_response(200, dump({{"procedures", out}}));
             });
  router.add("GET", "/api/ris/procedures/{id}", "ris.catalogue.read",
             [&catalogue](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return not_found("procedure");
               auto p = catalogue.procedure(*id);
               if (!p) return http::problem(p.error());
               if (!*p) return not_found("procedure");
               return http::json_response(200, dump(procedure_json(**p)));
             });
  auto write = [&catalogue](bool edit) {
    return [&catalogue, edit](const HttpRequest& r) {
      std::optional<int64_t> id = edit ? row_id(r.param("id")) : std::optional<int64_t>(0);
      if (!id) return not_found("procedure");
      return save<ris::ProcedureFields, ris::Procedure>(
          r, edit, "procedure",
          [](Reader& in, std::vector<ris::FieldError>&) { return procedure_fields(in); },
          [&](const ris::ProcedureFields& f, int64_t version) {
            return edit ? catalogue.update_procedure(*id, version, f, r.principal.username)
                        : catalogue.create_procedure(f, r.principal.username);
          },
          procedure_json);
    };
  };
  router.add("POST", "/api/ris/procedures", "ris.catalogue.admin", write(false));
  router.add("PUT", "/api/ris/procedures/{id}", "ris.catalogue.admin", write(true));
}

void room_routes(http::Router& router, ris::Catalogue& catalogue) {
  router.add("GET", "/api/ris/rooms", "ris.catalogue.read", [&catalogue](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"retired"}); !s) return http::problem(s.error());
    auto retired = with_retired(r);
    if (!retired) return http::problem(retired.error());
    auto list = catalogue.rooms(*retired);
    if (!list) return http::problem(list.error());
    json out = json::array();
    for (const auto& room : *list) out.push_back(room_json(room));
    return http::json_response(200, dump({{"rooms", out}}));
  });
  router.add("GET", "/api/ris/rooms/{id}", "ris.catalogue.read",
             [&catalogue](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return not_found("room");
               auto room = catalogue.room(*id);
               if (!room) return http::problem(room.error());
               if (!*room) return not_found("room");
               return http::json_response(200, dump(room_json(**room)));
             });
  auto write = [&catalogue](bool edit) {
    return [&catalogue, edit](const HttpRequest& r) {
      std::optional<int64_t> id = edit ? row_id(r.param("id")) : std::optional<int64_t>(0);
      if (!id) return not_found("room");
      return save<ris::RoomFields, ris::Room>(
          r, edit, "room", room_fields,
          [&](const ris::RoomFields& f, int64_t version) {
            return edit ? catalogue.update_room(*id, version, f, r.principal.username)
                        : catalogue.create_room(f, r.principal.username);
          },
          room_json);
    };
  };
  router.add("POST", "/api/ris/rooms", "ris.catalogue.admin", write(false));
  router.add("PUT", "/api/ris/rooms/{id}", "ris.catalogue.admin", write(true));
}

void staff_routes(http::Router& router, ris::Catalogue& catalogue) {
  router.add("GET", "/api/ris/staff", "ris.catalogue.read", [&catalogue](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"retired"}); !s) return http::problem(s.error());
    auto retired = with_retired(r);
    if (!retired) return http::problem(retired.error());
    auto list = catalogue.staff(*retired);
    if (!list) return http::problem(list.error());
    json out = json::array();
    for (const auto& m : *list) out.push_back(staff_json(m));
    return http::json_response(200, dump({{"staff", out}}));
  });
  auto write = [&catalogue](bool edit) {
    return [&catalogue, edit](const HttpRequest& r) {
      std::optional<int64_t> id = edit ? row_id(r.param("id")) : std::optional<int64_t>(0);
      if (!id) return not_found("staff member");
      return save<ris::StaffFields, ris::StaffMember>(
          r, edit, "staff member", staff_fields,
          [&](const ris::StaffFields& f, int64_t version) {
            return edit ? catalogue.update_staff(*id, version, f, r.principal.username)
                        : catalogue.create_staff(f, r.principal.username);
          },
          staff_json);
    };
  };
  router.add("POST", "/api/ris/staff", "ris.catalogue.admin", write(false));
  router.add("PUT", "/api/ris/staff/{id}", "ris.catalogue.admin", write(true));
}

void closure_routes(http::Router& router, ris::Catalogue& catalogue) {
  router.add("GET", "/api/ris/closures", "ris.catalogue.read", [&catalogue](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"room", "from", "to"}); !s) return http::problem(s.error());
    std::string from = r.query_value("from").value_or(""), to = r.query_value("to").value_or("");
    if (!ris::is_calendar_date(from) || !ris::is_calendar_date(to) || to < from)
      return http::problem(Error{ErrorCode::InvalidArgument,
                                 "from and to are dates YYYY-MM-DD, to on or after from"});
    int64_t room = 0;
    if (auto v = r.query_value("room")) {
      auto id = row_id(*v);
      if (!id) return http::problem(Error{ErrorCode::InvalidArgument, "room is a room's id"});
      room = *id;
    }
    auto list = catalogue.closures(room, from, to);
    if (!list) return http::problem(list.error());
    json out = json::array();
    for (const auto& c : *list) out.push_back(closure_json(c));
    return http::json_response(200, dump({{"closures", out}}));
  });
  router.add("POST", "/api/ris/closures", "ris.catalogue.admin",
             [&catalogue](const HttpRequest& r) {
               return save<ris::ClosureFields, ris::Closure>(
                   r, false, "closure",
                   [](Reader& in, std::vector<ris::FieldError>&) {
                     ris::ClosureFields c;
                     in.integer("roomId", c.room_id);
                     in.text("startsOn", c.starts_on);
                     in.text("endsOn", c.ends_on);
                     in.text("reason", c.reason);
                     return c;
                   },
                   [&](const ris::ClosureFields& f, int64_t) {
                     return catalogue.add_closure(f, r.principal.username);
                   },
                   closure_json);
             });
  router.add("DELETE", "/api/ris/closures/{id}", "ris.catalogue.admin",
             [&catalogue](const HttpRequest& r) {
               auto id = row_id(r.param("id"));
               if (!id) return not_found("closure");
               auto done = catalogue.remove_closure(*id);
               if (!done && done.error().code == ErrorCode::NotFound) return not_found("closure");
               if (!done) return http::problem(done.error());
               r.audit.detail = "removed closure " + std::to_string(*id);
               return http::no_content();
             });
}

}  // namespace

void register_catalogue_routes(http::Router& router, ris::Catalogue& catalogue) {
  procedure_routes(router, catalogue);
  room_routes(router, catalogue);
  closure_routes(router, catalogue);
  staff_routes(router, catalogue);
}

}  // namespace vireo::api
