#include "auth/password.hpp"

#include <crack.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace vireo::auth {

namespace {
void init_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "Summer2024!" -> "summer": the word that breached-password lists are built on.
std::string password_base(std::string_view pw) {
  auto is_filler = [](unsigned char c) { return !std::isalpha(c); };
  size_t b = 0, e = pw.size();
  while (b < e && is_filler(static_cast<unsigned char>(pw[b]))) ++b;
  while (e > b && is_filler(static_cast<unsigned char>(pw[e - 1]))) --e;
  return lower(pw.substr(b, e - b));
}

// "passwordpassword" -> "password": the shortest unit the password repeats, or itself.
std::string repeated_unit(const std::string& pw) {
  for (size_t n = 1; n <= pw.size() / 2; ++n) {
    if (pw.size() % n != 0) continue;
    bool repeats = true;
    for (size_t i = n; i < pw.size() && repeats; ++i) repeats = pw[i] == pw[i - n];
    if (repeats) return pw.substr(0, n);
  }
  return pw;
}

// Keyboard walks ("qwertyuiopasdf", "zaq12wsxcde3", "1qaz2wsx") are among the most common
// breached passwords and pass dictionary checks: refuse a password whose consecutive
// characters are nearly all neighbours on a US keyboard.
bool is_keyboard_walk(const std::string& lower_pw) {
  static const char* rows[] = {"1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./"};
  auto where = [](char c, int& row, int& col) {
    for (int r = 0; r < 4; ++r)
      if (const char* p = std::strchr(rows[r], c)) {
        row = r;
        col = static_cast<int>(p - rows[r]);
        return true;
      }
    return false;
  };
  if (lower_pw.size() < 2) return false;
  size_t neighbours = 0;
  for (size_t i = 1; i < lower_pw.size(); ++i) {
    int r1, c1, r2, c2;
    if (!where(lower_pw[i - 1], r1, c1) || !where(lower_pw[i], r2, c2)) continue;
    // Same row next door, or the row above/below at the same or the diagonal position.
    if ((r1 == r2 && std::abs(c1 - c2) == 1) || (std::abs(r1 - r2) == 1 && std::abs(c1 - c2) <= 1))
      ++neighbours;
  }
  return neighbours * 10 >= (lower_pw.size() - 1) * 8;
}

// cracklib is not thread-safe (it keeps the dictionary open in static state).
std::mutex cracklib_mutex;

// The reason cracklib rejects `candidate` as dictionary-based or too simple, or nullptr.
const char* cracklib_weakness(const std::string& candidate) {
  std::lock_guard lock(cracklib_mutex);
  const char* why = FascistCheck(candidate.c_str(), GetDefaultCracklibDict());
  if (!why) return nullptr;
  std::string_view w(why);
  // Length is our own rule; cracklib's other findings (dictionary word, too simple,
  // systematic) are what matters.
  if (w.find("short") != std::string_view::npos) return nullptr;
  return why;
}
}  // namespace

Result<std::string> hash_password(std::string_view password) {
  init_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return fail(ErrorCode::OutOfResources, "not enough memory to hash the password");
  return std::string(out);
}

bool verify_password(const std::string& hash, std::string_view password) {
  init_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void verify_password_dummy(std::string_view password) {
  static const std::string dummy = [] {
    auto h = hash_password("vireo-timing-equaliser");
    return h ? *h : std::string();
  }();
  (void)verify_password(dummy, password);
}

Status check_password_policy(std::string_view username, std::string_view password,
                             size_t min_length) {
  if (password.size() < min_length)
    return fail(ErrorCode::InvalidArgument,
                "the password must have at least " + std::to_string(min_length) +
                    " characters; a few unrelated words make a good one");
  if (password.size() > 128)
    return fail(ErrorCode::InvalidArgument, "the password must have at most 128 characters");
  if (!username.empty() && lower(password).find(lower(username)) != std::string::npos)
    return fail(ErrorCode::InvalidArgument, "the password must not contain the user name");
  const std::string lowered = lower(password);
  if (is_keyboard_walk(lowered))
    return fail(ErrorCode::InvalidArgument,
                "the password is a keyboard pattern; choose a few unrelated words");
  if (repeated_unit(lowered).size() < lowered.size() && repeated_unit(lowered).size() < min_length)
    return fail(ErrorCode::InvalidArgument,
                "the password repeats a short part; choose a few unrelated words");
  for (const std::string& candidate :
       {std::string(password), password_base(password), password_base(repeated_unit(lowered))}) {
    if (candidate.empty()) continue;
    if (const char* why = cracklib_weakness(candidate))
      return fail(ErrorCode::InvalidArgument, std::string("the password is too easy to guess (") +
                                                  why + "); choose a few unrelated words");
  }
  return {};
}

std::string random_bytes(size_t n) {
  init_sodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string random_token(size_t bytes) {
  std::string raw = random_bytes(bytes);
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

bool equal_secrets(std::string_view a, std::string_view b) {
  init_sodium();
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace vireo::auth

namespace vireo::auth {

Result<std::string> generate_password(std::string_view username, size_t min_length) {
  for (int i = 0; i < 20; ++i) {
    std::string pw = random_token(std::max<size_t>(
        15, (min_length * 3 + 3) / 4));  // base64url: 4 characters per 3 bytes, at most 128
    if (pw.size() >= min_length && check_password_policy(username, pw, min_length)) return pw;
  }
  return fail(ErrorCode::InvalidArgument, "no generated password passed the password policy");
}

}  // namespace vireo::auth
