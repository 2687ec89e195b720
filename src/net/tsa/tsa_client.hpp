// RFC 3161 over HTTP: posts a time-stamp query (application/timestamp-query) to the clinic's
// time-stamping authority and returns its reply (application/timestamp-reply), for PAdES B-T
// signatures (pdf::TimestampCallback). The reply is checked against its query by
// pdf::parse_timestamp_response, not here.
//
// Thread-safety: post() may be called concurrently (each call its own connection).
// Usage:
//   net::TsaClient tsa("http://tsa.example.org/tsr");
//   signer_options.timestamp = [&](std::string_view q) { return tsa.post(q); };
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vireo::net {

class TsaClient {
 public:
  explicit TsaClient(std::string url, std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : url_(std::move(url)), timeout_(timeout) {}
  // The authority's reply; Unavailable when it cannot be reached, answers other than 200, or
  // answers something that is not a time-stamp reply.
  [[nodiscard]] Result<std::string> post(std::string_view query_der) const;

 private:
  std::string url_;
  std::chrono::milliseconds timeout_;
};

}  // namespace vireo::net
