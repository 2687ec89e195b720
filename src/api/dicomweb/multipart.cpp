#include "api/dicomweb/multipart.hpp"

#include <string.h>

#include "auth/password.hpp"
#include "core/strings.hpp"

namespace vireo::api::dicomweb {

namespace {
constexpr size_t kMaxPartHeaderBytes = 16 * 1024;
constexpr size_t kMaxBoundaryLine = 1024;  // transport padding after a delimiter, and its CRLF
}

std::optional<std::string> header_parameter(std::string_view header, std::string_view name) {
  auto params = split(header, ';');
  for (size_t i = 1; i < params.size(); ++i) {
    auto p = trim(params[i]);
    auto eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key = to_lower_ascii(std::string(trim(p.substr(0, eq))));
    if (key != name) continue;
    auto v = trim(p.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return std::string(v);
  }
  return std::nullopt;
}

std::string new_boundary() { return "vireo-" + auth::random_token(18); }

void append_part(std::string& body, const std::string& boundary, const OutPart& part, bool first) {
  body += (first ? "--" : "\r\n--") + boundary + "\r\nContent-Type: " + part.content_type + "\r\n";
  if (!part.location.empty()) body += "Content-Location: " + part.location + "\r\n";
  body += "Content-Length: " + std::to_string(part.bytes.size()) + "\r\n\r\n";
  body += part.bytes;
}

std::string closing_delimiter(const std::string& boundary) { return "\r\n--" + boundary + "--\r\n"; }

http::HttpResponse multipart_response(const std::string& type, const std::vector<OutPart>& parts) {
  const std::string boundary = new_boundary();
  http::HttpResponse res;
  res.content_type = "multipart/related; type=\"" + type + "\"; boundary=" + boundary;
  size_t size = 0;
  for (const auto& p : parts) size += p.bytes.size() + 200;
  res.body.reserve(size);
  for (size_t i = 0; i < parts.size(); ++i) append_part(res.body, boundary, parts[i], i == 0);
  res.body += closing_delimiter(boundary);
  return res;
}

Result<MultipartReader> MultipartReader::create(const std::string& boundary, Events events) {
  if (boundary.empty() || boundary.size() > 70)
    return fail(ErrorCode::InvalidArgument, "the multipart boundary is missing or longer than 70 characters");
  return MultipartReader(boundary, std::move(events));
}

// The body is read as if it began with CRLF, so the first delimiter is found like the others.
MultipartReader::MultipartReader(std::string boundary, Events events)
    : delimiter_("\r\n--" + boundary), events_(std::move(events)), buf_("\r\n") {}

// Pieces are read where they lie; only what the reader must wait on (a possible start of a
// delimiter, unfinished part headers) is copied, so body bytes are not copied at all.
Status MultipartReader::feed(std::string_view piece) {
  while (state_ != State::Done) {
    if (buf_.empty()) {
      size_t used = 0;
      if (auto s = run(piece, used); !s) return s;
      if (state_ != State::Done) buf_.assign(piece.substr(used));
      return {};
    }
    // Bytes carried from the last piece: topped up with as much of this one as the reader
    // may need to decide on them, then, once they are spent, the rest is read in place.
    const size_t carried = buf_.size();
    const size_t take = std::min(piece.size(), lookahead());
    buf_.append(piece.substr(0, take));
    size_t used = 0;
    if (auto s = run(buf_, used); !s) return s;
    if (used >= carried) {
      piece.remove_prefix(used - carried);
      buf_.clear();
      if (state_ == State::Done || piece.empty()) return {};
      continue;
    }
    buf_.erase(0, used);
    piece.remove_prefix(take);
    if (piece.empty()) return {};
  }
  return {};  // the epilogue is ignored
}

size_t MultipartReader::lookahead() const {
  switch (state_) {
    case State::AfterDelimiter: return kMaxBoundaryLine + 2;
    case State::Headers: return kMaxPartHeaderBytes + 4;
    default: return delimiter_.size();
  }
}

Status MultipartReader::run(std::string_view data, size_t& used) {
  bool progressed = true;
  while (progressed && state_ != State::Done) {
    progressed = false;
    if (auto s = step(data.substr(used), used, progressed); !s) return s;
  }
  return {};
}

Status MultipartReader::step(std::string_view b, size_t& used, bool& progressed) {
  auto consume = [&](size_t n) {
    used += n;
    progressed = true;
  };
  auto find_delimiter = [&] {  // glibc's memmem: two-way search, several GB/s on pixel data
    const void* at = ::memmem(b.data(), b.size(), delimiter_.data(), delimiter_.size());
    return at ? static_cast<size_t>(static_cast<const char*>(at) - b.data()) : std::string_view::npos;
  };
  // Bytes that cannot start a delimiter: all but the last delimiter-length-minus-one.
  const size_t keep = delimiter_.size() - 1;
  switch (state_) {
    case State::Preamble: {
      size_t at = find_delimiter();
      if (at == std::string_view::npos) {
        if (b.size() > keep) used += b.size() - keep;
        return {};
      }
      state_ = State::AfterDelimiter;
      consume(at + delimiter_.size());
      return {};
    }
    case State::AfterDelimiter: {
      size_t i = 0;
      while (i < b.size() && (b[i] == ' ' || b[i] == '\t')) ++i;  // transport padding
      if (b.size() - i < 2) {
        if (b.size() > kMaxBoundaryLine) return fail(ErrorCode::InvalidArgument, "a boundary line is malformed");
        return {};
      }
      if (i == 0 && b.substr(0, 2) == "--") {
        state_ = State::Done;
        consume(b.size());
        return {};
      }
      if (b.substr(i, 2) != "\r\n") return fail(ErrorCode::InvalidArgument, "a boundary line is malformed");
      state_ = State::Headers;
      consume(i + 2);
      return {};
    }
    case State::Headers: {
      size_t end = b.starts_with("\r\n") ? 0 : b.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        if (b.size() > kMaxPartHeaderBytes) return fail(ErrorCode::InvalidArgument, "a part's headers exceed 16 KiB");
        return {};
      }
      Headers headers;
      for (const auto& line : split(b.substr(0, end), '\n')) {
        auto l = trim(line);
        if (l.empty()) continue;
        auto colon = l.find(':');
        if (colon == std::string_view::npos) return fail(ErrorCode::InvalidArgument, "a part header is malformed");
        headers[to_lower_ascii(std::string(trim(l.substr(0, colon))))] = std::string(trim(l.substr(colon + 1)));
      }
      ++parts_;
      if (auto s = events_.begin_part(headers); !s) return s;
      state_ = State::Body;
      consume(end == 0 ? 2 : end + 4);
      return {};
    }
    case State::Body: {
      size_t at = find_delimiter();
      if (at == std::string_view::npos) {
        if (b.size() <= keep) return {};
        size_t n = b.size() - keep;
        if (auto s = events_.part_data(b.substr(0, n)); !s) return s;
        used += n;  // and wait for more bytes
        return {};
      }
      if (at > 0) {
        if (auto s = events_.part_data(b.substr(0, at)); !s) return s;
      }
      if (auto s = events_.end_part(); !s) return s;
      state_ = State::AfterDelimiter;
      consume(at + delimiter_.size());
      return {};
    }
    case State::Done:
      return {};
  }
  return {};
}

Status MultipartReader::finish() const {
  switch (state_) {
    case State::Done:
      return parts_ > 0 ? Status{} : fail(ErrorCode::InvalidArgument, "the body holds no parts");
    case State::Preamble:
      return fail(ErrorCode::InvalidArgument, "the body does not contain the boundary");
    default:
      return fail(ErrorCode::InvalidArgument, "the body ends inside a part (no closing boundary)");
  }
}

}  // namespace vireo::api::dicomweb
