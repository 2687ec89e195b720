#include "net/http/request_head.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace vireo::http {

namespace {
bool named(std::string_view field, std::string_view name) { return to_lower_ascii(field) == name; }
}  // namespace

std::optional<FramingRefusal> check_framing(const std::vector<std::pair<std::string_view, std::string_view>>& fields,
                                            unsigned version) {
  std::vector<std::string> codings;  // every Transfer-Encoding field, in order, as one list
  bool has_transfer_encoding = false, has_content_length = false, nameless = false;
  for (const auto& [name, value] : fields) {
    if (named(name, "content-length")) has_content_length = true;
    if (!named(name, "transfer-encoding")) continue;
    has_transfer_encoding = true;
    for (const auto& element : split(value, ',')) {
      if (trim(element).empty()) continue;  // RFC 9110 5.6.1: empty list elements are ignored
      // A coding's parameters (";q=...") do not change which coding it is; parameters
      // without a coding ("; q=1") are not a coding a parser can agree on.
      std::string coding = to_lower_ascii(trim(split(element, ';')[0]));
      if (coding.empty()) nameless = true;
      codings.push_back(std::move(coding));
    }
  }
  if (!has_transfer_encoding) return std::nullopt;
  if (version < 11) return FramingRefusal{400, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
  if (codings.empty() || nameless) return FramingRefusal{400, "the Transfer-Encoding field names no coding"};
  // RFC 9112 6.3: without chunked last, the body's length cannot be known: 400, then close.
  if (codings.back() != "chunked")
    return FramingRefusal{400, "chunked must be the last transfer coding ('" + codings.back() + "' is)"};
  if (std::count(codings.begin(), codings.end(), "chunked") > 1)
    return FramingRefusal{400, "chunked may be applied only once (RFC 9112 7)"};
  // RFC 9112 6.1: a coding the server does not understand: 501, then close.
  if (codings.size() > 1)
    return FramingRefusal{501, "the transfer coding '" + codings[0] + "' is not supported; send chunked alone"};
  // RFC 9112 6.1: both fields are how requests are smuggled past a proxy that reads the other.
  if (has_content_length) return FramingRefusal{400, "a request may not carry both Transfer-Encoding and Content-Length"};
  return std::nullopt;
}

}  // namespace vireo::http
