#include "net/http/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <limits>
#include <thread>
#include <vector>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"
#include "net/http/request_head.hpp"

namespace vireo::http {

std::string client_address(const std::string& peer, const std::string* forwarded_for,
                           const std::vector<std::string>& trusted_proxies) {
  auto trusted = [&](const std::string& a) { return std::ranges::find(trusted_proxies, a) != trusted_proxies.end(); };
  if (!forwarded_for || !trusted(peer)) return peer;
  std::string_view rest = *forwarded_for;
  while (!rest.empty()) {
    const size_t comma = rest.rfind(',');
    const std::string entry(trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(entry, ec);
    if (ec) return peer;  // a forged or garbled chain: only the proxy is known
    if (!trusted(address.to_string())) return address.to_string();
  }
  return peer;
}

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr uint64_t kMaxDrainBytes = 1ull << 30;  // of a refused upload, read to deliver the answer
// After an answer sent before the body was read: how long, and how much, is read and dropped.
constexpr auto kLingerTime = std::chrono::seconds(5);
constexpr uint64_t kLingerBytes = 64ull << 20;

Counter& requests_counter(int status) {
  static std::mutex m;
  static std::map<int, Counter*> by_class;
  int cls = status / 100;
  std::lock_guard lock(m);
  auto& c = by_class[cls];
  if (!c)
    c = &Metrics::counter("vireo_http_requests_total", "HTTP requests answered",
                          "code=\"" + std::to_string(cls) + "xx\"");
  return *c;
}
Histogram& request_latency() {
  static auto& h = Metrics::histogram("vireo_http_request_seconds", "HTTP request handling time");
  return h;
}

// A connection upgraded to a WebSocket (HttpResponse::websocket): texts from the opener's sender
// go out one message at a time; what the client sends is read and dropped (control frames are
// answered by Beast); a client silent for kIdle, pings unanswered, is gone. A client too slow to
// take kMaxQueuedBytes of messages is closed with "try again later" (it reconnects and reads the
// state again) rather than held in memory.
template <class Stream>
class WebSocketSession : public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  static constexpr size_t kMaxQueuedBytes = 8u << 20;
  static constexpr auto kIdle = std::chrono::seconds(60);
  explicit WebSocketSession(Stream&& stream) : ws_(std::move(stream)) {}

  void run(bhttp::request<bhttp::empty_body> upgrade, EventStreamOpener opener) {
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket keeps its own time
    websocket::stream_base::timeout timeout;
    timeout.handshake_timeout = std::chrono::seconds(30);
    timeout.idle_timeout = kIdle;
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(bhttp::field::server, "Vireo"); }));
    ws_.read_message_max(64 * 1024);
    auto request = std::make_shared<bhttp::request<bhttp::empty_body>>(std::move(upgrade));
    ws_.async_accept(*request, [self = this->shared_from_this(), request, opener = std::move(opener)](beast::error_code ec) {
      if (ec) return;
      std::weak_ptr<WebSocketSession> weak = self;
      auto ex = self->ws_.get_executor();
      self->accepted_ = true;
      self->subscription_ = opener([weak, ex](std::string text) {
        asio::post(ex, [weak, text = std::move(text)]() mutable {
          if (auto s = weak.lock()) s->queue(std::move(text));
        });
      });
      self->read();
      if (!self->queue_.empty()) self->write();
    });
  }

 private:
  void queue(std::string text) {
    if (ended_ || closing_) return;
    if (text.empty()) return close(websocket::close_code::going_away);
    if (queued_bytes_ + text.size() > kMaxQueuedBytes) return close(websocket::close_code::try_again_later);
    queued_bytes_ += text.size();
    queue_.push_back(std::move(text));
    if (!writing_ && accepted_) write();
  }
  void write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()), [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->writing_ = false;
      self->queued_bytes_ -= self->queue_.front().size();
      self->queue_.pop_front();
      if (ec) return self->end();
      if (self->closing_) return self->send_close();
      if (!self->queue_.empty()) self->write();
    });
  }
  void read() {
    ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->end();
      self->in_.consume(self->in_.size());
      self->read();
    });
  }
  void close(websocket::close_code code) {
    closing_ = true;
    close_code_ = code;
    if (!writing_ && accepted_) send_close();
  }
  void send_close() {
    if (ended_ || close_sent_) return;
    close_sent_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    ws_.async_close(close_code_, [self = this->shared_from_this()](beast::error_code) { self->end(); });
  }
  void end() {
    if (ended_) return;
    ended_ = true;
    subscription_.reset();
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

  websocket::stream<Stream> ws_;
  beast::flat_buffer in_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  std::shared_ptr<void> subscription_;
  bool accepted_ = false, writing_ = false, closing_ = false, close_sent_ = false, ended_ = false;
  websocket::close_code close_code_ = websocket::close_code::normal;
};

// One connection: plain (Stream = beast::tcp_stream) or TLS (beast::ssl_stream over it).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(tcp::socket socket, const Router& router, const HttpServerOptions& options)
    requires(!kTls)
      : stream_(std::move(socket)), router_(router), options_(options), max_body_(options.max_body_bytes) {}
  Session(tcp::socket socket, ssl::context& tls, const Router& router, const HttpServerOptions& options)
    requires kTls
      : stream_(std::move(socket), tls), router_(router), options_(options), max_body_(options.max_body_bytes) {}

  void run() {
    if constexpr (kTls) {
      lowest().expires_after(std::chrono::seconds(15));
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        // A client that does not speak TLS (or rejects the certificate) is simply dropped.
        if (ec) {
          spdlog::debug("TLS handshake failed: {}", ec.message());
          return self->close();
        }
        self->read();
      });
    } else {
      read();
    }
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // Waits (idle_timeout) for the first bytes of the next request, then gives its head
  // header_timeout to arrive whole: a head trickled in a byte at a time is cut, while a
  // kept-alive connection may idle.
  void read() {
    if (buffer_.size() > 0) return read_head();  // pipelined: the next request is already here
    lowest().expires_after(options_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kMaxHeaderBytes), [self = this->shared_from_this()](beast::error_code ec,
                                                                                               size_t n) {
      if (ec) return self->close();
      self->buffer_.commit(n);
      self->read_head();
    });
  }

  void read_head() {
    header_parser_.emplace();
    header_parser_->header_limit(kMaxHeaderBytes);
    // The limit is decided per route once the headers are in. (Not boost::none: Boost 1.74's
    // parser compares a Content-Length with an empty optional as "over the limit".)
    header_parser_->body_limit(std::numeric_limits<uint64_t>::max());
    lowest().expires_after(options_.header_timeout);
    bhttp::async_read_header(stream_, buffer_, *header_parser_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  // Read errors that end a request: the peer went away, or a malformed/oversized request
  // that gets a problem response before the connection closes.
  bool failed_read(beast::error_code ec) {
    if (!ec) return false;
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::eof || ec == asio::error::connection_reset) {
      close();
      return true;
    }
    HttpResponse r = ec == bhttp::error::body_limit
                         ? problem(Error{ErrorCode::PayloadTooLarge, "the body exceeds http_max_body_bytes"})
                     : ec == bhttp::error::header_limit
                         ? problem(431, "Request Header Fields Too Large", "headers exceed 16 KiB")
                         : problem(400, "Bad Request", "malformed HTTP request");
    send(std::move(r), false, false);
    return true;
  }

  void on_header(beast::error_code ec) {
    request_complete_ = false;
    if (failed_read(ec)) return;
    request_complete_ = header_parser_->is_done();  // a request without a body is whole already
    started_ = std::chrono::steady_clock::now();
    auto& msg = header_parser_->get();
    req_ = HttpRequest{};
    req_.method = std::string(msg.method_string());
    std::vector<std::pair<std::string_view, std::string_view>> fields;
    for (const auto& f : msg) {
      fields.emplace_back(std::string_view(f.name_string().data(), f.name_string().size()),
                          std::string_view(f.value().data(), f.value().size()));
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req_.headers[name] = std::string(f.value());
    }
    // A body whose length is in doubt reaches no route, and what follows it on the connection
    // (possibly a smuggled request) is never read.
    auto refusal = check_framing(fields, msg.version());
    // And whatever our reading of the field, the parser must frame the body as chunked too.
    if (!refusal && req_.headers.contains("transfer-encoding") && !header_parser_->chunked())
      refusal = FramingRefusal{400, "the Transfer-Encoding field could not be read"};
    if (refusal) {
      const char* title = refusal->status == 501 ? "Not Implemented" : "Bad Request";
      request_complete_ = false;  // where its body ends is what is in doubt
      return send(problem(refusal->status, title, refusal->detail), false, false);
    }
    beast::error_code rec;
    auto ep = lowest().socket().remote_endpoint(rec);
    if (!rec) {
      auto forwarded = req_.headers.find("x-forwarded-for");
      req_.remote_address = client_address(ep.address().to_string(),
                                           forwarded == req_.headers.end() ? nullptr : &forwarded->second,
                                           options_.trusted_proxies);
    }
    keep_alive_ = msg.keep_alive();
    upgrade_.reset();
    if (websocket::is_upgrade(msg)) upgrade_ = msg;
    http11_ = msg.version() >= 11;
    auto expect = req_.headers.find("expect");
    bool wants_continue = expect != req_.headers.end() && beast::iequals(expect->second, "100-continue");
    if (!parse_target(std::string_view(msg.target().data(), msg.target().size()), req_.path, req_.query,
                      &req_.query_list))
      return send(problem(400, "Bad Request", "malformed request target"), false, false);

    auto opened = router_.open_upload(req_);
    if (auto* refused = std::get_if<HttpResponse>(&opened)) {
      // Refused before the body: a client waiting for 100-continue never sends it; any
      // other body is read and dropped (up to the usual limit) so the answer reaches it.
      if (wants_continue || header_parser_->is_done())
        return send(std::move(*refused), keep_alive_ && !wants_continue, req_.method == "HEAD");
      pending_ = std::move(*refused);
      return read_body(false);
    }
    if (auto* up = std::get_if<Router::Upload>(&opened)) {
      upload_.emplace(std::move(*up));
      // Over the route's limit by its own declaration: answered before any of it is read.
      if (header_parser_->content_length().value_or(0) > upload_->route->max_body_bytes)
        return end_upload(too_large(upload_->route->max_body_bytes));
      return continue_then(wants_continue, [self = this->shared_from_this()] { self->read_upload_start(); });
    }
    if (header_parser_->content_length().value_or(0) > max_body_) return on_body(bhttp::error::body_limit, true);
    continue_then(wants_continue, [self = this->shared_from_this()] { self->read_body(true); });
  }

  // Sends "100 Continue" when the client asked for it, then goes on.
  void continue_then(bool wants_continue, std::function<void()> next) {
    if (!wants_continue) return next();
    auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
    lowest().expires_after(options_.idle_timeout);
    bhttp::async_write(stream_, *res, [self = this->shared_from_this(), res, next](beast::error_code ec, size_t) {
      if (ec) return self->close();
      next();
    });
  }

  void read_body(bool dispatch) {
    buffer_.reserve(64 * 1024);  // see read_upload_start
    // Beast checks a declared length against the limit only while parsing the headers.
    if (header_parser_->content_length().value_or(0) > max_body_) return on_body(bhttp::error::body_limit, dispatch);
    body_parser_.emplace(std::move(*header_parser_));
    body_parser_->body_limit(max_body_);
    body_parser_->eager(true);
    read_body_some(dispatch);
  }

  // The body in pieces, each within idle_timeout of the last: a slow but steady client is
  // served, a stalled one is cut.
  void read_body_some(bool dispatch) {
    if (body_parser_->is_done()) return on_body({}, dispatch);
    lowest().expires_after(options_.idle_timeout);
    bhttp::async_read_some(stream_, buffer_, *body_parser_,
                           [self = this->shared_from_this(), dispatch](beast::error_code ec, size_t) {
                             if (ec) return self->on_body(ec, dispatch);
                             self->read_body_some(dispatch);
                           });
  }

  static Status too_large(uint64_t limit) {
    return fail(ErrorCode::PayloadTooLarge,
                "the request body exceeds this route's limit of " + std::to_string(limit) + " bytes");
  }

  void on_body(beast::error_code ec, bool dispatch) {
    if (!dispatch && ec == bhttp::error::body_limit) return send(std::move(*pending_), false, false);
    if (failed_read(ec)) return;
    HttpResponse res;
    request_complete_ = true;
    if (dispatch) {
      req_.body = std::move(body_parser_->get().body());
      res = router_.dispatch(req_);
    } else {
      res = std::move(*pending_);
    }
    pending_.reset();
    request_latency().observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
    send(std::move(res), keep_alive_, req_.method == "HEAD");
  }

  // An upload: the body goes to the route's sink in pieces as it arrives, never whole in
  // memory and without the body limit (the sink decides what it can take).
  void read_upload_start() {
    upload_parser_.emplace(std::move(*header_parser_));
    upload_parser_->body_limit(std::numeric_limits<uint64_t>::max());
    upload_parser_->eager(true);  // each read parses all it brought, however small the chunks
    piece_.resize(256 * 1024);
    // Beast reads at most the buffer's spare capacity (at least 512 bytes) per call: without
    // room, a body arrives in ~500-byte reads, one system call each.
    buffer_.reserve(piece_.size());
    read_upload_piece();
  }

  void read_upload_piece() {
    if (upload_parser_->is_done()) return end_upload(upload_failed_ ? std::move(*upload_failed_) : Status{});
    auto& body = upload_parser_->get().body();
    body.data = piece_.data();
    body.size = piece_.size();
    body.more = true;
    fill_upload_piece();
  }

  // Reads until the piece is full or the body ends, each read within idle_timeout of the
  // last: a slow but steady upload goes on, one that stalls is cut.
  void fill_upload_piece() {
    lowest().expires_after(options_.idle_timeout);
    bhttp::async_read_some(stream_, buffer_, *upload_parser_, [self = this->shared_from_this()](beast::error_code ec,
                                                                                               size_t) {
      if (ec == bhttp::error::need_buffer) ec = {};
      auto& b = self->upload_parser_->get().body();
      if (!ec && b.size > 0 && !self->upload_parser_->is_done()) return self->fill_upload_piece();
      size_t got = self->piece_.size() - b.size;
      if (ec) {
        // The peer went away mid-body: nothing to answer; the sink undoes its work.
        if (ec == beast::error::timeout || ec == asio::error::eof || ec == bhttp::error::end_of_stream ||
            ec == asio::error::connection_reset || ec == bhttp::error::partial_message) {
          self->upload_.reset();
          return self->close();
        }
        return self->end_upload(fail(ErrorCode::InvalidArgument, "malformed HTTP request body"));
      }
      self->uploaded_ += got;
      if (self->uploaded_ > self->upload_->route->max_body_bytes)  // a chunked body past the limit
        return self->end_upload(too_large(self->upload_->route->max_body_bytes));
      if (got > 0 && self->upload_failed_) {
        // Refused midway: the rest is read and dropped, so that a client that sends its
        // whole body before reading (most do) still gets the answer; up to a bound.
        self->drained_ += got;
        if (self->drained_ > kMaxDrainBytes) return self->end_upload(std::move(*self->upload_failed_));
      } else if (got > 0) {
        if (auto s = self->upload_->sink->write(std::string_view(self->piece_.data(), got)); !s) {
          // Too large is answered at once: draining what is left of it is what it asks for.
          if (s.error().code == ErrorCode::PayloadTooLarge) return self->end_upload(std::move(s));
          self->upload_failed_.emplace(std::unexpected(s.error()));
        }
      }
      self->read_upload_piece();
    });
  }

  void end_upload(Status received) {
    bool whole = upload_parser_ && upload_parser_->is_done();
    request_complete_ = whole;
    upload_parser_.reset();
    upload_failed_.reset();
    drained_ = 0;
    uploaded_ = 0;
    HttpResponse res = router_.close_upload(req_, *upload_, received);
    upload_.reset();
    piece_ = {};
    request_latency().observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
    // A body not read to its end leaves the connection unusable.
    send(std::move(res), keep_alive_ && whole, false);
  }

  // A response goes out in pieces, each within idle_timeout of the last: a large download to
  // a slow but reading client is not cut, one that stops reading is. (The stream's deadline
  // outlives the operation it was set for, so every write sets its own.)
  template <typename Body>
  void write(std::shared_ptr<bhttp::response<Body>> res, bool keep_alive) {
    write_some(res, std::make_shared<bhttp::response_serializer<Body>>(*res), keep_alive);
  }

  template <typename Body>
  void write_some(std::shared_ptr<bhttp::response<Body>> res, std::shared_ptr<bhttp::response_serializer<Body>> sr,
                  bool keep_alive) {
    lowest().expires_after(options_.idle_timeout);
    bhttp::async_write_some(stream_, *sr, [self = this->shared_from_this(), res, sr, keep_alive](beast::error_code ec,
                                                                                                size_t) {
      if (ec) return self->close();
      if (!sr->is_done()) return self->write_some(res, sr, keep_alive);
      if (!keep_alive) return self->request_complete_ ? self->close() : self->linger();
      self->read();
    });
  }

  // The answer went out before the request's body was read (a refusal, a 413): the client may
  // still be sending, and closing a socket with unread data resets the connection, which can
  // destroy the answer before the client reads it. So what still comes is read and dropped
  // for a while (kLingerTime, kLingerBytes), as nginx's lingering close does, then it closes.
  void linger() {
    if constexpr (!kTls) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    buffer_.clear();
    lingered_ = 0;
    linger_until_ = std::chrono::steady_clock::now() + kLingerTime;
    linger_read();
  }

  void linger_read() {
    auto left = linger_until_ - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero() || lingered_ > kLingerBytes) return close();
    lowest().expires_after(left);
    stream_.async_read_some(buffer_.prepare(64 * 1024), [self = this->shared_from_this()](beast::error_code ec,
                                                                                         size_t n) {
      self->lingered_ += n;  // never committed: dropped
      if (ec) return self->close();
      self->linger_read();
    });
  }

  // A body of segments: the header with its Content-Length (the sizes are known), then each
  // segment in turn, files read in 256 KiB pieces, so a series of any size streams in
  // constant memory and the first instance leaves before the last is read. With segments
  // made on the way (sizes unknown) the body is chunked, or, for an HTTP/1.0 client, ended by
  // closing the connection.
  struct Stream_state {
    std::vector<BodySegment> segments;
    size_t index = 0;
    int fd = -1;
    std::optional<Sha256> hash;
    uint64_t left = 0;  // bytes of the current file still to send
    std::vector<char> buffer;
    bool chunked = false;
    bool ended = false;  // the last chunk is written (or none is due)
    bool keep_alive = false;
    ~Stream_state() {
      if (fd >= 0) ::close(fd);
      for (const auto& s : segments)
        if (s.remove_after && !s.file.empty()) ::unlink(s.file.c_str());
    }
  };

  void send_segments(std::vector<BodySegment> segments, int status, bool keep_alive, bool head,
                     const std::function<void(bhttp::response<bhttp::empty_body>&)>& fill) {
    const bool unsized = std::any_of(segments.begin(), segments.end(), [](const BodySegment& s) { return bool(s.make); });
    // An HTTP/1.0 client knows no chunks: its body ends where the connection does.
    const bool chunked = unsized && http11_;
    if (unsized && !http11_) keep_alive = false;
    uint64_t total = 0;
    for (auto& seg : segments) {
      if (seg.make) continue;
      if (seg.file.empty()) {
        total += seg.data.size();
        continue;
      }
      if (seg.known_size >= 0) {
        total += static_cast<uint64_t>(seg.known_size);
        continue;
      }
      struct stat st {};
      if (::stat(seg.file.c_str(), &st) != 0) {
        spdlog::error("cannot stream a missing file");
        Stream_state cleanup;  // removes the temporary files
        cleanup.segments = std::move(segments);
        return send(problem(Error{ErrorCode::IntegrityError, "stored file unreadable"}), keep_alive, head);
      }
      total += static_cast<uint64_t>(st.st_size);
      seg.known_size = st.st_size;
    }
    auto header = std::make_shared<bhttp::response<bhttp::empty_body>>(static_cast<bhttp::status>(status), 11);
    fill(*header);
    if (chunked) header->chunked(true);
    else if (!unsized) header->content_length(total);
    header->keep_alive(keep_alive);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*header);
    auto state = std::make_shared<Stream_state>();
    state->segments = std::move(segments);
    state->keep_alive = keep_alive;
    state->chunked = chunked;
    state->ended = !chunked || head;
    state->buffer.resize(256 * 1024);
    lowest().expires_after(options_.idle_timeout);
    bhttp::async_write_header(stream_, *serializer,
                              [self = this->shared_from_this(), header, serializer, state, head](beast::error_code ec, size_t) {
                                if (ec) return self->close();
                                if (head) {
                                  state->index = state->segments.size();
                                }
                                self->write_next(state);
                              });
  }

  // One piece of the body, as a chunk when the body is chunked.
  void write_piece(const std::shared_ptr<Stream_state>& state, asio::const_buffer piece) {
    auto next = [self = this->shared_from_this(), state](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->write_next(state);
    };
    lowest().expires_after(options_.idle_timeout);
    if (state->chunked) asio::async_write(stream_, bhttp::make_chunk(piece), std::move(next));
    else asio::async_write(stream_, piece, std::move(next));
  }

  void write_next(std::shared_ptr<Stream_state> state) {
    // The previous segment is written: its bytes (a made instance's frames) can go.
    if (state->index > 0) std::string().swap(state->segments[state->index - 1].data);
    while (state->index < state->segments.size()) {
      auto& seg = state->segments[state->index];
      if (seg.make) {
        auto made = seg.make();
        seg.make = nullptr;
        if (!made) {
          spdlog::error("a streamed response was cut: {}", made.error().detail);
          return abort_stream("a part of a streamed response could not be made");
        }
        seg.data = std::move(*made);
      }
      if (seg.file.empty()) {
        ++state->index;
        if (seg.data.empty()) continue;
        return write_piece(state, asio::buffer(seg.data));
      }
      if (state->fd < 0) {
        state->fd = ::open(seg.file.c_str(), O_RDONLY | O_CLOEXEC);
        if (state->fd < 0) return abort_stream("cannot open a file being streamed");
        if (!seg.sha256.empty()) state->hash.emplace();
        state->left = static_cast<uint64_t>(seg.known_size);
      }
      ssize_t n = state->left == 0 ? 0 : ::read(state->fd, state->buffer.data(), std::min<uint64_t>(state->buffer.size(), state->left));
      if (n < 0) return abort_stream("read error while streaming");
      if (n == 0) {
        char extra;
        if (state->left != 0 || ::read(state->fd, &extra, 1) != 0)
          return abort_stream("a file changed size while being sent; the response was cut");
        ::close(state->fd);
        state->fd = -1;
        if (state->hash && state->hash->hex_digest() != seg.sha256) {
          state->hash.reset();
          return abort_stream("a stored file failed its hash while being sent; the response was cut");
        }
        state->hash.reset();
        ++state->index;
        continue;
      }
      state->left -= static_cast<uint64_t>(n);
      if (state->hash) state->hash->update(state->buffer.data(), static_cast<size_t>(n));
      return write_piece(state, asio::buffer(state->buffer.data(), static_cast<size_t>(n)));
    }
    if (!state->ended) {
      state->ended = true;
      lowest().expires_after(options_.idle_timeout);
      asio::async_write(stream_, bhttp::make_chunk_last(), [self = this->shared_from_this(), state](beast::error_code ec, size_t) {
        if (ec) return self->close();
        self->write_next(state);
      });
      return;
    }
    if (state->keep_alive) read();
    else close();
  }

  // Server-sent events. The connection carries this one response until either side ends it:
  // the header (chunked for HTTP/1.1, otherwise ended by the close), then each event as a piece
  // of its own, one write at a time, and a comment every kPing so that proxies keep it and a
  // client gone without a word is found. A read waits for the client's close; a client too slow
  // to take what is queued is cut.
  static constexpr auto kPing = std::chrono::seconds(20);
  static constexpr size_t kMaxQueuedEvents = 256;
  struct Events {
    explicit Events(const asio::any_io_executor& ex) : ping(ex) {}
    std::deque<std::string> queue;
    bool writing = false, ended = false, chunked = true;
    asio::steady_timer ping;
    std::shared_ptr<void> subscription;
  };

  void start_events(EventStreamOpener opener, std::shared_ptr<bhttp::response<bhttp::empty_body>> header) {
    header->set(bhttp::field::content_type, "text/event-stream");
    header->set("X-Accel-Buffering", "no");
    events_ = std::make_shared<Events>(stream_.get_executor());
    events_->chunked = http11_;
    if (http11_) header->chunked(true);
    header->keep_alive(false);
    auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*header);
    // Subscribed before the header goes, so that nothing committed from now on is missed: what
    // comes meanwhile waits in the queue ("writing" until the header is out).
    std::weak_ptr<Session> weak = this->shared_from_this();
    auto ex = stream_.get_executor();
    events_->writing = true;
    events_->queue.push_back("retry: 3000\n\n");
    events_->subscription = opener([weak, ex](std::string text) {
      asio::post(ex, [weak, text = std::move(text)]() mutable {
        if (auto s = weak.lock()) s->queue_event(std::move(text));
      });
    });
    lowest().expires_after(options_.idle_timeout);
    bhttp::async_write_header(stream_, *serializer,
                              [self = this->shared_from_this(), header, serializer](beast::error_code ec, size_t) {
                                if (ec) return self->end_events();
                                self->write_event();
                                self->ping_events();
                                self->watch_events_close();
                              });
  }

  void queue_event(std::string text) {
    if (!events_ || events_->ended) return;
    if (text.empty()) return end_events();
    // A client that does not keep up is told to read everything again, once, instead of each
    // change: the queue never grows past its bound.
    if (events_->queue.size() >= kMaxQueuedEvents) {
      // (the first is being written: it stays where it is)
      events_->queue.erase(events_->queue.begin() + (events_->writing ? 1 : 0), events_->queue.end());
      text = "event: resync\ndata: {}\n\n";
    }
    events_->queue.push_back(std::move(text));
    if (!events_->writing) write_event();
  }

  void write_event() {
    auto& ev = *events_;
    ev.writing = true;
    lowest().expires_after(options_.idle_timeout);  // the write's deadline; the read has none
    auto done = [self = this->shared_from_this()](beast::error_code ec, size_t) {
      auto& e = *self->events_;
      e.writing = false;
      if (!e.queue.empty()) e.queue.pop_front();
      if (ec) return self->end_events();
      if (!e.queue.empty() && !e.ended) self->write_event();
    };
    if (ev.chunked) asio::async_write(stream_, bhttp::make_chunk(asio::buffer(ev.queue.front())), std::move(done));
    else asio::async_write(stream_, asio::buffer(ev.queue.front()), std::move(done));
  }

  void ping_events() {
    events_->ping.expires_after(kPing);
    events_->ping.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->events_->ended) return;
      self->queue_event(": ping\n\n");
      self->ping_events();
    });
  }

  // A client sends nothing more on an event stream: a read that ends is the client gone.
  void watch_events_close() {
    lowest().expires_never();
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->end_events();
      self->watch_events_close();
    });
  }

  void end_events() {
    if (!events_ || events_->ended) return;
    events_->ended = true;
    events_->subscription.reset();
    events_->ping.cancel();
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }

  void abort_stream(const char* why) {
    spdlog::error("{}", why);
    beast::error_code ec;
    lowest().socket().close(ec);
  }

  void send(HttpResponse r, bool keep_alive, bool head) {
    requests_counter(r.status).inc();
    auto fill = [&](auto& res) {
      res.set(bhttp::field::server, "Vireo");
      if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
      res.set("X-Content-Type-Options", "nosniff");
      // Patient data must not linger in shared caches or be framed by other sites.
      res.set(bhttp::field::cache_control, "no-store");
      res.set("X-Frame-Options", "DENY");
      res.set("Referrer-Policy", "no-referrer");
      for (const auto& [k, v] : r.headers) res.set(k, v);
      res.keep_alive(keep_alive);
    };
    if (r.websocket && r.status == 200 && !head) {
      if (!upgrade_) {
        HttpResponse refused = problem(426, "Upgrade Required", "this resource is a WebSocket: open it with 'Upgrade: websocket'");
        refused.headers.emplace_back("Upgrade", "websocket");
        return send(std::move(refused), keep_alive, head);
      }
      // The connection is the WebSocket's from here; this session ends with this call.
      std::make_shared<WebSocketSession<Stream>>(std::move(stream_))->run(std::move(*upgrade_), std::move(r.websocket));
      return;
    }
    if (r.event_stream && r.status == 200 && !head) {
      auto opener = std::move(r.event_stream);
      auto header = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::ok, 11);
      fill(*header);
      return start_events(std::move(opener), std::move(header));
    }
    if (!r.segments.empty()) {
      auto segments = std::move(r.segments);  // `fill` still reads r's status line and headers
      return send_segments(std::move(segments), r.status, keep_alive, head,
                           [&](bhttp::response<bhttp::empty_body>& res) { fill(res); });
    }
    if (!r.file.empty()) {
      bhttp::file_body::value_type body;
      beast::error_code ec;
      body.open(r.file.c_str(), beast::file_mode::scan, ec);
      if (ec) {
        spdlog::error("cannot open file for response: {}", ec.message());
        return send(problem(Error{ErrorCode::IntegrityError, "stored file unreadable"}), keep_alive, head);
      }
      auto size = body.size();
      auto res = std::make_shared<bhttp::response<bhttp::file_body>>(
          std::piecewise_construct, std::make_tuple(std::move(body)),
          std::make_tuple(static_cast<bhttp::status>(r.status), 11));
      fill(*res);
      res->content_length(size);
      if (head) {
        auto empty = std::make_shared<bhttp::response<bhttp::empty_body>>(static_cast<bhttp::status>(r.status), 11);
        fill(*empty);
        empty->content_length(size);
        return write(empty, keep_alive);
      }
      return write(res, keep_alive);
    }
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(r.status), 11);
    fill(*res);
    res->body() = head ? std::string() : std::move(r.body);
    res->prepare_payload();
    write(res, keep_alive);
  }

  void close() {
    if constexpr (kTls) {
      lowest().expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ec;
        self->lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
      });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> header_parser_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_parser_;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> upload_parser_;
  HttpRequest req_;
  bool keep_alive_ = false;
  bool http11_ = true;  // chunked bodies need HTTP/1.1
  std::chrono::steady_clock::time_point started_;
  std::optional<HttpResponse> pending_;  // a refusal answered once the body is drained
  std::shared_ptr<Events> events_;        // this connection's event stream, once it is one
  std::optional<bhttp::request<bhttp::empty_body>> upgrade_;  // the request's head, when it asks for a WebSocket
  std::optional<Router::Upload> upload_;
  std::vector<char> piece_;
  std::optional<Status> upload_failed_;  // the sink refused a piece; the rest is drained
  uint64_t drained_ = 0;
  uint64_t uploaded_ = 0;  // body bytes of the current upload so far
  bool request_complete_ = false;  // the current request's body was read to its end
  uint64_t lingered_ = 0;
  std::chrono::steady_clock::time_point linger_until_;
  const Router& router_;
  const HttpServerOptions& options_;
  size_t max_body_;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  const Router& router;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<ssl::context> tls;

  Impl(HttpServerOptions o, const Router& r) : options(std::move(o)), router(r) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        if (tls)
          std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), *tls, router, options)
              ->run();
        else
          std::make_shared<Session<beast::tcp_stream>>(std::move(socket), router, options)->run();
      }
      accept();
    });
  }
};

HttpServer::HttpServer(HttpServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  beast::error_code ec;
  if (!impl_->options.tls_certificate.empty()) {
    // TLS 1.2 and 1.3 only, with OpenSSL's default (strong) cipher list.
    auto& ctx = impl_->tls.emplace(ssl::context::tls_server);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    ctx.use_certificate_chain_file(impl_->options.tls_certificate.string(), ec);
    if (!ec) ctx.use_private_key_file(impl_->options.tls_private_key.string(), ssl::context::pem, ec);
    if (ec)
      return fail(ErrorCode::InvalidArgument, "cannot load the TLS certificate or key (" +
                                                  impl_->options.tls_certificate.string() + ", " +
                                                  impl_->options.tls_private_key.string() + "): " + ec.message());
  }
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return fail(ErrorCode::InvalidArgument, "http_host '" + impl_->options.host + "' is not an IP address");
  tcp::endpoint ep(address, impl_->options.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(ErrorCode::Unavailable, "cannot listen on HTTP " + impl_->options.host + ":" +
                                            std::to_string(impl_->options.port) + ": " + ec.message() +
                                            " (set http_port)");
  }
  impl_->accept();
  // Handlers block (SQLite, files, waiting for a group commit): more threads than cores.
  int n = impl_->options.threads > 0 ? impl_->options.threads
                                     : static_cast<int>(std::max(4u, 2 * std::thread::hardware_concurrency()));
  impl_->work.emplace(impl_->io.get_executor());
  for (int i = 0; i < n; ++i) {
    impl_->threads.emplace_back([this] {
      // An exception out of a completion handler must not end the process: log it and
      // keep serving (the connection it belonged to is dropped).
      while (true) {
        try {
          impl_->io.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("HTTP worker: unexpected error: {}", e.what());
        }
      }
    });
  }
  return {};
}

uint16_t HttpServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void HttpServer::stop() {
  if (!impl_ || impl_->threads.empty()) return;
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->work.reset();
  // In-flight requests finish; idle keep-alive connections are cut after a grace period.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!impl_->io.stopped() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace vireo::http
