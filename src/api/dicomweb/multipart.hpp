// multipart/related bodies (RFC 2046, RFC 2387), as STOW-RS clients send them, read as they
// arrive: pieces of any size go in, each part's headers, bytes and end come out, so a body
// of any size passes through in constant memory.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <vector>

#include "core/error.hpp"
#include "net/http/http_types.hpp"

namespace vireo::api::dicomweb {

// The value of parameter `name` in a header like `multipart/related; type="x"; boundary=y`.
[[nodiscard]] std::optional<std::string> header_parameter(std::string_view header, std::string_view name);

// One part of a multipart/related answer held in memory (frames, bulk data, rendered).
struct OutPart {
  std::string content_type;  // the part's full Content-Type ("image/jpeg", "...; transfer-syntax=...")
  std::string location;      // its Content-Location, if any
  std::string_view bytes;
};
// A random boundary that no part's bytes can be expected to hold.
[[nodiscard]] std::string new_boundary();
// Appends a part (its delimiter, headers and bytes) to a multipart body; `first`: the body's
// first part. Each part carries its Content-Length, so that a client can take it without
// searching its bytes for the boundary.
void append_part(std::string& body, const std::string& boundary, const OutPart& part, bool first);
// What ends a multipart body after its last part.
[[nodiscard]] std::string closing_delimiter(const std::string& boundary);
// A multipart/related response whose root type parameter is `type`, with a random boundary.
[[nodiscard]] http::HttpResponse multipart_response(const std::string& type, const std::vector<OutPart>& parts);

class MultipartReader {
 public:
  using Headers = std::map<std::string, std::string>;  // names in lower case
  struct Events {
    std::function<Status(const Headers&)> begin_part;
    std::function<Status(std::string_view)> part_data;  // called any number of times per part
    std::function<Status()> end_part;
  };
  // InvalidArgument when the boundary is empty or longer than RFC 2046's 70 characters.
  [[nodiscard]] static Result<MultipartReader> create(const std::string& boundary, Events events);

  // The next piece of the body; InvalidArgument when it is not well-formed, or the error an
  // event returned. After an error the reader is not used again.
  [[nodiscard]] Status feed(std::string_view piece);
  // At the end of the body: InvalidArgument unless the closing delimiter was seen.
  [[nodiscard]] Status finish() const;

 private:
  MultipartReader(std::string boundary, Events events);
  // Steps through `data` from `used` on, advancing `used` past what it has dealt with.
  [[nodiscard]] Status run(std::string_view data, size_t& used);
  [[nodiscard]] Status step(std::string_view rest, size_t& used, bool& progressed);
  // How many more bytes the current state may need to make progress on a carried remainder.
  [[nodiscard]] size_t lookahead() const;
  enum class State { Preamble, AfterDelimiter, Headers, Body, Done };
  std::string delimiter_;  // CRLF "--" boundary
  Events events_;
  std::string buf_;  // what the last piece left undecided (a few bytes, or part headers)
  State state_ = State::Preamble;
  size_t parts_ = 0;
};

}  // namespace vireo::api::dicomweb
