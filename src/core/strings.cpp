#include "core/strings.hpp"

#include <cctype>
#include <cstdint>

namespace vireo {

std::string utf8_prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t end = max;
  // Back off continuation bytes (10xxxxxx) to the start of the character that would be cut.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end));
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out.push_back(sep);
    out += p;
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string to_upper_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string log_safe(std::string_view s, size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s.substr(0, max)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
      continue;
    }
    out += "\\x";
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  if (s.size() > max) out += "...";
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.starts_with(prefix); }

namespace {
// Base letters of U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A), upper
// case; '\0' where there is no single base letter.
constexpr char kLatinFold[] =
    "AAAAAAACEEEEIIII"  // C0-CF
    "DNOOOOO\0OUUUUYTS"  // D0-DF (D7 is the multiplication sign; DF sharp s -> S)
    "AAAAAAACEEEEIIII"  // E0-EF
    "DNOOOOO\0OUUUUYTY"  // F0-FF
    "AAAAAACCCCCCCCDD"  // 100-10F
    "DDEEEEEEEEEEGGGG"  // 110-11F
    "GGGGHHHHIIIIIIII"  // 120-12F
    "IIJJJJKKKLLLLLLL"  // 130-13F
    "LLLNNNNNNNNNOOOO"  // 140-14F
    "OOOORRRRRRSSSSSS"  // 150-15F
    "SSTTTTTTUUUUUUUU"  // 160-16F
    "UUUUWWYYYZZZZZZS";  // 170-17F

uint32_t decode_utf8(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) -> uint32_t {
    return i + k < s.size() ? (static_cast<unsigned char>(s[i + k]) & 0x3F) : 0;
  };
  if (c < 0x80) { i += 1; return c; }
  if ((c & 0xE0) == 0xC0 && i + 1 < s.size()) { uint32_t cp = ((c & 0x1F) << 6) | cont(1); i += 2; return cp; }
  if ((c & 0xF0) == 0xE0 && i + 2 < s.size()) { uint32_t cp = ((c & 0x0F) << 12) | (cont(1) << 6) | cont(2); i += 3; return cp; }
  if ((c & 0xF8) == 0xF0 && i + 3 < s.size()) { uint32_t cp = ((c & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3); i += 4; return cp; }
  i += 1;
  return 0xFFFD;
}
}  // namespace

std::string normalize_person_name(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    size_t start = i;
    uint32_t cp = decode_utf8(utf8, i);
    if (cp < 0x80) {
      out.push_back(static_cast<char>(std::toupper(static_cast<int>(cp))));
    } else if (cp >= 0xC0 && cp <= 0x17F && kLatinFold[cp - 0xC0] != '\0') {
      out.push_back(kLatinFold[cp - 0xC0]);
    } else {
      out.append(utf8.substr(start, i - start));
    }
  }
  return out;
}

bool is_valid_uid(std::string_view uid) {
  if (uid.empty() || uid.size() > 64) return false;
  if (uid.front() == '.' || uid.back() == '.') return false;
  char prev = '\0';
  for (char c : uid) {
    if (c != '.' && (c < '0' || c > '9')) return false;
    if (c == '.' && prev == '.') return false;
    prev = c;
  }
  return true;
}

std::string hex_encode(const unsigned char* data, size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0xF];
  }
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') out += ' ';
        else out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

void append_replacing(std::string& out, std::string_view text, std::string_view from, std::string_view to) {
  size_t at = 0;
  for (size_t hit; (hit = text.find(from, at)) != std::string_view::npos; at = hit + from.size()) {
    out.append(text.substr(at, hit - at));
    out.append(to);
  }
  out.append(text.substr(at));
}

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  append_replacing(out, text, from, to);
  return out;
}

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace vireo
