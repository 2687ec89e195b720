#include "archive/index_writer.hpp"

#include "core/log.hpp"
#include "core/metrics.hpp"

namespace vireo::archive {

namespace {
constexpr size_t kMaxBatch = 1024;
}

Status IndexWriter::start() {
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

void IndexWriter::stop() {
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

std::vector<Status> IndexWriter::submit_all(std::vector<Submission> submissions) {
  std::vector<std::future<Status>> futures;
  futures.reserve(submissions.size());
  {
    std::lock_guard lock(mutex_);
    if (!running_ || stopping_)
      return std::vector<Status>(submissions.size(), fail(ErrorCode::Unavailable, "index writer stopped"));
    for (auto& s : submissions) {
      auto job = std::make_unique<Job>();
      job->fn = std::move(s.fn);
      job->sync_keys = std::move(s.sync_keys);
      futures.push_back(job->done.get_future());
      queue_.push_back(std::move(job));
    }
  }
  wake_.notify_one();
  std::vector<Status> results;
  results.reserve(futures.size());
  for (auto& f : futures) results.push_back(f.get());
  return results;
}

void IndexWriter::loop() {
  static auto& batch_size = Metrics::histogram("vireo_index_commit_seconds", "Index group-commit duration");
  std::vector<std::unique_ptr<Job>> batch;
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
    batch_size.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    batch.clear();
  }
}

void IndexWriter::run_batch(std::vector<std::unique_ptr<Job>>& batch) {
  Connection& c = *conn_;
  auto fail_all = [&](const Error& e) {
    for (auto& j : batch) j->done.set_value(std::unexpected(e));
  };
  if (auto s = c.execute(db_.dialect().begin_write, {}); !s) {
    fail_all(s.error());
    return;
  }
  std::vector<Status> results;
  results.reserve(batch.size());
  for (auto& j : batch) {
    if (auto s = c.execute("SAVEPOINT job", {}); !s) {
      results.push_back(s);
      continue;
    }
    Status r = j->fn(c);
    if (!r) (void)c.execute("ROLLBACK TO job", {});
    (void)c.execute("RELEASE job", {});
    results.push_back(std::move(r));
  }
  if (before_commit_) {
    std::vector<std::string> keys;
    for (size_t i = 0; i < batch.size(); ++i)
      if (results[i]) keys.insert(keys.end(), batch[i]->sync_keys.begin(), batch[i]->sync_keys.end());
    if (!keys.empty()) {
      if (auto s = before_commit_(keys); !s) {
        spdlog::error("index commit abandoned: {}", s.error().message());
        (void)c.execute("ROLLBACK", {});
        fail_all(s.error());
        return;
      }
    }
  }
  if (auto s = c.execute("COMMIT", {}); !s) {
    spdlog::error("index commit failed: {}", s.error().message());
    (void)c.execute("ROLLBACK", {});
    fail_all(s.error());
    return;
  }
  transactions_.fetch_add(1);
  for (size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(results[i]));
}

}  // namespace vireo::archive
