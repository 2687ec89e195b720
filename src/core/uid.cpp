#include "core/uid.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include <openssl/sha.h>

namespace vireo {

namespace {

// "2.25." and the UUID in `bytes` as one decimal number, its version nibble set to `version`.
std::string uuid_uid(unsigned char (&bytes)[16], unsigned version) {
  // Version and variant bits (RFC 9562), the rest as given.
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | (version << 4));
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

}  // namespace

std::string new_uid() {
  unsigned char bytes[16];
  for (size_t got = 0; got < sizeof bytes;) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) throw std::runtime_error("getrandom failed");
    got += static_cast<size_t>(n);
  }
  return uuid_uid(bytes, 4);
}

std::string name_uid(std::string_view name) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  ::SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest);
  unsigned char bytes[16];
  std::copy_n(digest, sizeof bytes, bytes);
  return uuid_uid(bytes, 8);
}

}  // namespace vireo
