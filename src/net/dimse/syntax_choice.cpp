#include "net/dimse/syntax_choice.hpp"

#include <algorithm>

namespace vireo::net {

bool is_lossy(std::string_view uid) {
  static constexpr std::string_view kLossy[] = {
      "1.2.840.10008.1.2.4.50",  "1.2.840.10008.1.2.4.51",  "1.2.840.10008.1.2.4.81",  "1.2.840.10008.1.2.4.91",
      "1.2.840.10008.1.2.4.93",  "1.2.840.10008.1.2.4.203", "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.101",
      "1.2.840.10008.1.2.4.102", "1.2.840.10008.1.2.4.103", "1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.105",
      "1.2.840.10008.1.2.4.106", "1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108"};
  return std::find(std::begin(kLossy), std::end(kLossy), uid) != std::end(kLossy);
}

const char* choose_storage_syntax(std::span<const std::string> proposed, std::span<const char* const> stored,
                                  std::span<const std::string> preferred) {
  auto stored_as = [&](const std::string& uid) -> const char* {
    for (const char* ts : stored)
      if (uid == ts) return ts;
    return nullptr;
  };
  auto offered = [&](const std::string& uid) { return std::find(proposed.begin(), proposed.end(), uid) != proposed.end(); };
  for (const auto& uid : preferred)
    if (offered(uid))
      if (const char* ts = stored_as(uid)) return ts;
  // A lossy syntax only when the sender offers nothing lossless: what a lossy codec drops is
  // gone for good, and a sender that lists it first may not mean the archive to keep it.
  for (const auto& uid : proposed)
    if (!is_lossy(uid))
      if (const char* ts = stored_as(uid)) return ts;
  for (const auto& uid : proposed)
    if (const char* ts = stored_as(uid)) return ts;
  return nullptr;
}

}  // namespace vireo::net
