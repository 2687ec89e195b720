// The query parameters of search resources (REST lists, QIDO-RS, the audit trail), read by one
// rule: a name the resource does not know is 400, never ignored (a misspelt filter must not
// silently widen a search over patient data), and limit/offset are whole numbers in range.
//
// Thread-safety: pure functions.
// Usage:
//   if (auto s = only_parameters(r, {"patient", "limit", "offset"}); !s) return problem(s.error());
//   auto page = page_of(r, 100, 1000);   // Result<Page>
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "net/http/http_types.hpp"

namespace vireo::api {

struct Page {
  int64_t limit = 0;
  int64_t offset = 0;
};

// `value` as a whole number from `min` to `max`; InvalidArgument naming `name` otherwise.
[[nodiscard]] Result<int64_t> whole_number(std::string_view name, std::string_view value, int64_t min, int64_t max);
// limit (1 to max_limit, default_limit when absent) and offset (0 or more).
[[nodiscard]] Result<Page> page_of(const http::HttpRequest& r, int64_t default_limit, int64_t max_limit);
// A row's id in a path ("/api/tokens/{id}"): 1 to 18 digits, or nothing (answer 404: an id
// that cannot exist names nothing).
[[nodiscard]] std::optional<int64_t> row_id(std::string_view value);
// InvalidArgument for the first parameter not in `known`, naming those that are.
[[nodiscard]] Status only_parameters(const http::HttpRequest& r, std::initializer_list<std::string_view> known);

}  // namespace vireo::api
