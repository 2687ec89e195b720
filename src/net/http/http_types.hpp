// HTTP requests, responses and the router, free of Boost.Beast so that handlers compile
// fast and can be unit-tested without sockets. Every route declares the permission it
// needs where it is registered (DESIGN.md "Security").
//
// Thread-safety: routes are added before the server starts, then only read.
// Usage:
//   router.add("GET", "/api/studies/{uid}", "archive.read", [&](const HttpRequest& r) {
//     return json_response(200, encode(archive.study(r.param("uid"))));
//   });
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "access/principal.hpp"
#include "core/error.hpp"

namespace vireo::http {

struct HttpRequest {
  std::string method;
  std::string path;  // percent-decoded, without the query string
  std::map<std::string, std::string> query;    // percent-decoded; the last of repeated names
  std::vector<std::pair<std::string, std::string>> query_list;  // every parameter, in order
  std::map<std::string, std::string> headers;  // names in lower case
  std::map<std::string, std::string> params;   // from {placeholders} in the route
  std::string body;
  std::string remote_address;
  access::Principal principal;  // set by the router's guard before the handler runs

  // What a handler learned for the audit trail (the patient and study it touched).
  struct AuditNote {
    std::string patient_id, study_uid, detail;
    bool recorded = false;  // the security guard refused and recorded the request already
  };
  mutable AuditNote audit;

  [[nodiscard]] std::string param(const std::string& name) const;
  [[nodiscard]] std::optional<std::string> query_value(const std::string& name) const;
};

// One piece of a streamed body: literal bytes, bytes made when it is reached, or a file read
// as it is sent (with the SHA-256 it must have: a file that does not match ends the
// connection mid-body, so damaged data is never delivered as if whole).
struct BodySegment {
  std::string data;
  std::filesystem::path file;
  std::string sha256;      // of `file`, checked while it is sent; empty: not checked
  bool remove_after = false;  // a temporary file (a transcoded copy)
  // The file's size when the caller knows it (the index does): no stat() per file before the
  // header goes out. A file of another size is damage, and cuts the connection like a bad hash.
  int64_t known_size = -1;
  // Bytes made only when the stream reaches this segment (frames read from their file then,
  // so that a long series starts at once and holds one instance in memory). Their size is not
  // known before, so a body with such a segment goes out chunked; an error cuts the connection.
  std::function<Result<std::string>()> make;

  [[nodiscard]] static BodySegment literal(std::string bytes) {
    BodySegment s;
    s.data = std::move(bytes);
    return s;
  }
};

// Server-sent events (text/event-stream): a response that stays open and sends each event as
// it comes. Once the header is out the server calls the opener with a sender, which queues one
// event's text ("event: change\ndata: {...}\n\n") from any thread, or ends the stream when
// given an empty one (the server is stopping); what the opener returns
// (a subscription) is held until the client goes away or the server stops, then dropped.
using EventSender = std::function<void(std::string)>;
using EventStreamOpener = std::function<std::shared_ptr<void>(EventSender)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::filesystem::path file;  // when set, the body is streamed from this file
  std::vector<BodySegment> segments;  // when set, the body is these, streamed in order (multipart)
  EventStreamOpener event_stream;     // when set, the body is these events, until either side ends
  // When set, answering a GET that asks to upgrade (RFC 6455): the connection becomes a
  // WebSocket on which each text the sender is given goes as one text message (an empty one
  // closes it), until either side ends it; what the client sends is read and dropped. A
  // request without the upgrade is answered 426.
  EventStreamOpener websocket;
  std::vector<std::pair<std::string, std::string>> headers;
};

// What a 503 (the database or the object store unreachable) tells the client to wait.
inline constexpr const char* kRetryAfterSeconds = "10";

// RFC 9457 problem details, from the one error table; a 503 says when to retry.
[[nodiscard]] HttpResponse problem(const Error& e);
[[nodiscard]] HttpResponse problem(int status, const std::string& title, const std::string& detail);
[[nodiscard]] HttpResponse json_response(int status, std::string body);
// 204: done, nothing to say.
[[nodiscard]] HttpResponse no_content();

using Handler = std::function<HttpResponse(const HttpRequest&)>;

// A request body consumed as it arrives instead of held in memory (STOW-RS of any size).
// The server feeds it the body piece by piece once the guard has admitted the request, then
// answers with finish(). A failed write() ends the request: the server answers with the
// error and closes the connection, and the sink's destructor undoes what it began.
class BodySink {
 public:
  virtual ~BodySink() = default;
  [[nodiscard]] virtual Status write(std::string_view piece) = 0;
  [[nodiscard]] virtual HttpResponse finish() = 0;
};
// Called with the request's line and headers (no body yet): the sink, or the error that
// refuses the request before its body is read (wrong media type, full disk).
using UploadHandler = std::function<Result<std::unique_ptr<BodySink>>(const HttpRequest&)>;

struct Route {
  std::string method;
  std::string pattern;     // "/api/studies/{uid}"
  std::string permission;  // e.g. "archive.read"; "public" for unauthenticated endpoints
  Handler handler;
  UploadHandler upload;    // set instead of handler for routes that stream their body
  uint64_t max_body_bytes = 0;  // of an upload route: larger bodies are answered 413 (by
                                // Content-Length before any is read, or when a chunked one passes it)
};

// Runs before every handler (authentication, permission, CSRF): a response refuses the
// request; nullopt lets it through. The after-hook sees every answered request (audit).
using Guard = std::function<std::optional<HttpResponse>(HttpRequest&, const Route&)>;
using AfterHook = std::function<void(const HttpRequest&, const Route*, const HttpResponse&)>;

class Router {
 public:
  void add(std::string method, std::string pattern, std::string permission, Handler handler);
  // A route whose body is streamed to a sink, up to max_body_bytes (its own limit, not
  // http_max_body_bytes).
  void add_upload(std::string method, std::string pattern, std::string permission, uint64_t max_body_bytes,
                  UploadHandler upload);
  void set_guard(Guard guard) { guard_ = std::move(guard); }
  void set_after(AfterHook after) { after_ = std::move(after); }
  // Origins allowed to call from a browser page elsewhere ("*" for any); empty: none.
  // Preflight (OPTIONS) requests are answered here, before authentication, as the Fetch
  // standard requires; credentials are never allowed cross-origin (bearer tokens work).
  void set_cors_origins(std::vector<std::string> origins) { cors_origins_ = std::move(origins); }
  // Answers GET and HEAD requests whose path no route knows (the web application's files),
  // without the guard or the after-hook: what it serves is public and not audited.
  void set_fallback(Handler fallback) { fallback_ = std::move(fallback); }
  [[nodiscard]] const std::vector<Route>& routes() const { return routes_; }
  // Finds the route and fills req.params; 404 or 405 problem responses when none fits.
  [[nodiscard]] HttpResponse dispatch(HttpRequest& req) const;

  // Streamed bodies, in two steps. open_upload, once the headers are in: nothing when the
  // request goes to an ordinary route (read its body, then dispatch), else the admitted
  // upload, or the answer that refuses it (guard, handler) before any body is read.
  struct Upload {
    const Route* route = nullptr;
    std::unique_ptr<BodySink> sink;
  };
  [[nodiscard]] std::variant<std::monostate, Upload, HttpResponse> open_upload(HttpRequest& req) const;
  // After the body (received: whether it arrived whole and the sink took every piece).
  [[nodiscard]] HttpResponse close_upload(HttpRequest& req, Upload& upload, const Status& received) const;

 private:
  [[nodiscard]] HttpResponse run(HttpRequest& req, const Route& route) const;
  [[nodiscard]] HttpResponse route(HttpRequest& req) const;
  std::vector<Route> routes_;
  [[nodiscard]] std::string cors_origin_for(const HttpRequest& req) const;
  [[nodiscard]] HttpResponse with_cors(const HttpRequest& req, HttpResponse res) const;
  Guard guard_;
  Handler fallback_;
  AfterHook after_;
  std::vector<std::string> cors_origins_;
};

// Splits "path?query" into the decoded path and query parameters; nullopt when malformed.
[[nodiscard]] bool parse_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query,
                                std::vector<std::pair<std::string, std::string>>* list = nullptr);

}  // namespace vireo::http
