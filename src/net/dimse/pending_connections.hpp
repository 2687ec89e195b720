// The DICOM connections that are still sending their A-ASSOCIATE-RQ: how many one address
// (and everyone) may hold, and when each must have finished. A peer that connects and stalls
// must hold up nobody but itself (PS3.8 9.1.5: the ARTIM timer bounds this phase), and a
// peer that opens connection after connection must not take every thread.
//
// Thread-safety: every member may be called from any thread.
// Usage (the accept loop and each connection's thread):
//   auto ticket = pending.admit(address, watch_fd, now);     // nullopt: close the connection
//   ... on the connection's thread, once the request is read:  bool stalled = pending.release(*ticket);
//   ... in the accept loop:  pending.expire(now, [](int fd) { ::shutdown(fd, SHUT_RDWR); });
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace vireo::net {

class PendingConnections {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    size_t per_address = 16;
    size_t total = 256;
    std::chrono::milliseconds timeout{5000};
  };
  explicit PendingConnections(Limits limits) : limits_(limits) {}

  // Admits a new connection from `address`, watched through `watch_fd` (the caller's, kept
  // open until release); nullopt when the address or everyone is at the limit. A configured
  // peer's address (`capped` false) counts only towards everyone's limit.
  [[nodiscard]] std::optional<uint64_t> admit(const std::string& address, int watch_fd, Clock::time_point now,
                                              bool capped = true);
  // The connection's request was read, or its reading failed: it is no longer watched.
  // Returns whether its deadline had passed (it was cut by expire()).
  bool release(uint64_t ticket);
  // Calls `cut` (under the lock, so the descriptor is still the caller's) for every
  // connection whose deadline has passed and that was not cut before.
  void expire(Clock::time_point now, const std::function<void(int watch_fd)>& cut);
  // Cuts every connection (the server is stopping).
  void cut_all(const std::function<void(int watch_fd)>& cut);
  // The earliest deadline of a connection not yet cut.
  [[nodiscard]] std::optional<Clock::time_point> next_deadline() const;
  [[nodiscard]] size_t size() const;
  [[nodiscard]] size_t from(const std::string& address) const;

 private:
  struct Entry {
    std::string address;
    int watch_fd = -1;
    Clock::time_point deadline;
    bool cut = false;
  };
  Limits limits_;
  mutable std::mutex mutex_;
  uint64_t next_ticket_ = 1;
  std::map<uint64_t, Entry> entries_;
  std::map<std::string, size_t> per_address_;
};

}  // namespace vireo::net
