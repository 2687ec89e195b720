#include "net/http/request_head.hpp"

#include "core/strings.hpp"

namespace vireo::http {

namespace {
bool named(std::string_view field, std::string_view name) { return to_lower_ascii(field) == name; }
}  // namespace

std::optional<FramingRefusal> check_framing(const std::vector<std::pair<std::string_view, std::string_view>>& fields,
                                            unsigned version) {
  std::vector<std::string> codings;  // every Transfer-Encoding field, in order, as one list
  bool has_transfer_encoding = false, has_content_length = false;
  for (const auto& [name, value] : fields) {
    if (named(name, "content-length")) has_content_length = true;
    if (!named(name, "transfer-encoding")) continue;
    has_transfer_encoding = true;
    for (const auto& element : split(value, ',')) {
      // A coding's parameters (";q=...") do not change which coding it is.
      std::string coding = to_lower_ascii(std::string(trim(split(element, ';')[0])));
      if (!coding.empty()) codings.push_back(std::move(coding));  // RFC 9110 5.6.1: empty elements are ignored
    }
  }
  if (!has_transfer_encoding) return std::nullopt;
  // RFC 9112 6.1: a transfer coding the server does not understand: 501, then close.
  for (const auto& c : codings)
    if (c != "chunked") return FramingRefusal{501, "the transfer coding '" + c + "' is not supported; send chunked or a Content-Length"};
  if (version < 11) return FramingRefusal{400, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
  if (codings.size() != 1)
    return FramingRefusal{400, codings.empty() ? "the Transfer-Encoding field is empty"
                                               : "chunked may be applied only once (RFC 9112 7)"};
  // RFC 9112 6.1: both fields are how requests are smuggled past a proxy that reads the other.
  if (has_content_length) return FramingRefusal{400, "a request may not carry both Transfer-Encoding and Content-Length"};
  return std::nullopt;
}

}  // namespace vireo::http
