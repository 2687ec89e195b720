#include "net/dimse/dimse_options.hpp"

#include <charconv>

#include "core/strings.hpp"

namespace vireo::net {

const DicomPeer* DimseOptions::find_peer(std::string_view name) const {
  for (const auto& p : peers)
    if (p.aet == name) return &p;
  return nullptr;
}

Result<DicomPeer> parse_peer(std::string_view text) {
  auto at = text.find('@');
  auto colon = text.rfind(':');
  if (at == std::string_view::npos || colon == std::string_view::npos || colon < at)
    return fail(ErrorCode::InvalidArgument,
                "a peer is written AET@host:port, not '" + std::string(text) + "'");
  DicomPeer p;
  p.aet = std::string(trim(text.substr(0, at)));
  p.host = std::string(trim(text.substr(at + 1, colon - at - 1)));
  std::string port(trim(text.substr(colon + 1)));
  if (p.aet.empty() || p.aet.size() > 16 || p.host.empty())
    return fail(ErrorCode::InvalidArgument,
                "a peer needs an AE title of 1-16 characters and a host");
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (ec != std::errc() || ptr != port.data() + port.size() || v < 1 || v > 65535)
    return fail(ErrorCode::InvalidArgument,
                "peer port must be a whole number from 1 to 65535, not '" + port + "'");
  p.port = static_cast<uint16_t>(v);
  return p;
}

}  // namespace vireo::net
