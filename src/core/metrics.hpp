// Process-wide counters and latency histograms, rendered in the Prometheus text format at
// GET /metrics. Thread-safe: counters are atomics; registration takes a mutex once.
// Usage:
//   static auto& stored = Metrics::counter("vireo_instances_stored_total", "Instances stored");
//   stored.inc();
#pragma once

#include <array>
#include <chrono>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace vireo {

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  5.0};
  void observe(double seconds);
  // Observes the time from now until the returned value goes out of scope.
  class Timer {
   public:
    explicit Timer(Histogram& h) : h_(h), t0_(std::chrono::steady_clock::now()) {}
    ~Timer() { h_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count()); }
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

   private:
    Histogram& h_;
    std::chrono::steady_clock::time_point t0_;
  };
  [[nodiscard]] Timer time() { return Timer(*this); }
  void render(const std::string& name, const std::string& labels, std::string& out) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

class Metrics {
 public:
  static Counter& counter(const std::string& name, const std::string& help,
                          const std::string& labels = "");
  static Histogram& histogram(const std::string& name, const std::string& help,
                              const std::string& labels = "");
  [[nodiscard]] static std::string render();
};

}  // namespace vireo
