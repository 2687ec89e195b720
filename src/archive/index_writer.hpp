// The single writer of the archive index, with group commit: jobs from every association
// and import thread queue up, and the writer runs all waiting jobs in one transaction,
// each inside its own savepoint (one failing job does not undo the others), then commits
// once and answers every caller. A caller is answered only after the commit that holds its
// change is durable, which is what lets a C-STORE be acknowledged.
//
// Thread-safety: run() may be called from any number of threads.
// Usage:
//   IndexWriter writer(db);  writer.start();
//   Result<int64_t> id = writer.run<int64_t>([&](Connection& c) -> Result<int64_t> { ... });
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

#include "store/database.hpp"

namespace vireo::archive {

class IndexWriter {
 public:
  // Runs before each COMMIT with the keys that the batch's jobs asked to make durable; if
  // it fails the batch is rolled back (used to sync blob folders once per batch).
  using BeforeCommit = std::function<Status(const std::vector<std::string>& sync_keys)>;
  explicit IndexWriter(Database& db, BeforeCommit before_commit = {})
      : db_(db), before_commit_(std::move(before_commit)) {}
  ~IndexWriter() { stop(); }
  IndexWriter(const IndexWriter&) = delete;
  IndexWriter& operator=(const IndexWriter&) = delete;

  [[nodiscard]] Status start();
  // Finishes the queued jobs, then stops; later run() calls fail with Unavailable.
  void stop();

  template <typename T>
  Result<T> run(std::function<Result<T>(Connection&)> job, std::vector<std::string> sync_keys = {}) {
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
      submissions.push_back({[&, i](Connection& c) -> Status {
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
      if (!committed[i]) results.emplace_back(std::unexpected(committed[i].error()));
      else results.emplace_back(std::move(*out[i]));
    }
    return results;
  }

  // Jobs committed and transactions run since start (for metrics and tests).
  [[nodiscard]] uint64_t transactions() const { return transactions_; }

 private:
  struct Job {
    std::function<Status(Connection&)> fn;
    std::vector<std::string> sync_keys;
    std::promise<Status> done;
  };
  struct Submission {
    std::function<Status(Connection&)> fn;
    std::vector<std::string> sync_keys;
  };
  std::vector<Status> submit_all(std::vector<Submission> submissions);
  void loop();
  void run_batch(std::vector<std::unique_ptr<Job>>& batch);

  Database& db_;
  BeforeCommit before_commit_;
  std::unique_ptr<Connection> conn_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stopping_ = false;
  bool running_ = false;
  std::thread thread_;
  std::atomic<uint64_t> transactions_{0};
};

}  // namespace vireo::archive
