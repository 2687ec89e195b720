// The HTTP/1.1 listener (Boost.Beast, kept in http_server.cpp alone because it is slow to
// compile): HTTPS (TLS 1.2+) or plain HTTP, keep-alive, header and body size limits, problem+json errors, request metrics,
// files streamed from disk, upload routes whose bodies stream to a sink (Router::add_upload), graceful stop.
// A request's head must arrive within header_timeout of its first byte, and a body may not
// stall for longer than idle_timeout; a body's framing is checked before any route sees it
// (request_head.hpp).
// Thread-safety: start/stop from one thread; handlers run on the server's worker threads.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "net/http/http_types.hpp"

namespace vireo::http {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  size_t max_body_bytes = 64u << 20;  // of ordinary routes; an upload route declares its own
  int threads = 0;
  std::chrono::seconds header_timeout{10};  // from a request's first byte to the end of its head
  std::chrono::seconds idle_timeout{60};    // waiting for a request, or for more of its body
  // HTTPS when set (PEM files); plain HTTP otherwise.
  std::filesystem::path tls_certificate, tls_private_key;
  // Reverse proxies (their addresses) whose X-Forwarded-For is believed: a request from one is
  // taken as from the address it says it forwarded for. Empty: the header is ignored.
  std::vector<std::string> trusted_proxies;
};

// The address a request comes from: `peer`, or when `peer` is a trusted proxy, the nearest
// address of `forwarded_for` (X-Forwarded-For, read from the right) that is not one; `peer` when
// the header is absent or an entry is not an IP address.
[[nodiscard]] std::string client_address(const std::string& peer, const std::string* forwarded_for,
                                         const std::vector<std::string>& trusted_proxies);

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, const Router& router);
  ~HttpServer();
  [[nodiscard]] Status start();
  // The port actually bound (useful with port 0).
  [[nodiscard]] uint16_t port() const;
  // Stops accepting, lets in-flight requests finish (bounded), joins the threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vireo::http
