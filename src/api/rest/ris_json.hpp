// What the RIS's routes share: JSON bodies read with every member's type checked (an unknown
// member refused, not ignored: a misspelt field would lose what was typed), and the problems
// that name each field to correct.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "net/http/http_types.hpp"
#include "ris/patient.hpp"

namespace vireo::api::ris_json {

using nlohmann::json;

// A form's fields; more is not a form.
inline constexpr size_t kMaxFormBody = 64 * 1024;

[[nodiscard]] std::string dump(const json& j);
// An RFC 9457 problem with one member more (errors, duplicates).
[[nodiscard]] http::HttpResponse problem_with(int status, const std::string& title,
                                              const std::string& detail, const char* member,
                                              json value);
[[nodiscard]] json errors_json(const std::vector<ris::FieldError>& errors);
// 400 naming each field to correct.
[[nodiscard]] http::HttpResponse invalid(const std::vector<ris::FieldError>& errors);
// The body as a JSON object of at most `max_bytes`; `what` names it in the 413.
[[nodiscard]] Result<json> object_body(const http::HttpRequest& r, size_t max_bytes,
                                       const char* what);

// Reads members of a body into fields, each of its type; a wrong type is a field error.
class Reader {
 public:
  Reader(const json& body, std::vector<ris::FieldError>& errors) : body_(body), errors_(errors) {}
  void text(const char* name, std::string& out);
  void integer(const char* name, int64_t& out);
  void boolean(const char* name, bool& out);
  void texts(const char* name, std::vector<std::string>& out);
  // A member read by the route itself.
  void also(const char* name) { known_.insert(name); }
  // An edit replaces every field: each one read must have been sent (empty to clear it).
  void require_every_field();
  // InvalidArgument naming the first member nobody read.
  [[nodiscard]] Result<void> no_unknown_members() const;
  [[nodiscard]] const json* member(const char* name);

 private:
  const json& body_;
  std::vector<ris::FieldError>& errors_;
  std::set<std::string> known_, fields_;
};

}  // namespace vireo::api::ris_json
