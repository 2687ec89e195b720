// Which DICOM callers may open an association (DESIGN.md "Security": DICOM peers are known
// AE titles with host checks). A caller whose AE title is a configured peer must come from
// that peer's host; callers with other titles are accepted or refused by
// `dicom_unknown_callers`: "loopback" (the default: local tools only), "refuse", "accept".
//
// Thread-safety: pure functions (host names are resolved on each call).
#pragma once

#include <string>
#include <vector>

#include "net/dimse/dimse_options.hpp"

namespace vireo::net {

struct CallerDecision {
  bool allowed = false;
  std::string reason;  // for the log and the audit trail
};

[[nodiscard]] CallerDecision check_caller(const DimseOptions& options, const std::string& calling_aet,
                                          const std::string& address);
// True when `host` (a name or a literal) resolves to `address` (a numeric IPv4/IPv6 address).
[[nodiscard]] bool host_matches(const std::string& host, const std::string& address);
// The numeric addresses `host` (a name or a literal) resolves to; none when it does not.
[[nodiscard]] std::vector<std::string> addresses_of(const std::string& host);
[[nodiscard]] bool is_loopback(const std::string& address);

}  // namespace vireo::net
