#include "net/http/credentials.hpp"

#include <cctype>

#include "core/base64.hpp"
#include "core/strings.hpp"

namespace vireo::http {

std::optional<std::string> cookie_value(std::string_view header_value, std::string_view name) {
  if (header_value.size() > 8192) return std::nullopt;
  for (const auto& pair : split(header_value, ';')) {
    auto p = trim(pair);
    auto eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    if (trim(p.substr(0, eq)) != name) continue;
    auto v = trim(p.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (v.empty() || v.size() > kMaxCredentialLength) return std::nullopt;
    for (char c : v)
      if (static_cast<unsigned char>(c) <= 0x20 || c == ',' || c == ';' || c == '\\' || c == '"' ||
          static_cast<unsigned char>(c) >= 0x7f)
        return std::nullopt;
    return std::string(v);
  }
  return std::nullopt;
}

std::optional<std::string> bearer_token(std::string_view value) {
  constexpr std::string_view scheme = "bearer ";
  if (value.size() <= scheme.size()) return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(value[i])) != scheme[i]) return std::nullopt;
  auto token = trim(value.substr(scheme.size()));
  if (token.empty() || token.size() > kMaxCredentialLength) return std::nullopt;
  // RFC 6750 b64token characters only.
  for (char c : token)
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("-._~+/=").find(c) == std::string_view::npos)
      return std::nullopt;
  return std::string(token);
}

std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view value) {
  constexpr std::string_view scheme = "basic ";
  if (value.size() <= scheme.size() || value.size() > 2 * kMaxCredentialLength) return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(value[i])) != scheme[i]) return std::nullopt;
  auto b64 = trim(value.substr(scheme.size()));
  if (b64.empty() || b64.size() % 4 != 0) return std::nullopt;
  auto decoded = base64_decode(b64);
  if (!decoded) return std::nullopt;
  const std::string& raw = *decoded;
  auto colon = raw.find(':');
  if (colon == std::string::npos || raw.find('\0') != std::string::npos) return std::nullopt;
  return std::pair{raw.substr(0, colon), raw.substr(colon + 1)};
}

}  // namespace vireo::http
