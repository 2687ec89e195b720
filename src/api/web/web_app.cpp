#include "api/web/web_app.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <iterator>
#include <string_view>

#include "core/installation.hpp"
#include "core/strings.hpp"

namespace vireo::api::web {

namespace fs = std::filesystem;
using http::HttpRequest;
using http::HttpResponse;

namespace {

// Paths of the programming interfaces: an unknown one there is a 404 problem for the client
// that called it, never the application's page.
constexpr std::array<std::string_view, 8> kApiPrefixes = {"/api/", "/dicom-web/", "/wado", "/fhir/",
                                                           "/oauth/", "/metrics", "/healthz", "/readyz"};

std::string_view content_type_for(std::string_view name) {
  struct Type {
    std::string_view extension, type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".wasm", "application/wasm"}, {".json", "application/json"}, {".map", "application/json"},
      {".svg", "image/svg+xml"}, {".png", "image/png"}, {".ico", "image/x-icon"}, {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"}, {".webmanifest", "application/manifest+json"}};
  for (const auto& t : kTypes)
    if (name.ends_with(t.extension)) return t.type;
  return "application/octet-stream";
}

// A relative path below the root, or nullopt for anything that could leave it.
std::optional<fs::path> safe_relative(const std::string& path) {
  fs::path out;
  for (const auto& segment : split(path, '/')) {
    if (segment.empty()) continue;
    if (segment.front() == '.' || segment.find('\\') != std::string::npos) return std::nullopt;
    out /= segment;
  }
  return out;
}

void add_isolation_headers(HttpResponse& res) {
  // COOP + COEP make the page cross-origin isolated (SharedArrayBuffer for Cornerstone3D's
  // volumes); CORP keeps our files from being embedded by other sites.
  res.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  res.headers.emplace_back("Cross-Origin-Embedder-Policy", "require-corp");
  res.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
}

HttpResponse serve_file(const HttpRequest& req, const fs::path& file, const struct stat& st, bool immutable) {
  HttpResponse res;
  // Vite names built assets by content hash: they never change under their name. Anything
  // else (index.html) is checked on every use, with the ETag answering 304 when unchanged.
  std::string etag = "\"" + std::to_string(st.st_size) + "-" + std::to_string(st.st_mtim.tv_sec) + "." +
                     std::to_string(st.st_mtim.tv_nsec) + "\"";
  res.headers.emplace_back("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.headers.emplace_back("ETag", etag);
  add_isolation_headers(res);
  const std::string name = file.filename().string();
  if (name.ends_with(".html")) {
    // wasm-unsafe-eval: the image codecs are WebAssembly; blob: workers and images are made
    // by the viewer's libraries; inline styles come from React's style attributes.
    res.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; "
                             "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self' data: blob:; "
                             "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'");
  }
  auto inm = req.headers.find("if-none-match");
  if (inm != req.headers.end() && inm->second == etag) {
    res.status = 304;
    res.content_type.clear();
    return res;
  }
  res.content_type = std::string(content_type_for(name));
  res.file = file;
  return res;
}

HttpResponse not_built(const fs::path& root) {
  HttpResponse res = http::problem(503, "Service Unavailable",
                                   "the web application is not built in " + root.string() +
                                       ": run make build (or npm ci && npm run build in web/), or set web_root");
  add_isolation_headers(res);
  return res;
}

}  // namespace

fs::path default_web_root() { return installation_root() / "web" / "dist"; }

void register_web_app(http::Router& router, const fs::path& root, const WebSettings& settings) {
  router.add("GET", "/api/web/settings", "authenticated", [settings](const HttpRequest&) {
    return http::json_response(200, "{\"imageCacheBytes\":" + std::to_string(settings.image_cache_bytes) + "}");
  });
  router.set_fallback([root](const HttpRequest& req) -> HttpResponse {
    for (auto prefix : kApiPrefixes)
      if (req.path.starts_with(prefix) || req.path + "/" == prefix)
        return http::problem(404, "Not Found", "no resource at this path");
    auto relative = safe_relative(req.path);
    if (!relative) return http::problem(404, "Not Found", "no resource at this path");
    struct stat st {};
    if (!relative->empty()) {
      fs::path file = root / *relative;
      if (::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode))
        return serve_file(req, file, st, relative->begin()->string() == "assets");
      // A missing asset or top-level file (favicon.ico) is a 404; any other path is one of
      // the application's own pages (/viewer/1.2.840...), which index.html routes.
      const bool top_level_file = std::distance(relative->begin(), relative->end()) == 1 &&
                                  relative->filename().string().find('.') != std::string::npos;
      if (top_level_file || relative->begin()->string() == "assets")
        return http::problem(404, "Not Found", "no file " + req.path + " in the web application");
    }
    fs::path index = root / "index.html";
    if (::stat(index.c_str(), &st) != 0) return not_built(root);
    return serve_file(req, index, st, false);
  });
}

}  // namespace vireo::api::web
