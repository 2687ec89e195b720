#include "ris/field_checks.hpp"

namespace vireo::ris::checks {

int64_t characters(std::string_view s, bool multiline) {
  int64_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return -1;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return -1;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr uint32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kLeast[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    bool control = cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
    if (control && !(multiline && (cp == '\n' || cp == '\r' || cp == '\t'))) return -1;
    i += len;
  }
  return count;
}

}  // namespace vireo::ris::checks
