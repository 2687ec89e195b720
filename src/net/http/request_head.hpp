// The checks a request's head must pass before any route sees it: how its body is framed
// (RFC 9112 6). A request whose body length two readers could disagree on is how requests
// are smuggled past a proxy, so it is refused, and its connection closed, here.
//
// Thread-safety: pure functions.
// Usage:
//   if (auto refusal = check_framing(fields, 11)) answer refusal->status and close;
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vireo::http {

struct FramingRefusal {
  int status;          // 400 or 501
  std::string detail;  // for the problem body
};

// `fields`: the head's fields as received (names in any case, repeated fields repeated);
// `version`: 10 for HTTP/1.0, 11 for HTTP/1.1. nullopt: the body is framed as RFC 9112 allows
// (no Transfer-Encoding, or chunked alone, and then no Content-Length).
[[nodiscard]] std::optional<FramingRefusal> check_framing(
    const std::vector<std::pair<std::string_view, std::string_view>>& fields, unsigned version);

}  // namespace vireo::http
