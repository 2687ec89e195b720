// RFC 3161 time-stamp queries and responses, without any transport: the HTTP POST to a
// time-stamping authority (Content-Type application/timestamp-query, answer
// application/timestamp-reply) lives with the callers that own an HTTP client.
// sign_pades (pdf/pades.hpp) uses these for PAdES B-T signatures.
//
// Thread-safety: each call is independent.
// Usage:
//   auto query = make_timestamp_query(signature_value);
//   std::string reply = post_to_tsa(*query);                  // the caller's transport
//   auto token = parse_timestamp_response(reply, *query);     // token->der, token->gen_time
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vireo::pdf {

// A TimeStampToken the authority granted, checked against its query.
struct TimestampToken {
  std::string der;                                    // ContentInfo (CMS SignedData) of a TSTInfo
  std::chrono::system_clock::time_point gen_time{};   // the TSTInfo's genTime
};

// A TimeStampReq (DER) for the SHA-256 of data, with a random 64-bit nonce and certReq
// set (the token then carries the authority's certificate, which validators need).
[[nodiscard]] Result<std::string> make_timestamp_query(std::string_view data);

// The token of a TimeStampResp (DER) that answers query_der: InvalidArgument when the
// response is unreadable, Unavailable when the authority refused (its status text in the
// detail), InvalidArgument when the token's message imprint or nonce is not the
// query's. The authority's signature and chain are not judged here (verify_pades does,
// against the certificates the verifier trusts).
[[nodiscard]] Result<TimestampToken> parse_timestamp_response(std::string_view response_der,
                                                              std::string_view query_der);

}  // namespace vireo::pdf
