// The browser application (web/, built by Vite into web/dist): its files served at /, and
// index.html for the application's own paths (/viewer/{study}, /login) so that a reload or
// a shared link opens the right page. Every answer carries the cross-origin isolation
// headers that Cornerstone3D needs for SharedArrayBuffer (volume and MPR rendering).
#pragma once

#include <cstdint>
#include <filesystem>

#include "net/http/http_types.hpp"

namespace vireo::api::web {

// Where the built application is when web_root is not configured: web/dist beside the folder
// that holds the running binary (build/vireo in the source tree finds web/dist there).
[[nodiscard]] std::filesystem::path default_web_root();

// What the application reads from the server at start (GET /api/web/settings).
struct WebSettings {
  uint64_t image_cache_bytes = uint64_t{1} << 30;  // the viewer's decoded-image budget
};

// Serves `root` as the router's fallback (GET and HEAD of paths that no API route knows), and
// the application's settings to any signed-in user.
void register_web_app(http::Router& router, const std::filesystem::path& root, const WebSettings& settings);

}  // namespace vireo::api::web
