#include "api/rest/ris_json.hpp"

namespace vireo::api::ris_json {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

http::HttpResponse problem_with(int status, const std::string& title, const std::string& detail,
                                const char* member, json value) {
  http::HttpResponse res = http::problem(status, title, detail);
  json body = json::parse(res.body);
  body[member] = std::move(value);
  res.body = dump(body);
  return res;
}

json errors_json(const std::vector<ris::FieldError>& errors) {
  json out = json::array();
  for (const auto& e : errors)
    out.push_back({{"field", e.field}, {"rule", e.rule}, {"message", e.message}});
  return out;
}

http::HttpResponse invalid(const std::vector<ris::FieldError>& errors) {
  return problem_with(400, "Some fields need correcting", errors.front().message, "errors",
                      errors_json(errors));
}

Result<json> object_body(const http::HttpRequest& r, size_t max_bytes, const char* what) {
  if (r.body.size() > max_bytes)
    return fail(ErrorCode::PayloadTooLarge,
                std::string(what) + " take at most " + std::to_string(max_bytes / 1024) + " KiB");
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail(ErrorCode::InvalidArgument, "the body must be a JSON object");
  return j;
}

const json* Reader::member(const char* name) {
  known_.insert(name);
  fields_.insert(name);
  auto it = body_.find(name);
  return it == body_.end() || it->is_null() ? nullptr : &*it;
}

void Reader::text(const char* name, std::string& out) {
  if (const json* v = member(name)) {
    if (v->is_string())
      out = v->get<std::string>();
    else
      errors_.push_back({name, "type", std::string(name) + " must be text"});
  }
}

void Reader::integer(const char* name, int64_t& out) {
  if (const json* v = member(name)) {
    if (v->is_number_integer())
      out = v->get<int64_t>();
    else
      errors_.push_back({name, "type", std::string(name) + " must be a whole number"});
  }
}

void Reader::boolean(const char* name, bool& out) {
  if (const json* v = member(name)) {
    if (v->is_boolean())
      out = v->get<bool>();
    else
      errors_.push_back({name, "type", std::string(name) + " must be true or false"});
  }
}

void Reader::texts(const char* name, std::vector<std::string>& out) {
  if (const json* v = member(name)) {
    bool ok = v->is_array() && v->size() <= 100;
    if (ok)
      for (const auto& item : *v) ok = ok && item.is_string();
    if (!ok) {
      errors_.push_back({name, "type", std::string(name) + " must be a list of texts"});
      return;
    }
    out.clear();
    for (const auto& item : *v) out.push_back(item.get<std::string>());
  }
}

void Reader::require_every_field() {
  for (const auto& name : fields_)
    if (!body_.contains(name))
      errors_.push_back({name, "required",
                         name + " must be sent: an edit replaces every field (send it empty to "
                                "clear it)"});
}

Result<void> Reader::no_unknown_members() const {
  for (const auto& [name, value] : body_.items())
    if (!known_.contains(name))
      return fail(ErrorCode::InvalidArgument, "unknown field \"" + name + "\"");
  return {};
}

}  // namespace vireo::api::ris_json
