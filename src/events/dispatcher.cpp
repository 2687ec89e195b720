#include "events/dispatcher.hpp"

#include <random>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "events/listen.hpp"

namespace vireo::events {

namespace {
std::vector<SqlValue> consumer_params(const std::map<std::string, Handler>& handlers) {
  std::vector<SqlValue> params;
  for (const auto& [name, handler] : handlers) params.emplace_back(name);
  return params;
}
}  // namespace

Dispatcher::Dispatcher(Database& db, WriteQueue& writes, Outbox& outbox, std::string claimant,
                       DispatchPolicy policy)
    : db_(db),
      writes_(writes),
      outbox_(outbox),
      claimant_(std::move(claimant)),
      policy_(policy),
      readers_(db) {}

void Dispatcher::handle(const std::string& consumer, Handler handler) {
  handlers_[consumer] = std::move(handler);
  consumer_list_.clear();
  for (size_t i = 0; i < handlers_.size(); ++i) consumer_list_ += i ? ", ?" : "?";
}

void Dispatcher::listen_to(WriteQueue& writes) {
  // The listener runs after a batch commits and before the next one begins, so an event its
  // jobs enqueued is visible by the time the dispatcher looks.
  writes.on_commit([w = wake_, enqueued = outbox_.enqueued_flag()] {
    if (!enqueued->exchange(false)) return;
    {
      std::lock_guard lock(w->mutex);
      w->committed = true;
    }
    w->cv.notify_all();
  });
}

void Dispatcher::wake() {
  {
    std::lock_guard lock(wake_->mutex);
    wake_->committed = true;
  }
  wake_->cv.notify_all();
}

void Dispatcher::listen_for_other_nodes() {
  listen_until(
      db_, kOutboxChannel, "event delivery", [this] { return stopping(); }, [this] { wake(); },
      [this] {
        std::unique_lock lock(wake_->mutex);
        wake_->cv.wait_for(lock, policy_.poll, [&] { return wake_->stopping; });
      });
}

void Dispatcher::start() {
  if (handlers_.empty() || thread_.joinable()) return;
  wake_->stopping = false;
  thread_ = std::thread([this] { loop(); });
  if (!db_.dialect().notify.empty()) listener_ = std::thread([this] { listen_for_other_nodes(); });
}

void Dispatcher::stop() {
  {
    std::lock_guard lock(wake_->mutex);
    wake_->stopping = true;
  }
  wake_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
  if (listener_.joinable()) listener_.join();
}

void Dispatcher::loop() {
  auto& w = *wake_;
  while (true) {
    auto tried = deliver_due();
    if (!tried) spdlog::warn("event delivery: {}", tried.error().message());
    std::unique_lock lock(w.mutex);
    if (w.stopping) return;
    // A full batch suggests more is due: go on at once.
    if (tried && *tried >= static_cast<size_t>(policy_.batch)) continue;
    // Until a commit enqueued something, or the poll interval (other nodes' events).
    w.cv.wait_for(lock, policy_.poll, [&] { return w.stopping || w.committed; });
    w.committed = false;
    if (w.stopping) return;
  }
}

Result<bool> Dispatcher::anything_due() {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  std::vector<SqlValue> params = consumer_params(handlers_);
  const int64_t now = outbox_.clock().unix_seconds();
  params.emplace_back(now);
  params.emplace_back(now);
  auto rows = (*c)->query("SELECT id FROM outbox WHERE dead = 0 AND consumer IN (" +
                              consumer_list_ + ") AND due_at <= ? AND claimed_until <= ? LIMIT 1",
                          params);
  if (!rows) return std::unexpected(rows.error());
  return !rows->empty();
}

Result<std::vector<Delivery>> Dispatcher::claim(const std::string& token) {
  const int64_t now = outbox_.clock().unix_seconds();
  return writes_.run<std::vector<Delivery>>([&](Connection& c) -> Result<std::vector<Delivery>> {
    std::vector<SqlValue> params = consumer_params(handlers_);
    params.emplace_back(now);
    params.emplace_back(now);
    params.emplace_back(policy_.batch);
    auto rows = c.query(std::string("SELECT ") + kDeliveryColumns +
                            " FROM outbox WHERE dead = 0 AND consumer IN (" + consumer_list_ +
                            ") AND due_at <= ? AND claimed_until <= ? ORDER BY id LIMIT ?" +
                            db_.dialect().lock_claimed_rows,
                        params);
    if (!rows) return std::unexpected(rows.error());
    std::vector<Delivery> claimed;
    for (const auto& r : *rows) {
      Delivery d = delivery_from_row(r);
      if (d.attempts >= policy_.max_attempts) {
        // Claimed that often and never settled: its delivery kills or outlasts the node.
        if (auto s = c.execute(
                "UPDATE outbox SET dead = 1, last_error = ?, claimed_by = '', claimed_until = 0 "
                "WHERE id = ?",
                {std::string(
                     "no delivery attempt ever finished (the node stopped, or the lease ran "
                     "out)"),
                 d.id});
            !s)
          return std::unexpected(s.error());
        continue;
      }
      if (auto s = c.execute("UPDATE outbox SET claimed_by = ?, claimed_until = ?, attempts = "
                             "attempts + 1 WHERE id = ?",
                             {token, now + policy_.lease_seconds, d.id});
          !s)
        return std::unexpected(s.error());
      ++d.attempts;
      claimed.push_back(std::move(d));
    }
    return claimed;
  });
}

int64_t Dispatcher::retry_delay(int64_t attempts) const {
  int64_t delay = policy_.first_retry_seconds;
  for (int64_t i = 1; i < attempts && delay < policy_.max_retry_seconds; ++i) delay *= 2;
  delay = std::min(delay, policy_.max_retry_seconds);
  // Jitter, so that deliveries that failed together (a peer down) do not all retry together.
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(delay) * jitter(rng)));
}

Status Dispatcher::renew_lease() {
  if (delivering_.empty()) return fail(ErrorCode::InvalidArgument, "no delivery under way");
  const int64_t until = outbox_.clock().unix_seconds() + policy_.lease_seconds;
  auto renewed = writes_.run<int64_t>([&](Connection& c) -> Result<int64_t> {
    if (auto s = c.execute("UPDATE outbox SET claimed_until = ? WHERE id = ? AND claimed_by = ?",
                           {until, delivering_id_, delivering_});
        !s)
      return std::unexpected(s.error());
    return c.changes();
  });
  if (!renewed) return std::unexpected(renewed.error());
  if (*renewed == 0)
    return fail(ErrorCode::StateConflict, "the delivery's lease ran out and another node took it");
  return {};
}

Status Dispatcher::keep_going() {
  if (stopping())
    return fail(ErrorCode::Unavailable, "the node is stopping: the rest waits for the next delivery");
  const auto now = std::chrono::steady_clock::now();
  if (renewed_at_ != std::chrono::steady_clock::time_point{} &&
      now - renewed_at_ < std::chrono::seconds(std::max<int64_t>(1, policy_.lease_seconds / 3)))
    return {};
  renewed_at_ = now;
  return renew_lease();
}

Result<size_t> Dispatcher::deliver_due() {
  static auto& delivered =
      Metrics::counter("vireo_events_delivered_total", "Outbox events delivered");
  static auto& failed = Metrics::counter("vireo_events_failed_total",
                                         "Outbox deliveries that failed (retried or dead)");
  if (handlers_.empty()) return size_t{0};
  auto due = anything_due();
  if (!due) return std::unexpected(due.error());
  if (!*due) return size_t{0};
  // A fresh token per claim: if our lease ran out and another node took the row over, our
  // late outcome must not settle its delivery.
  const std::string token = claimant_ + "/" + std::to_string(++claims_);
  auto claimed = claim(token);
  if (!claimed) return std::unexpected(claimed.error());

  struct Outcome {
    int64_t id;
    Status status;
    int64_t attempts;
  };
  std::vector<Outcome> outcomes;
  delivering_ = token;
  for (const auto& d : *claimed) {
    if (stopping())
      break;  // the rest wait out their lease; another node or the next start takes them
    delivering_id_ = d.id;
    renewed_at_ = {};
    Status s = handlers_.at(d.consumer)(d.event);
    if (s)
      delivered.inc();
    else
      failed.inc();
    if (!s)
      spdlog::warn("event {} ({}) to {} failed, attempt {}: {}", d.id, d.event.topic, d.consumer,
                   d.attempts, s.error().message());
    outcomes.push_back({d.id, std::move(s), d.attempts});
  }
  delivering_.clear();
  delivering_id_ = 0;
  const int64_t now = outbox_.clock().unix_seconds();
  auto settled = writes_.run<bool>([&](Connection& c) -> Result<bool> {
    for (const auto& o : outcomes) {
      Status s;
      if (o.status) {
        s = c.execute("DELETE FROM outbox WHERE id = ? AND claimed_by = ?", {o.id, token});
      } else if (o.attempts >= policy_.max_attempts) {
        s = c.execute(
            "UPDATE outbox SET dead = 1, last_error = ?, claimed_by = '', claimed_until = 0 "
            "WHERE id = ? AND claimed_by = ?",
            {o.status.error().message(), o.id, token});
      } else {
        s = c.execute(
            "UPDATE outbox SET due_at = ?, last_error = ?, claimed_by = '', claimed_until = 0 "
            "WHERE id = ? AND claimed_by = ?",
            {now + retry_delay(o.attempts), o.status.error().message(), o.id, token});
      }
      if (!s) return std::unexpected(s.error());
    }
    return true;
  });
  // Unsettled rows are delivered again when their lease ends (at least once).
  if (!settled) return std::unexpected(settled.error());
  return claimed->size();
}

}  // namespace vireo::events
