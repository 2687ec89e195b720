#include "core/uid.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace vireo {

std::string new_uid() {
  unsigned char bytes[16];
  for (size_t got = 0; got < sizeof bytes;) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) throw std::runtime_error("getrandom failed");
    got += static_cast<size_t>(n);
  }
  // A version-4 UUID (RFC 4122): version and variant bits set, the rest random.
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);
  // The 128-bit number in decimal: repeated division by 10 of four 32-bit limbs.
  uint32_t limbs[4];
  for (int i = 0; i < 4; ++i)
    limbs[i] = static_cast<uint32_t>(bytes[4 * i] << 24 | bytes[4 * i + 1] << 16 | bytes[4 * i + 2] << 8 | bytes[4 * i + 3]);
  std::string digits;
  auto zero = [&] { return std::all_of(std::begin(limbs), std::end(limbs), [](uint32_t l) { return l == 0; }); };
  do {
    uint64_t rest = 0;
    for (auto& l : limbs) {
      uint64_t cur = (rest << 32) | l;
      l = static_cast<uint32_t>(cur / 10);
      rest = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + rest));
  } while (!zero());
  std::reverse(digits.begin(), digits.end());
  return "2.25." + digits;
}

}  // namespace vireo
