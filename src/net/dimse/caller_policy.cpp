#include "net/dimse/caller_policy.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <cstring>

namespace vireo::net {

bool is_loopback(const std::string& address) {
  in_addr v4{};
  if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return false;
}

std::vector<std::string> addresses_of(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return {};
  std::vector<std::string> out;
  for (addrinfo* a = found; a; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = a->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                                              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (::inet_ntop(a->ai_family, raw, text, sizeof text)) out.emplace_back(text);
  }
  ::freeaddrinfo(found);
  return out;
}

bool host_matches(const std::string& host, const std::string& address) {
  if (host == address) return true;
  auto found = addresses_of(host);
  return std::find(found.begin(), found.end(), address) != found.end();
}

CallerDecision check_caller(const DimseOptions& options, const std::string& calling_aet, const std::string& address) {
  if (const DicomPeer* peer = options.find_peer(calling_aet)) {
    if (host_matches(peer->host, address)) return {true, "known peer"};
    return {false, "AE title " + calling_aet + " is configured for host " + peer->host + ", not " + address};
  }
  switch (options.unknown_callers) {
    case UnknownCallers::Accept: return {true, "unknown callers accepted"};
    case UnknownCallers::Loopback:
      if (is_loopback(address)) return {true, "local caller"};
      return {false, "AE title " + calling_aet + " is not a configured peer (add it to peers as AET@host:port)"};
    case UnknownCallers::Refuse: break;
  }
  return {false, "AE title " + calling_aet + " is not a configured peer (add it to peers as AET@host:port)"};
}

}  // namespace vireo::net
