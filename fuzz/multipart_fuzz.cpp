// Fuzz target for the multipart/related reader that every STOW-RS body passes through as it
// arrives (api/dicomweb/multipart.cpp). The first input byte seeds how the body is cut into
// pieces (as the network cuts it); the rest is the body, with the boundary "b".
// Properties: no crash; the parts, their headers and their bytes do not depend on how the
// body was cut (the same as when it is fed whole), nor does whether it is refused; no part
// holds more bytes than the body.
#include <cstdint>
#include <string>
#include <vector>

#include "api/dicomweb/multipart.hpp"
#include "fuzz/temp_services.hpp"

namespace {
using vireo::api::dicomweb::MultipartReader;

struct Outcome {
  std::vector<MultipartReader::Headers> headers;
  std::vector<std::string> bodies;
  bool failed = false;
  bool complete = false;
  bool operator==(const Outcome&) const = default;
};

Outcome read(std::string_view body, uint8_t seed) {
  Outcome out;
  bool in_part = false;
  MultipartReader::Events events{
      [&](const MultipartReader::Headers& h) {
        vireo::fuzz::require(!in_part, "a part begins only after the last one ended");
        in_part = true;
        out.headers.push_back(h);
        out.bodies.emplace_back();
        return vireo::Status{};
      },
      [&](std::string_view data) {
        vireo::fuzz::require(in_part, "bytes belong to a part");
        out.bodies.back().append(data);
        return vireo::Status{};
      },
      [&] {
        vireo::fuzz::require(in_part, "a part ends after it began");
        in_part = false;
        return vireo::Status{};
      }};
  auto reader = MultipartReader::create("b", std::move(events));
  vireo::fuzz::require(reader.has_value(), "a short boundary is accepted");
  uint32_t state = seed * 2654435761u + 1;
  while (!body.empty()) {
    size_t n = body.size();
    if (seed != 0) {  // 0: the body whole, in one piece
      state = state * 1103515245u + 12345u;
      n = std::min<size_t>(body.size(), 1 + (state >> 16) % 97);
    }
    if (!reader->feed(body.substr(0, n))) {
      out.failed = true;
      return out;
    }
    body.remove_prefix(n);
  }
  out.complete = reader->finish().has_value();
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  Outcome whole = read(body, 0);
  Outcome pieces = read(body, data[0] | 1);
  // A malformed body may be refused after a different share of its bytes was handed on, but
  // it is refused however it is cut, with the same parts begun; a good one reads the same.
  vireo::fuzz::require(whole.failed == pieces.failed, "how the body is cut does not decide whether it is refused");
  if (whole.failed) vireo::fuzz::require(whole.headers == pieces.headers, "the same parts begin however it is cut");
  else vireo::fuzz::require(whole == pieces, "how the body is cut changes nothing");
  size_t total = 0;
  for (const auto& b : whole.bodies) total += b.size();
  vireo::fuzz::require(total <= body.size(), "parts hold no more than the body");
  vireo::fuzz::require(!whole.complete || !whole.bodies.empty(), "a complete body has a part");
  return 0;
}
