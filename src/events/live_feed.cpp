#include "events/live_feed.hpp"

#include <utility>
#include <vector>

#include "core/log.hpp"
#include "events/listen.hpp"

namespace vireo::events {

void LiveFeed::listen_to(WriteQueue& writes, const Outbox& outbox) {
  writes.on_commit([w = std::weak_ptr<Shared>(shared_), flag = outbox.live_flag()] {
    if (!flag->exchange(false)) return;
    if (auto s = w.lock()) {
      {
        std::lock_guard lock(s->mutex);
        s->woken = true;
      }
      s->cv.notify_all();
    }
  });
}

void LiveFeed::start() {
  if (thread_.joinable()) return;
  shared_->stopping = false;
  thread_ = std::thread([this] { loop(); });
  if (!db_.dialect().notify.empty())
    listener_ = std::thread([this] {
      listen_until(
          db_, kOutboxChannel, "live events",
          [this] {
            std::lock_guard lock(shared_->mutex);
            return shared_->stopping;
          },
          [this] { wake(); },
          [this] {
            std::unique_lock lock(shared_->mutex);
            shared_->cv.wait_for(lock, poll_, [&] { return shared_->stopping; });
          });
    });
}

void LiveFeed::stop() {
  if (thread_.joinable()) tell({{}, false, true});
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
  }
  shared_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
  if (listener_.joinable()) listener_.join();
}

void LiveFeed::wake() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->woken = true;
  }
  shared_->cv.notify_all();
}

std::shared_ptr<void> LiveFeed::subscribe(Listener listener, std::function<bool()> still_allowed) {
  uint64_t key;
  {
    std::lock_guard lock(shared_->mutex);
    key = ++shared_->next;
    shared_->listeners.emplace(key,
                               Shared::Subscriber{std::move(listener), std::move(still_allowed)});
  }
  // The handle may outlive the feed (a connection closed after the server stopped).
  return std::shared_ptr<void>(nullptr, [w = std::weak_ptr<Shared>(shared_), key](void*) {
    if (auto s = w.lock()) {
      std::lock_guard lock(s->mutex);
      s->listeners.erase(key);
    }
  });
}

size_t LiveFeed::listeners() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->listeners.size();
}

void LiveFeed::tell(const LiveEvent& e) {
  std::lock_guard lock(shared_->mutex);
  for (const auto& [key, s] : shared_->listeners) s.listener(e);
}

// Asked outside the lock: a check may read the database, and must not hold up the others.
void LiveFeed::recheck() {
  std::vector<std::pair<uint64_t, std::function<bool()>>> checks;
  {
    std::lock_guard lock(shared_->mutex);
    for (const auto& [key, s] : shared_->listeners)
      if (s.still_allowed) checks.emplace_back(key, s.still_allowed);
  }
  for (const auto& [key, allowed] : checks) {
    if (allowed()) continue;
    std::lock_guard lock(shared_->mutex);
    auto it = shared_->listeners.find(key);
    if (it == shared_->listeners.end()) continue;
    it->second.listener({{}, false, true});
    shared_->listeners.erase(it);
  }
}

Result<size_t> LiveFeed::read_new() {
  auto fail_round = [&](const Error& e) -> Result<size_t> {
    missed_ = true;
    return std::unexpected(e);
  };
  auto c = readers_.acquire();
  if (!c) return fail_round(c.error());
  if (last_id_ < 0) {  // where the table ends: what comes after is news
    auto top = (*c)->query("SELECT COALESCE(MAX(id), 0) FROM live_events", {});
    if (!top) return fail_round(top.error());
    last_id_ = (*top)[0].integer(0);
  }
  auto rows = (*c)->query(
      "SELECT id, topic, ids FROM live_events WHERE id > ? ORDER BY id LIMIT 500", {last_id_});
  if (!rows) return fail_round(rows.error());
  // Some may have been removed before this node read them (it was away long, or many came at
  // once): writers keep the latest kLiveEventsKept. (A gap alone is most often a rolled-back
  // write's unused id.)
  if (!missed_ && !rows->empty() && (*rows)[0].integer(0) > last_id_ + 1) {
    auto top = (*c)->query("SELECT MAX(id) FROM live_events", {});
    if (!top) return fail_round(top.error());
    missed_ = (*top)[0].integer(0) - events::kLiveEventsKept > last_id_;
  }
  if (missed_) {
    missed_ = false;
    tell({{}, true});
  }
  for (const auto& r : *rows) {
    last_id_ = r.integer(0);
    tell({Event::decode(r.text(1), r.text(2)), false});
  }
  return rows->size();
}

void LiveFeed::loop() {
  auto& s = *shared_;
  while (true) {
    auto n = read_new();
    if (!n) spdlog::warn("live events: {}", n.error().message());
    if (std::chrono::steady_clock::now() - rechecked_ >= kRecheck) {
      recheck();
      rechecked_ = std::chrono::steady_clock::now();
    }
    std::unique_lock lock(s.mutex);
    if (s.stopping) return;
    if (n && *n == 500) continue;  // more are waiting
    s.cv.wait_for(lock, poll_, [&] { return s.woken || s.stopping; });
    s.woken = false;
    if (s.stopping) return;
  }
}

}  // namespace vireo::events
