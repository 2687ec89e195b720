// Delivers the outbox to this node's consumers: claims due rows (a lease, so that with several
// nodes each row is worked on by one of them at a time), calls the consumer's handler outside
// any transaction, then deletes the row, or schedules it again with exponential backoff, or
// after the last attempt keeps it as a dead letter for the administrator.
//
// Delivery is at least once: a handler that outlives its lease (or a node killed after the
// handler succeeded but before the row was deleted) is delivered again, so handlers must be
// idempotent. Events of one consumer are delivered in the order they were enqueued, except
// that a failing one is passed by the others while it waits for its retry.
//
// Thread-safety: handle() before start(); deliver_due() from one thread at a time (start()
// runs it on a thread of its own every poll interval).
// Usage:
//   Dispatcher d(db, writes, *outbox, node_id);
//   d.handle("ris.images-arrived", [&](const Event& e) { return ris.images_arrived(e.id("study"));
//   }); d.start();
//
// A node delivers what it enqueued as soon as the write that made it commits (the write
// queue tells it). What other nodes enqueue it hears of at their commit on PostgreSQL (LISTEN
// on kOutboxChannel, from a connection of its own), and finds within one poll interval in any
// case (a lost notification, a lost listening connection).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "events/outbox.hpp"
#include "store/write_queue.hpp"

namespace vireo::events {

using Handler = std::function<Status(const Event&)>;

struct DispatchPolicy {
  int64_t lease_seconds = 300;      // a claim not settled by then is another node's to take
  int64_t first_retry_seconds = 2;  // then doubled per attempt, with ±20 % jitter
  int64_t max_retry_seconds = 900;
  int64_t max_attempts = 20;  // about three hours of retries before a dead letter
  int64_t batch = 50;         // rows claimed at once
  std::chrono::milliseconds poll{1000};
};

class Dispatcher {
 public:
  // `claimant`: this node's name, written on the rows it claims.
  Dispatcher(Database& db, WriteQueue& writes, Outbox& outbox, std::string claimant,
             DispatchPolicy policy = {});
  ~Dispatcher() { stop(); }
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void handle(const std::string& consumer, Handler handler);
  // Before the write queue starts: wakes this dispatcher after commits that enqueued events.
  // (The queue may outlive the dispatcher: it only holds the shared wake-up state.)
  void listen_to(WriteQueue& writes);
  void start();
  void stop();

  // One round: claims what is due for this node's consumers and delivers it. Returns how
  // many deliveries were tried.
  [[nodiscard]] Result<size_t> deliver_due();

  // From within a handler, on the dispatcher's thread: the event being delivered stays this
  // node's for another lease from now (the rest of its batch does not: another node may take
  // what waits behind a long delivery). A long delivery that makes progress (a patient's many
  // studies moving) calls it as it goes, so that another node does not take the same work over
  // meanwhile. StateConflict once the lease was lost (another node has the rows now: stop).
  [[nodiscard]] Status renew_lease();
  // From within a handler, between the steps of a long delivery (each study of a patient's
  // move): Unavailable when this node is stopping (the rest waits for the next delivery, here
  // or on another node, rather than holding the stop); else the lease renewed at the first call
  // of the delivery and every third of a lease after (renew_lease's errors).
  [[nodiscard]] Status keep_going();

 private:
  [[nodiscard]] Result<bool> anything_due();
  [[nodiscard]] Result<std::vector<Delivery>> claim(const std::string& token);
  [[nodiscard]] int64_t retry_delay(int64_t attempts) const;
  [[nodiscard]] bool stopping() {
    std::lock_guard lock(wake_->mutex);
    return wake_->stopping;
  }
  void loop();
  // PostgreSQL: wakes the loop when another node's commit enqueued events.
  void listen_for_other_nodes();
  void wake();

  Database& db_;
  WriteQueue& writes_;
  Outbox& outbox_;
  std::string claimant_;
  DispatchPolicy policy_;
  ConnectionPool readers_;
  std::map<std::string, Handler> handlers_;
  std::string consumer_list_;  // "?, ?, ?" for the handled consumers
  uint64_t claims_ = 0;
  // The claim whose handler runs now: its batch's token and its row ("", 0 between rounds).
  std::string delivering_;
  int64_t delivering_id_ = 0;
  std::chrono::steady_clock::time_point renewed_at_{};  // keep_going's last renewal in it
  struct WakeUp {
    std::mutex mutex;
    std::condition_variable cv;
    bool stopping = false;
    bool committed = false;  // a commit happened since the loop last looked
  };
  std::shared_ptr<WakeUp> wake_ = std::make_shared<WakeUp>();
  std::thread thread_;
  std::thread listener_;
};

}  // namespace vireo::events
