// The outbox: events that must not be lost are written in the same transaction as the
// change they describe, one row per consumer routed for the topic, and delivered later by a
// Dispatcher (events/dispatcher.hpp). A change that rolls back takes its events with it; a
// change that commits keeps them through crashes and restarts.
//
// Routing is wiring: each topic's consumers are named at start-up, the same on every node
// and in the CLI, so that an event enqueued anywhere reaches the node that handles it. A
// topic no consumer takes costs nothing (no row).
//
// Thread-safety: route() before use; enqueue() and the reads from any thread.
// Usage:
//   auto outbox = Outbox::open(db);
//   (*outbox)->route("study.received", "ris.images-arrived");
//   writes.run<bool>([&](Connection& c) { ...change...; return outbox->enqueue(c, event); });
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "events/event.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::events {

// One event on its way to one consumer.
struct Delivery {
  int64_t id = 0;
  std::string consumer;
  Event event;
  int64_t created_at = 0;  // unix seconds
  int64_t due_at = 0;      // not tried again before this
  int64_t attempts = 0;
  std::string last_error;
  bool dead = false;  // given up after the dispatcher's last attempt; kept for the administrator
};

struct OutboxCounts {
  int64_t pending = 0;  // waiting or being delivered
  int64_t dead = 0;
};

[[nodiscard]] const std::vector<Migration>& outbox_migrations();

// The channel on which a commit that enqueued events tells other nodes (Dialect::notify).
inline constexpr const char* kOutboxChannel = "vireo_outbox";
// How many of the latest broadcast events stay in live_events for the nodes to read.
inline constexpr int64_t kLiveEventsKept = 10000;

class Outbox {
 public:
  static Result<std::unique_ptr<Outbox>> open(Database& db, const Clock& clock = system_clock(),
                                              const MigrationProgress& progress = {});

  void route(const std::string& topic, const std::string& consumer);
  // Events of `topic` are also told to every node's open screens (LiveFeed), once committed.
  void broadcast(const std::string& topic);
  [[nodiscard]] std::vector<std::string> consumers_of(const std::string& topic) const;

  // Inside the caller's write job, so that the event commits or rolls back with the change.
  [[nodiscard]] Status enqueue(Connection& c, const Event& e) const;

  [[nodiscard]] Result<OutboxCounts> counts();
  [[nodiscard]] Result<std::vector<Delivery>> dead_letters(int64_t limit, int64_t offset);
  // A dead letter goes back to the queue, due now, its attempts counted from zero (in the
  // caller's write job, or in one of its own on `writes`). NotFound if it is not a dead letter.
  [[nodiscard]] Status retry(Connection& c, int64_t delivery_id);
  [[nodiscard]] Status retry(WriteQueue& writes, int64_t delivery_id);

  [[nodiscard]] const Clock& clock() const { return clock_; }
  // Set when an event is enqueued (a hint: the job may roll back); whoever wakes consumers
  // takes it after a commit. Shared, so that it outlives the outbox in a listener.
  [[nodiscard]] std::shared_ptr<std::atomic<bool>> enqueued_flag() const { return enqueued_; }
  // The same for broadcast events.
  [[nodiscard]] std::shared_ptr<std::atomic<bool>> live_flag() const { return live_enqueued_; }

 private:
  Outbox(Database& db, const Clock& clock) : db_(db), clock_(clock), readers_(db) {}
  Database& db_;
  const Clock& clock_;
  ConnectionPool readers_;
  std::map<std::string, std::vector<std::string>> routes_;
  std::shared_ptr<std::atomic<bool>> enqueued_ = std::make_shared<std::atomic<bool>>(false);
  std::set<std::string> live_topics_;
  std::shared_ptr<std::atomic<bool>> live_enqueued_ = std::make_shared<std::atomic<bool>>(false);
};

// Reads a delivery row selected with kDeliveryColumns.
extern const char* const kDeliveryColumns;
[[nodiscard]] Delivery delivery_from_row(const Row& r);

}  // namespace vireo::events
