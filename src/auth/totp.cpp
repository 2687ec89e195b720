#include "auth/totp.hpp"

#include <liboath/oath.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "auth/password.hpp"

namespace vireo::auth {

namespace {
constexpr unsigned kStep = OATH_TOTP_DEFAULT_TIME_STEP_SIZE;

void init_oath() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (oath_init() != OATH_OK) throw std::runtime_error("liboath failed to initialise");
  });
}

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}
}  // namespace

std::string new_totp_secret() { return random_bytes(20); }

std::string base32(std::string_view bytes) {
  init_oath();
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_encode(bytes.data(), bytes.size(), &out, &len) != OATH_OK) throw std::bad_alloc();
  std::string s(out, len);
  std::free(out);
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string totp_uri(std::string_view issuer, std::string_view account, std::string_view secret) {
  return "otpauth://totp/" + percent_encode(issuer) + ":" + percent_encode(account) +
         "?secret=" + base32(secret) + "&issuer=" + percent_encode(issuer) +
         "&algorithm=SHA1&digits=6&period=30";
}

std::optional<uint64_t> verify_totp(std::string_view secret, std::string_view code, int64_t now,
                                    uint64_t last_used_step) {
  init_oath();
  if (code.size() != 6) return std::nullopt;
  for (char c : code)
    if (c < '0' || c > '9') return std::nullopt;
  std::string otp(code);
  int pos = 0;
  uint64_t counter = 0;
  int rc = oath_totp_validate3(secret.data(), secret.size(), static_cast<time_t>(now), kStep, 0, 1,
                               &pos, &counter, otp.c_str());
  if (rc < 0 || counter <= last_used_step) return std::nullopt;
  return counter;
}

std::string totp_code(std::string_view secret, int64_t now) {
  init_oath();
  char otp[7] = {};
  if (oath_totp_generate(secret.data(), secret.size(), static_cast<time_t>(now), kStep, 0, 6,
                         otp) != OATH_OK)
    return {};
  return otp;
}

}  // namespace vireo::auth
