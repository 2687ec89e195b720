#include "net/syslog/syslog_sender.hpp"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "core/log.hpp"
#include "core/metrics.hpp"

namespace vireo::net {

namespace {
constexpr size_t kMaxQueued = 10000;

Counter& dropped_counter() {
  static auto& c = Metrics::counter("vireo_audit_syslog_dropped_total",
                                    "Audit messages dropped because the syslog collector was unreachable");
  return c;
}

// A socket connected to host:port (TCP or UDP), or -1; connect waits at most 3 s.
int connect_to(const std::string& host, const std::string& port, int socktype) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

bool write_all(int fd, SSL* ssl, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    int n = ssl ? SSL_write(ssl, data.data() + off, static_cast<int>(data.size() - off))
                : static_cast<int>(::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL));
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}
}  // namespace

struct SyslogSender::Connection {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~Connection() { close(); }
  void close() {
    if (ssl) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
      ssl = nullptr;
    }
    if (fd >= 0) ::close(fd);
    fd = -1;
    if (ctx) SSL_CTX_free(ctx);
    ctx = nullptr;
  }
};

Result<std::unique_ptr<SyslogSender>> SyslogSender::open(const std::string& target,
                                                         const std::filesystem::path& ca_file) {
  auto scheme_end = target.find("://");
  auto colon = target.rfind(':');
  if (scheme_end == std::string::npos || colon == std::string::npos || colon <= scheme_end + 3)
    return fail(ErrorCode::InvalidArgument, "audit_syslog must look like udp://host:514, tcp://host:601 or "
                                            "tls://host:6514, not '" + target + "'");
  std::string scheme = target.substr(0, scheme_end);
  Transport t = scheme == "udp" ? Transport::Udp : scheme == "tcp" ? Transport::Tcp : Transport::Tls;
  if (scheme != "udp" && scheme != "tcp" && scheme != "tls")
    return fail(ErrorCode::InvalidArgument, "audit_syslog: unknown transport '" + scheme + "' (udp, tcp or tls)");
  std::string host = target.substr(scheme_end + 3, colon - scheme_end - 3);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string port = target.substr(colon + 1);
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos)
    return fail(ErrorCode::InvalidArgument, "audit_syslog: '" + target + "' needs a host and a port");
  std::unique_ptr<SyslogSender> s(new SyslogSender(t, host, port, ca_file));
  s->thread_ = std::thread([p = s.get()] { p->loop(); });
  return s;
}

SyslogSender::SyslogSender(Transport t, std::string host, std::string port, std::filesystem::path ca_file)
    : transport_(t), host_(std::move(host)), port_(std::move(port)), ca_file_(std::move(ca_file)),
      conn_(std::make_unique<Connection>()) {}

SyslogSender::~SyslogSender() {
  {
    std::unique_lock lock(mutex_);
    // Give the queue a moment to drain; an unreachable collector must not hold up shutdown.
    wake_.wait_for(lock, std::chrono::seconds(2), [&] { return queue_.empty(); });
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SyslogSender::send(std::string line) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueued) {
      queue_.pop_front();
      dropped_counter().inc();
    }
    queue_.push_back(std::move(line));
  }
  wake_.notify_all();
}

bool SyslogSender::deliver(const std::string& line) {
  Connection& c = *conn_;
  if (transport_ == Transport::Udp) {
    if (c.fd < 0) c.fd = connect_to(host_, port_, SOCK_DGRAM);
    return c.fd >= 0 && ::send(c.fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size());
  }
  if (c.fd < 0) {
    c.fd = connect_to(host_, port_, SOCK_STREAM);
    if (c.fd < 0) return false;
    if (transport_ == Transport::Tls) {
      c.ctx = SSL_CTX_new(TLS_client_method());
      SSL_CTX_set_min_proto_version(c.ctx, TLS1_2_VERSION);
      SSL_CTX_set_verify(c.ctx, SSL_VERIFY_PEER, nullptr);
      bool trusted = ca_file_.empty() ? SSL_CTX_set_default_verify_paths(c.ctx) == 1
                                      : SSL_CTX_load_verify_locations(c.ctx, ca_file_.c_str(), nullptr) == 1;
      c.ssl = trusted ? SSL_new(c.ctx) : nullptr;
      if (c.ssl) {
        SSL_set_fd(c.ssl, c.fd);
        SSL_set_tlsext_host_name(c.ssl, host_.c_str());
        SSL_set1_host(c.ssl, host_.c_str());  // the certificate must name the collector
      }
      if (!c.ssl || SSL_connect(c.ssl) != 1) {
        spdlog::warn("audit syslog: TLS connection to {}:{} failed (certificate not trusted or not for this host?)",
                     host_, port_);
        ERR_clear_error();
        c.close();
        return false;
      }
    }
  }
  // RFC 6587 3.4.1 / RFC 5425 4.3: octet counting, "MSG-LEN SP SYSLOG-MSG".
  if (write_all(c.fd, c.ssl, std::to_string(line.size()) + " " + line)) return true;
  c.close();
  return false;
}

void SyslogSender::loop() {
  auto backoff = std::chrono::milliseconds(250);
  while (true) {
    std::string line;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_ && (queue_.empty() || conn_->fd < 0)) return;
      line = queue_.front();
    }
    if (deliver(line)) {
      backoff = std::chrono::milliseconds(250);
      std::lock_guard lock(mutex_);
      if (!queue_.empty() && queue_.front() == line) queue_.pop_front();
      if (queue_.empty()) wake_.notify_all();
      continue;
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, backoff, [&] { return stopping_; });
    if (stopping_) return;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
  }
}

}  // namespace vireo::net
