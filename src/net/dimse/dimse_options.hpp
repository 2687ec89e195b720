// What the DICOM side is told by the configuration (app/config.hpp reads it and fills these):
// the listener's title, ports and limits, the known peers and what to do with other callers.
//
// Usage:
//   net::DimseOptions o;
//   o.peers.push_back(*net::parse_peer("PACS2@10.0.0.9:104"));
//   if (const auto* p = o.find_peer("PACS2")) ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace vireo::net {

// A DICOM peer that may be named as C-MOVE destination: "AET@host:port".
struct DicomPeer {
  std::string aet;
  std::string host;
  uint16_t port = 0;
};

// "AET@host:port"; InvalidArgument says what is wrong.
[[nodiscard]] Result<DicomPeer> parse_peer(std::string_view text);

// DICOM callers whose AE title is not a configured peer.
enum class UnknownCallers { Loopback, Refuse, Accept };

struct DimseOptions {
  std::string aet = "VIREO";
  uint16_t port = 11112;
  uint16_t tls_port = 0;  // 0: no DICOM TLS listener
  int max_associations = 32;
  uint32_t max_pdu = 131072;
  int acse_timeout_s = 5;
  int max_connecting_per_address = 16;  // connections still sending their association request
  int dimse_timeout_s = 60;
  std::vector<std::string> storage_transfer_syntaxes;  // the site's order; empty: the sender's
  std::vector<DicomPeer> peers;
  UnknownCallers unknown_callers = UnknownCallers::Loopback;

  [[nodiscard]] const DicomPeer* find_peer(std::string_view aet) const;
};

}  // namespace vireo::net
