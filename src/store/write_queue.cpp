#include "store/write_queue.hpp"

#include "core/log.hpp"
#include "core/metrics.hpp"

namespace vireo {

namespace {
constexpr size_t kMaxBatch = 1024;

Error stopped() { return Error{ErrorCode::Unavailable, "the write queue is stopped"}; }
}  // namespace

Status WriteQueue::start() {
  auto conn = db_.connect();
  if (!conn) return std::unexpected(conn.error());
  conn_ = std::move(*conn);
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
    running_ = true;
  }
  thread_ = std::thread([this] { loop(); });
  return {};
}

void WriteQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  running_ = false;
}

void WriteQueue::post(Job job, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (running_ && !stopping_) {
      queue_.push_back({std::move(job), {}, std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  if (done) done(std::unexpected(stopped()));
}

std::vector<Status> WriteQueue::submit_all(std::vector<Submission> submissions) {
  std::vector<std::promise<Status>> promises(submissions.size());
  {
    std::lock_guard lock(mutex_);
    if (!running_ || stopping_)
      return std::vector<Status>(submissions.size(), std::unexpected(stopped()));
    for (size_t i = 0; i < submissions.size(); ++i)
      queue_.push_back({std::move(submissions[i].fn), std::move(submissions[i].sync_keys),
                        [p = &promises[i]](const Status& s) { p->set_value(s); }});
  }
  wake_.notify_one();
  std::vector<Status> results;
  results.reserve(promises.size());
  for (auto& p : promises) results.push_back(p.get_future().get());
  return results;
}

void WriteQueue::loop() {
  static auto& commit_seconds = Metrics::histogram(
      "vireo_index_commit_seconds", "Write queue group-commit duration (every domain's writes)");
  std::vector<Queued> batch;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    auto t0 = std::chrono::steady_clock::now();
    run_batch(batch);
    commit_seconds.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    batch.clear();
  }
}

void WriteQueue::run_batch(std::vector<Queued>& batch) {
  Connection& c = *conn_;
  auto answer_all = [&](const Status& s) {
    for (auto& j : batch)
      if (j.done) j.done(s);
  };
  if (auto s = c.execute(db_.dialect().begin_write, {}); !s) {
    answer_all(s);
    return;
  }
  std::vector<Status> results;
  results.reserve(batch.size());
  for (auto& j : batch) {
    if (auto s = c.execute("SAVEPOINT job", {}); !s) {
      results.push_back(s);
      continue;
    }
    Status r = j.fn(c);
    Status undone = r ? Status{} : c.execute("ROLLBACK TO job", {});
    Status released = undone ? c.execute("RELEASE job", {}) : undone;
    if (!released) {
      // The engine ended the transaction itself (SQLite does on a full disk or an I/O error):
      // what the earlier jobs wrote is gone, and nothing may be committed as if it were not.
      spdlog::error("write batch abandoned: {}", released.error().message());
      (void)c.execute("ROLLBACK", {});
      answer_all(released);
      return;
    }
    results.push_back(std::move(r));
  }
  if (blobs_) {
    std::vector<std::string> keys;
    for (size_t i = 0; i < batch.size(); ++i)
      if (results[i]) keys.insert(keys.end(), batch[i].sync_keys.begin(), batch[i].sync_keys.end());
    if (!keys.empty()) {
      if (auto s = blobs_->sync(keys); !s) {
        spdlog::error("commit abandoned: {}", s.error().message());
        (void)c.execute("ROLLBACK", {});
        answer_all(s);
        return;
      }
    }
  }
  if (auto s = c.execute("COMMIT", {}); !s) {
    spdlog::error("commit failed: {}", s.error().message());
    (void)c.execute("ROLLBACK", {});
    answer_all(s);
    return;
  }
  transactions_.fetch_add(1);
  for (const auto& listener : commit_listeners_) listener();
  for (size_t i = 0; i < batch.size(); ++i)
    if (batch[i].done) batch[i].done(results[i]);
}

}  // namespace vireo
