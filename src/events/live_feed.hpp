// Changes every open screen should see at once, on every node: the broadcast events
// (Outbox::broadcast) as they commit, told to whoever on this node listens (the browsers'
// event streams). The writes put them in live_events in their own transaction; each node reads
// that table from where it left off, woken by its own commits, by other nodes' on PostgreSQL
// (the outbox's NOTIFY), or by its poll in any case. Writers are serialised (the write queue,
// and on PostgreSQL the cluster's write lock), so ids are in commit order and none is passed.
// A node that could not read for a while, or finds events removed before it read them, tells its
// listeners to read everything again (`resync`).
//
// Thread-safety: subscribe from any thread; listeners are called on the feed's thread and must
// not block.
// Usage:
//   LiveFeed feed(db);
//   feed.listen_to(writes, *outbox);
//   feed.start();
//   auto subscription = feed.subscribe([](const LiveEvent& e) { ... });  // until dropped
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "events/outbox.hpp"
#include "store/write_queue.hpp"

namespace vireo::events {

struct LiveEvent {
  Event event;
  bool resync = false;   // no event: some may have been missed, read everything again
  bool closing = false;  // no event: the node is stopping, the listener should end
};

class LiveFeed {
 public:
  using Listener = std::function<void(const LiveEvent&)>;

  explicit LiveFeed(Database& db, std::chrono::milliseconds poll = std::chrono::milliseconds(1000))
      : db_(db), poll_(poll), readers_(db) {}
  ~LiveFeed() { stop(); }
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  // Before the write queue starts: this node's commits of broadcast events wake the feed.
  void listen_to(WriteQueue& writes, const Outbox& outbox);
  // Reads from where the table ends when it first can (a database away at start is waited for).
  void start();
  // Tells the listeners it is closing (so that open streams end before the server waits on
  // them), then stops.
  void stop();

  // The listener is called until the returned handle is dropped, or until `still_allowed`
  // (asked every kRecheck on the feed's thread, never on the caller's) says no: then it is told
  // `closing` and forgotten.
  [[nodiscard]] std::shared_ptr<void> subscribe(Listener listener,
                                                std::function<bool()> still_allowed = {});
  static constexpr std::chrono::seconds kRecheck{20};
  [[nodiscard]] size_t listeners() const;

  // One round: tells the listeners what committed since the last. Returns how many events.
  [[nodiscard]] Result<size_t> read_new();

 private:
  struct Shared {
    mutable std::mutex mutex;
    std::condition_variable cv;
    bool woken = false, stopping = false;
    struct Subscriber {
      Listener listener;
      std::function<bool()> still_allowed;
    };
    std::map<uint64_t, Subscriber> listeners;
    uint64_t next = 0;
  };
  void tell(const LiveEvent& e);
  void recheck();
  void wake();
  void loop();

  Database& db_;
  std::chrono::milliseconds poll_;
  ConnectionPool readers_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  int64_t last_id_ = -1;  // the last event told; -1 until the feed knows where the table ends
  bool missed_ = false;   // a read failed: what came meanwhile may be gone by the next
  std::thread thread_, listener_;
  std::chrono::steady_clock::time_point rechecked_ = std::chrono::steady_clock::now();
};

}  // namespace vireo::events
