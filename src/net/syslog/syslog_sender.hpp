// Sends audit messages to a syslog collector (an IHE ATNA audit repository): RFC 5426 over
// UDP, RFC 6587 octet-counted frames over TCP, or RFC 5425 over TLS. Sending never blocks
// the caller: lines are queued (bounded; the oldest are dropped and counted when the
// collector is unreachable for long) and written by one thread that reconnects with
// backoff. The audit trail in the database stays the record of truth.
//
// Thread-safety: send() from any thread.
// Usage:
//   auto s = SyslogSender::open("tls://audit.example.org:6514", "/etc/vireo/audit-ca.pem");
//   (*s)->send(line);
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/error.hpp"

namespace vireo::net {

class SyslogSender {
 public:
  // `target`: udp://host:port, tcp://host:port or tls://host:port. `ca_file` (TLS): the CA
  // that signed the collector's certificate; empty: the system's trusted CAs.
  static Result<std::unique_ptr<SyslogSender>> open(const std::string& target, const std::filesystem::path& ca_file);
  ~SyslogSender();  // sends what is queued (waits up to 2 s), then stops
  SyslogSender(const SyslogSender&) = delete;
  SyslogSender& operator=(const SyslogSender&) = delete;

  void send(std::string line);

 private:
  struct Connection;
  enum class Transport { Udp, Tcp, Tls };
  SyslogSender(Transport t, std::string host, std::string port, std::filesystem::path ca_file);
  void loop();
  bool deliver(const std::string& line);

  Transport transport_;
  std::string host_, port_;
  std::filesystem::path ca_file_;
  std::unique_ptr<Connection> conn_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vireo::net
