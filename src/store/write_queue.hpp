// The one write path of a node: every domain's write jobs (the archive index, the audit
// trail, the outbox) queue here, and one thread runs all waiting jobs in one transaction,
// each inside its own savepoint (one failing job does not undo the others), then commits
// once and answers every caller (group commit). A caller is answered only after the commit
// that holds its change is durable, which is what lets a C-STORE be acknowledged.
//
// One writer per node is also what the engines want: SQLite has a single writer, and on
// PostgreSQL the dialect's begin_write serialises writers across nodes anyway.
//
// Thread-safety: run(), run_all() and post() may be called from any thread, except run() and
// run_all() from the writer thread (a job, a Done callback, a commit listener): it would wait
// on itself. The writer thread may post().
// Usage:
//   WriteQueue writes(db);  writes.start();
//   Result<int64_t> id = writes.run<int64_t>([&](Connection& c) -> Result<int64_t> { ... });
//   writes.post([&](Connection& c) { return append(c); }, [](const Status& s) { ... });
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/blob_store.hpp"
#include "store/database.hpp"

namespace vireo {

class WriteQueue {
 public:
  using Job = std::function<Status(Connection&)>;
  // Called once the job's outcome is final (committed, or failed): on the writer thread, or at
  // once on the caller's thread when the queue is stopped.
  using Done = std::function<void(const Status&)>;

  // `blobs`: the store whose files jobs name in `sync_keys`; they are made durable together,
  // in one sync, before the commit that indexes them (if that fails the batch rolls back).
  explicit WriteQueue(Database& db, BlobStore* blobs = nullptr) : db_(db), blobs_(blobs) {}
  ~WriteQueue() { stop(); }
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  [[nodiscard]] Status start();
  // Finishes the queued jobs, then stops; later jobs fail with Unavailable.
  void stop();

  template <typename T>
  Result<T> run(std::function<Result<T>(Connection&)> job,
                std::vector<std::string> sync_keys = {}) {
    std::vector<std::function<Result<T>(Connection&)>> jobs;
    jobs.push_back(std::move(job));
    std::vector<std::vector<std::string>> keys;
    keys.push_back(std::move(sync_keys));
    return std::move(run_all<T>(std::move(jobs), std::move(keys))[0]);
  }

  // Several jobs queued together, so that they share one commit (a writer batch takes all
  // that is queued): one flush for a STOW request's instances instead of one per instance.
  // Results in the order of `jobs`.
  template <typename T>
  std::vector<Result<T>> run_all(std::vector<std::function<Result<T>(Connection&)>> jobs,
                                 std::vector<std::vector<std::string>> sync_keys) {
    std::vector<std::optional<Result<T>>> out(jobs.size());
    std::vector<Submission> submissions;
    submissions.reserve(jobs.size());
    for (size_t i = 0; i < jobs.size(); ++i)
      submissions.push_back(
          {[&, i](Connection& c) -> Status {
             // emplace, not assignment: GCC 12's std::expected assignment
             // double-frees the error (seen in a failing delete; unit-tested).
             out[i].emplace(jobs[i](c));
             if (!*out[i]) return std::unexpected(out[i]->error());
             return {};
           },
           i < sync_keys.size() ? std::move(sync_keys[i]) : std::vector<std::string>{}});
    std::vector<Status> committed = submit_all(std::move(submissions));
    std::vector<Result<T>> results;
    results.reserve(jobs.size());
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (!committed[i])
        results.emplace_back(std::unexpected(committed[i].error()));
      else
        results.emplace_back(std::move(*out[i]));
    }
    return results;
  }

  // Queues a job without waiting for it: `done` learns its outcome on the writer thread.
  void post(Job job, Done done);

  // Called on the writer thread after every commit, before the next batch begins (the
  // outbox's dispatcher wakes on it, so that an event is delivered as soon as the change that
  // made it is visible). Set before start().
  void on_commit(std::function<void()> listener) {
    commit_listeners_.push_back(std::move(listener));
  }

  // Transactions committed since start (for metrics and tests).
  [[nodiscard]] uint64_t transactions() const { return transactions_; }

 private:
  struct Queued {
    Job fn;
    std::vector<std::string> sync_keys;
    Done done;
  };
  struct Submission {
    Job fn;
    std::vector<std::string> sync_keys;
  };
  std::vector<Status> submit_all(std::vector<Submission> submissions);
  void loop();
  void run_batch(std::vector<Queued>& batch);

  Database& db_;
  BlobStore* blobs_;
  std::unique_ptr<Connection> conn_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  bool running_ = false;
  std::thread thread_;
  std::atomic<uint64_t> transactions_{0};
  std::vector<std::function<void()>> commit_listeners_;
};

}  // namespace vireo
