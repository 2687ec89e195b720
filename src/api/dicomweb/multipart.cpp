#include "api/dicomweb/multipart.hpp"

#include "core/strings.hpp"

namespace vireo::api::dicomweb {

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

Result<std::vector<Part>> parse_multipart(std::string_view body, const std::string& boundary) {
  if (boundary.empty() || boundary.size() > 200) return fail(ErrorCode::InvalidArgument, "the multipart boundary is missing or too long");
  const std::string delimiter = "--" + boundary;
  std::vector<Part> parts;
  size_t at = body.find(delimiter);
  if (at == std::string_view::npos) return fail(ErrorCode::InvalidArgument, "the body does not contain the boundary");
  while (true) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") break;  // the closing delimiter
    if (body.substr(at, 2) != "\r\n") return fail(ErrorCode::InvalidArgument, "a boundary line is malformed");
    at += 2;
    auto head_end = body.find("\r\n\r\n", at);
    if (head_end == std::string_view::npos) return fail(ErrorCode::InvalidArgument, "a part has no end of headers");
    Part part;
    for (const auto& line : split(body.substr(at, head_end - at), '\n')) {
      auto l = trim(line);
      auto colon = l.find(':');
      if (l.empty()) continue;
      if (colon == std::string_view::npos) return fail(ErrorCode::InvalidArgument, "a part header is malformed");
      part.headers[to_lower_ascii(std::string(trim(l.substr(0, colon))))] = std::string(trim(l.substr(colon + 1)));
    }
    size_t content = head_end + 4;
    size_t next = body.find("\r\n" + delimiter, content);
    if (next == std::string_view::npos) return fail(ErrorCode::InvalidArgument, "the body ends inside a part (no closing boundary)");
    part.body = body.substr(content, next - content);
    parts.push_back(std::move(part));
    at = next + 2;
    if (parts.size() > 100000) return fail(ErrorCode::InvalidArgument, "too many parts");
  }
  return parts;
}

}  // namespace vireo::api::dicomweb
