// multipart/related bodies (RFC 2387), as STOW-RS clients send them: the boundary from the
// Content-Type, then each part's headers and bytes. Views into the body, no copies.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace vireo::api::dicomweb {

struct Part {
  std::map<std::string, std::string> headers;  // names in lower case
  std::string_view body;
};

// The value of parameter `name` in a header like `multipart/related; type="x"; boundary=y`.
[[nodiscard]] std::optional<std::string> header_parameter(std::string_view header, std::string_view name);
// InvalidArgument with the reason when the body is not a well-formed multipart with `boundary`.
[[nodiscard]] Result<std::vector<Part>> parse_multipart(std::string_view body, const std::string& boundary);

}  // namespace vireo::api::dicomweb
