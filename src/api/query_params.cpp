#include "api/query_params.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace vireo::api {

Result<int64_t> whole_number(std::string_view name, std::string_view value, int64_t min, int64_t max) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n < min || n > max)
    return fail(ErrorCode::InvalidArgument, std::string(name) + " must be a whole number from " + std::to_string(min) +
                                                " to " + std::to_string(max));
  return n;
}

Result<Page> page_of(const http::HttpRequest& r, int64_t default_limit, int64_t max_limit) {
  Page page{default_limit, 0};
  if (auto v = r.query_value("limit")) {
    auto n = whole_number("limit", *v, 1, max_limit);
    if (!n) return std::unexpected(n.error());
    page.limit = *n;
  }
  if (auto v = r.query_value("offset")) {
    auto n = whole_number("offset", *v, 0, INT64_MAX / 2);
    if (!n) return std::unexpected(n.error());
    page.offset = *n;
  }
  return page;
}

Status only_parameters(const http::HttpRequest& r, std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : r.query_list) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string list;
    for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    return fail(ErrorCode::InvalidArgument, "'" + name + "' is not a parameter of this resource (it takes " +
                                                (list.empty() ? std::string("none") : list) + ")");
  }
  return {};
}

std::optional<int64_t> row_id(std::string_view value) {
  if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::stoll(std::string(value));
}

}  // namespace vireo::api
