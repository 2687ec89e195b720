#include "net/dimse/syntax_choice.hpp"

#include <algorithm>

namespace vireo::net {

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
  for (const auto& uid : proposed)
    if (const char* ts = stored_as(uid)) return ts;
  return nullptr;
}

}  // namespace vireo::net
