// Fuzz target for what every HTTP request carries before authentication: the Cookie and
// Authorization headers and the request target. Built with libFuzzer by `make fuzz`
// (clang), and replayed with a small mutation driver in `make test` (standalone_driver.cpp).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "net/http/credentials.hpp"
#include "net/http/http_types.hpp"

namespace {
// A property violated is a bug: stop loudly so the fuzzer keeps the input.
void require(bool ok) {
  if (!ok) std::abort();
}

bool cookie_octets(std::string_view v) {
  for (unsigned char c : v)
    if (c <= 0x20 || c >= 0x7f || c == ';' || c == ',' || c == '"' || c == '\\') return false;
  return true;
}

bool b64token(std::string_view v) {
  for (unsigned char c : v)
    if (!std::isalnum(c) && std::string_view("-._~+/=").find(static_cast<char>(c)) == std::string_view::npos)
      return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto v = vireo::http::cookie_value(input, "vireo_session")) {
    require(!v->empty() && v->size() <= vireo::http::kMaxCredentialLength && cookie_octets(*v));
    require(input.find(*v) != std::string_view::npos);
  }
  if (auto t = vireo::http::bearer_token(input)) {
    require(!t->empty() && t->size() <= vireo::http::kMaxCredentialLength && b64token(*t));
  }
  if (auto b = vireo::http::basic_credentials(input)) {
    require(b->first.find(':') == std::string::npos);
    require(b->first.size() + b->second.size() < input.size());
  }
  std::string path;
  std::map<std::string, std::string> query;
  if (vireo::http::parse_target(input, path, query)) {
    require(!path.empty() && path.front() == '/');
    require(path.find('\0') == std::string::npos);
  }
  return 0;
}
