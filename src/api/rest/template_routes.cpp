// Report templates over HTTP: the editor's template picker, and the administrator's management
// of the clinic's templates (write, edit, retire, restore Vireo's, import and export IHE MRRT).
// Thin: the rules are reporting::Templates's.
#include "api/query_params.hpp"
#include "core/strings.hpp"
#include "api/rest/reporting_json.hpp"
#include "api/rest/ris_json.hpp"
#include "api/rest/routes.hpp"
#include "reporting/mrrt.hpp"
#include "reporting/template_store.hpp"

namespace vireo::api {

namespace {
using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;
using reporting::ReportTemplate;
using ris_json::dump;
using ris_json::invalid;

json template_json(const ReportTemplate& t) {
  json sections = json::array();
  for (const auto& s : t.sections)
    sections.push_back({{"key", s.key}, {"title", s.title}, {"text", s.text}, {"embed", s.embed}});
  json fields = json::array();
  for (const auto& f : t.fields)
    fields.push_back({{"label", f.label}, {"section", f.section}, {"type", f.type}, {"choices", f.choices},
                      {"units", f.units}, {"completion", f.completion}, {"merge", f.merge}});
  json macros = json::array();
  for (const auto& m : t.macros)
    macros.push_back({{"key", m.key}, {"name", m.name}, {"section", m.section}, {"text", m.text}, {"shortcut", m.shortcut}});
  return {{"code", t.code},
          {"name", t.name},
          {"modalities", t.modalities},
          {"bodyRegion", t.body_region},
          {"language", t.language},
          {"topLevel", t.top_level},
          {"status", t.status},
          {"source", t.source},
          {"vireoOriginal", reporting::vireo_template(t.code) != nullptr},
          {"revision", t.revision},
          {"updatedAt", t.updated_at},
          {"updatedBy", t.updated_by},
          {"identifier", t.identifier},
          {"publisher", t.publisher},
          {"rights", t.rights},
          {"license", t.license},
          {"findingsSystem", t.findings_system},
          {"findingsRule", t.findings_rule},
          {"sections", sections},
          {"fields", fields},
          {"macros", macros}};
}

// Each item of the array `name`, as an object read by `read` (its own Reader, fields prefixed).
template <typename T, typename F>
Result<void> items(ris_json::Reader& in, const char* name, std::vector<T>& out, std::vector<ris::FieldError>& errors,
                   const F& read) {
  const json* list = in.member(name);
  if (!list) return {};
  if (!list->is_array() || list->size() > 200) {
    errors.push_back({name, "type", std::string(name) + " is a list of at most 200 objects"});
    return {};
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    const std::string at = std::string(name) + "/" + std::to_string(i);
    if (!item.is_object()) {
      errors.push_back({at, "type", "Each of " + std::string(name) + " is an object"});
      continue;
    }
    std::vector<ris::FieldError> item_errors;
    ris_json::Reader r(item, item_errors);
    T value;
    read(r, value);
    if (auto s = r.no_unknown_members(); !s)
      return fail(ErrorCode::InvalidArgument, at + ": " + s.error().message());
    for (auto& e : item_errors) errors.push_back({at + "/" + e.field, e.rule, e.message});
    out.push_back(std::move(value));
  }
  return {};
}

// A template as the administrator's editor sends it; `revision` read by the caller.
Result<ReportTemplate> template_of(const json& body, std::vector<ris::FieldError>& errors, int64_t& revision) {
  ris_json::Reader in(body, errors);
  ReportTemplate t;
  t.source = "clinic";
  in.text("code", t.code);
  in.text("name", t.name);
  in.texts("modalities", t.modalities);
  in.text("bodyRegion", t.body_region);
  in.text("language", t.language);
  in.boolean("topLevel", t.top_level);
  in.text("status", t.status);
  in.text("identifier", t.identifier);
  in.text("publisher", t.publisher);
  in.text("rights", t.rights);
  in.text("license", t.license);
  in.text("findingsSystem", t.findings_system);
  in.text("findingsRule", t.findings_rule);
  in.integer("revision", revision);
  for (const char* ignored : {"source", "vireoOriginal", "updatedAt", "updatedBy"}) in.also(ignored);  // as read, sent back
  auto sections = items(in, "sections", t.sections, errors, [](ris_json::Reader& r, reporting::TemplateSection& s) {
    r.text("key", s.key);
    r.text("title", s.title);
    r.text("text", s.text);
    r.text("embed", s.embed);
  });
  if (!sections) return std::unexpected(sections.error());
  auto fields = items(in, "fields", t.fields, errors, [](ris_json::Reader& r, reporting::TemplateField& f) {
    r.text("label", f.label);
    r.text("section", f.section);
    r.text("type", f.type);
    r.texts("choices", f.choices);
    r.text("units", f.units);
    r.text("completion", f.completion);
    r.boolean("merge", f.merge);
  });
  if (!fields) return std::unexpected(fields.error());
  auto macros = items(in, "macros", t.macros, errors, [](ris_json::Reader& r, reporting::Macro& m) {
    r.text("key", m.key);
    r.text("name", m.name);
    r.text("section", m.section);
    r.text("text", m.text);
    r.text("shortcut", m.shortcut);
  });
  if (!macros) return std::unexpected(macros.error());
  if (auto s = in.no_unknown_members(); !s) return std::unexpected(s.error());
  return t;
}

HttpResponse saved_answer(const HttpRequest& r, const Result<reporting::TemplateSaved>& done, int status,
                          const std::string& what) {
  if (!done) return http::problem(done.error());
  if (!done->invalid.empty()) return invalid(done->invalid);
  if (done->conflict) return reporting_json::conflict(*done->conflict);
  r.audit.detail = what + " report template " + done->value.code + " (" + done->value.name + ")";
  return http::json_response(status, dump(template_json(done->value)));
}

constexpr size_t kMaxTemplateBody = 1024 * 1024;

}  // namespace

void register_template_routes(http::Router& router, reporting::Templates& templates) {
  router.add("GET", "/api/reporting/templates", "reporting.read", [&templates](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"modality"}); !s) return http::problem(s.error());
    auto offered = templates.offered(r.query_value("modality").value_or(""), r.principal);
    if (!offered) return http::problem(offered.error());
    json out = json::array();
    for (const auto& t : *offered) out.push_back(template_json(t));
    return http::json_response(200, dump(out));
  });
  router.add("GET", "/api/admin/report-templates", "reporting.templates", [&templates](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    auto every = templates.all(r.principal);
    if (!every) return http::problem(every.error());
    json out = json::array();
    for (const auto& t : *every) out.push_back(template_json(t));
    return http::json_response(200, dump({{"items", out}}));
  });
  router.add("POST", "/api/admin/report-templates", "reporting.templates", [&templates](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    auto body = ris_json::object_body(r, kMaxTemplateBody, "A template");
    if (!body) return http::problem(body.error());
    std::vector<ris::FieldError> errors;
    int64_t revision = 0;
    auto t = template_of(*body, errors, revision);
    if (!t) return http::problem(t.error());
    if (!errors.empty()) return invalid(errors);
    return saved_answer(r, templates.create(std::move(*t), r.principal), 201, "wrote");
  });
  // The import's file is the body as it is (text/html), not JSON.
  router.add("POST", "/api/admin/report-templates/import", "reporting.templates", [&templates](const HttpRequest& r) {
    if (auto s = only_parameters(r, {"code", "modalities"}); !s) return http::problem(s.error());
    if (r.body.size() > reporting::kMaxMrrtBytes)
      return http::problem({ErrorCode::PayloadTooLarge, "An MRRT template takes at most 2 MB"});
    reporting::MrrtChoices choices;
    choices.code = r.query_value("code").value_or("");
    for (const auto& m : vireo::split(r.query_value("modalities").value_or(""), ','))
      if (!m.empty()) choices.modalities.push_back(m);
    return saved_answer(r, templates.import_mrrt(r.body, choices, r.principal), 201, "imported (IHE MRRT)");
  });
  router.add("GET", "/api/admin/report-templates/{code}", "reporting.templates", [&templates](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    auto t = templates.get(r.param("code"), r.principal);
    if (!t) return http::problem(t.error());
    if (!*t) return http::problem({ErrorCode::NotFound, "no report template has this code"});
    return http::json_response(200, dump(template_json(**t)));
  });
  router.add("PUT", "/api/admin/report-templates/{code}", "reporting.templates", [&templates](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    auto body = ris_json::object_body(r, kMaxTemplateBody, "A template");
    if (!body) return http::problem(body.error());
    std::vector<ris::FieldError> errors;
    int64_t revision = -1;
    auto t = template_of(*body, errors, revision);
    if (!t) return http::problem(t.error());
    if (revision < 0) errors.push_back({"revision", "required", "The revision the editor loaded"});
    if (t->code != r.param("code")) errors.push_back({"code", "changed", "A template's code is not changed"});
    if (!errors.empty()) return invalid(errors);
    return saved_answer(r, templates.save(std::move(*t), revision, r.principal), 200, "changed");
  });
  router.add("POST", "/api/admin/report-templates/{code}/restore", "reporting.templates",
             [&templates](const HttpRequest& r) {
               if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
               auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "The restore");
               if (!body) return http::problem(body.error());
               std::vector<ris::FieldError> errors;
               ris_json::Reader in(*body, errors);
               int64_t revision = -1;
               in.integer("revision", revision);
               if (auto s = in.no_unknown_members(); !s) return http::problem(s.error());
               if (revision < 0) errors.push_back({"revision", "required", "The revision the editor loaded"});
               if (!errors.empty()) return invalid(errors);
               return saved_answer(r, templates.restore(r.param("code"), revision, r.principal), 200,
                                   "restored Vireo's");
             });
  router.add("GET", "/api/admin/report-templates/{code}/mrrt", "reporting.templates", [&templates](const HttpRequest& r) {
    if (auto s = only_parameters(r, {}); !s) return http::problem(s.error());
    const std::string code = r.param("code");
    auto file = templates.export_mrrt(code, r.principal);
    if (!file) return http::problem(file.error());
    if (!*file) return http::problem({ErrorCode::NotFound, "no report template has this code"});
    r.audit.detail = "exported report template " + code + " (IHE MRRT)";
    HttpResponse res;
    res.status = 200;
    res.content_type = "text/html; charset=utf-8";
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + code + ".html\"");
    res.body = std::move(**file);
    return res;
  });
}

}  // namespace vireo::api
