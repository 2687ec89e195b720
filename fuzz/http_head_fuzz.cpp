// Fuzz target for the head of an HTTP request as the server reads it: Boost.Beast's parser
// (as the listener configures it), then our checks of the body's framing (request_head.cpp)
// and of the request target. Properties: no crash; what our framing check admits, Beast frames
// the same way (chunked exactly when a Transfer-Encoding was sent, never with a
// Content-Length), so no request can be smuggled behind another; a parsed target is a path.
// GCC 12 with the sanitizers reports Boost 1.74's empty optional in the parser as "maybe
// uninitialized" (a false positive; the listener's own build of the same parser is clean).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "net/http/http_types.hpp"
#include "net/http/request_head.hpp"

namespace {
namespace beast = boost::beast;
namespace bhttp = beast::http;

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& msg = parser.get();
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  bool transfer_encoding = false;
  for (const auto& f : msg) {
    fields.emplace_back(std::string_view(f.name_string().data(), f.name_string().size()),
                        std::string_view(f.value().data(), f.value().size()));
    if (beast::iequals(f.name_string(), "transfer-encoding")) transfer_encoding = true;
  }
  auto refusal = vireo::http::check_framing(fields, msg.version());
  if (refusal) {
    require(refusal->status == 400 || refusal->status == 501, "a framing refusal is 400 or 501");
    require(!refusal->detail.empty(), "a refusal says why");
  } else if (transfer_encoding) {
    require(parser.chunked(), "an admitted Transfer-Encoding is framed as chunked by the parser too");
    require(!parser.content_length(), "an admitted chunked body has no Content-Length");
  } else {
    require(!parser.chunked(), "without Transfer-Encoding nothing is chunked");
  }
  std::string path;
  std::map<std::string, std::string> query;
  std::vector<std::pair<std::string, std::string>> list;
  std::string_view target(msg.target().data(), msg.target().size());
  if (vireo::http::parse_target(target, path, query, &list)) {
    require(!path.empty() && path.front() == '/', "a parsed target is a path");
    require(path.find('\0') == std::string::npos, "a path holds no NUL");
    require(query.size() <= list.size(), "every query value comes from the list");
  }
  return 0;
}
