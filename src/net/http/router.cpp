#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "core/strings.hpp"
#include "net/http/http_types.hpp"

namespace vireo::http {

std::string HttpRequest::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

std::optional<std::string> HttpRequest::query_value(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

HttpResponse problem(int status, const std::string& title, const std::string& detail) {
  nlohmann::json j = {{"type", "about:blank"}, {"title", title}, {"status", status}};
  if (!detail.empty()) j["detail"] = detail;
  HttpResponse res;
  res.status = status;
  res.content_type = "application/problem+json";
  res.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return res;
}

HttpResponse problem(const Error& e) {
  HttpResponse res = problem(http_status(e.code), std::string(error_title(e.code)), e.detail);
  if (res.status == 503) res.headers.emplace_back("Retry-After", kRetryAfterSeconds);
  return res;
}

HttpResponse json_response(int status, std::string body) {
  HttpResponse res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

HttpResponse no_content() { return json_response(204, ""); }

void Router::add(std::string method, std::string pattern, std::string permission, Handler handler) {
  routes_.push_back({std::move(method), std::move(pattern), std::move(permission), std::move(handler), {}});
}

void Router::add_upload(std::string method, std::string pattern, std::string permission, uint64_t max_body_bytes,
                        UploadHandler upload) {
  routes_.push_back(
      {std::move(method), std::move(pattern), std::move(permission), {}, std::move(upload), max_body_bytes});
}

namespace {
bool match(const std::string& pattern, const std::string& path, std::map<std::string, std::string>& params) {
  auto ps = split(pattern, '/');
  auto xs = split(path, '/');
  if (ps.size() != xs.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (ps[i].size() > 2 && ps[i].front() == '{' && ps[i].back() == '}') {
      if (xs[i].empty()) return false;
      found[ps[i].substr(1, ps[i].size() - 2)] = xs[i];
    } else if (ps[i] != xs[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}
}  // namespace

// A library throwing inside a handler (a programming error) is answered, logged and
// survived: a request must never take the server down.
template <typename F>
HttpResponse answer_safely(const HttpRequest& req, const Route& r, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    spdlog::error("{} {}: unhandled exception: {}", req.method, r.pattern, e.what());
    return problem(Error{ErrorCode::Internal, "unexpected error; see the server log"});
  }
}

HttpResponse Router::run(HttpRequest& req, const Route& r) const {
  if (guard_) {
    if (auto refused = guard_(req, r)) return *refused;
  }
  if (r.upload) return problem(Error{ErrorCode::Internal, "an upload route was dispatched with a buffered body"});
  return answer_safely(req, r, [&] { return r.handler(req); });
}

std::variant<std::monostate, Router::Upload, HttpResponse> Router::open_upload(HttpRequest& req) const {
  if (req.method == "OPTIONS") return std::monostate{};
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!r.upload || r.method != req.method || !match(r.pattern, req.path, params)) continue;
    req.params = std::move(params);
    std::optional<HttpResponse> refused;
    if (guard_) refused = guard_(req, r);
    if (!refused) {
      Upload up{&r, nullptr};
      HttpResponse res = answer_safely(req, r, [&] {
        auto sink = r.upload(req);
        if (!sink) return problem(sink.error());
        up.sink = std::move(*sink);
        return HttpResponse{};
      });
      if (up.sink) return up;
      refused = std::move(res);
    }
    if (after_) after_(req, &r, *refused);
    return with_cors(req, std::move(*refused));
  }
  return std::monostate{};
}

HttpResponse Router::close_upload(HttpRequest& req, Upload& upload, const Status& received) const {
  HttpResponse res = received ? answer_safely(req, *upload.route, [&] { return upload.sink->finish(); })
                              : problem(received.error());
  upload.sink.reset();  // a sink that did not finish removes what it received
  if (after_) after_(req, upload.route, res);
  return with_cors(req, std::move(res));
}

std::string Router::cors_origin_for(const HttpRequest& req) const {
  auto it = req.headers.find("origin");
  if (it == req.headers.end() || cors_origins_.empty()) return {};
  for (const auto& allowed : cors_origins_)
    if (allowed == "*" || allowed == it->second) return allowed == "*" ? "*" : it->second;
  return {};
}

HttpResponse Router::with_cors(const HttpRequest& req, HttpResponse res) const {
  std::string cors = cors_origin_for(req);
  if (!cors.empty()) {
    res.headers.emplace_back("Access-Control-Allow-Origin", cors);
    res.headers.emplace_back("Access-Control-Expose-Headers", "Warning, Content-Location, Location");
    if (cors != "*") res.headers.emplace_back("Vary", "Origin");
  }
  return res;
}

HttpResponse Router::dispatch(HttpRequest& req) const {
  if (req.method == "OPTIONS" && req.headers.contains("access-control-request-method")) {
    if (cors_origin_for(req).empty()) return problem(403, "Forbidden", "this origin may not call the API (cors_origins)");
    HttpResponse res = no_content();
    res.content_type = "text/plain";
    res.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE");
    res.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, X-CSRF-Token");
    res.headers.emplace_back("Access-Control-Max-Age", "600");
    return with_cors(req, std::move(res));
  }
  return with_cors(req, route(req));
}

HttpResponse Router::route(HttpRequest& req) const {
  bool path_known = false;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match(r.pattern, req.path, params)) continue;
    path_known = true;
    if (r.method != req.method && !(req.method == "HEAD" && r.method == "GET")) continue;
    req.params = std::move(params);
    HttpResponse res = run(req, r);
    if (after_) after_(req, &r, res);
    return res;
  }
  if (!path_known && fallback_ && (req.method == "GET" || req.method == "HEAD")) {
    static const Route fallback_route{"GET", "(web application)", "public", {}, {}};
    return answer_safely(req, fallback_route, [&] { return fallback_(req); });
  }
  HttpResponse res = path_known ? problem(405, "Method Not Allowed", req.method + " is not supported on " + req.path)
                                : problem(404, "Not Found", "no resource at this path");
  if (after_) after_(req, nullptr, res);
  return res;
}

bool parse_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query,
                  std::vector<std::pair<std::string, std::string>>* list) {
  if (target.empty() || target.front() != '/') return false;
  auto q = target.find('?');
  path = percent_decode(target.substr(0, q), false);
  if (path.find('\0') != std::string::npos) return false;
  if (q == std::string_view::npos) return true;
  for (const auto& pair : split(target.substr(q + 1), '&')) {
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string name = percent_decode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string::npos ? std::string() : percent_decode(std::string_view(pair).substr(eq + 1), true);
    if (list) list->emplace_back(name, value);
    query[std::move(name)] = std::move(value);
  }
  return true;
}

}  // namespace vireo::http
