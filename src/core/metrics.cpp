#include "core/metrics.hpp"

#include <fmt/format.h>

namespace vireo {
namespace {
struct Family {
  std::string help;
  bool is_histogram = false;
  std::map<std::string, std::unique_ptr<Counter>> counters;      // by label set
  std::map<std::string, std::unique_ptr<Histogram>> histograms;  // by label set
};
std::mutex& registry_mutex() { static std::mutex m; return m; }
std::map<std::string, Family>& registry() { static std::map<std::string, Family> r; return r; }
}  // namespace

void Histogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Histogram::render(const std::string& name, const std::string& labels, std::string& out) const {
  uint64_t cumulative = 0;
  std::string sep = labels.empty() ? "" : labels + ",";
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string le = i < kBounds.size() ? fmt::format("{}", kBounds[i]) : "+Inf";
    out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, sep, le, cumulative);
  }
  std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += fmt::format("{}_sum{} {}\n", name, braces, sum_micros_.load() / 1e6);
  out += fmt::format("{}_count{} {}\n", name, braces, count_.load());
}

Counter& Metrics::counter(const std::string& name, const std::string& help, const std::string& labels) {
  std::lock_guard lock(registry_mutex());
  auto& fam = registry()[name];
  fam.help = help;
  auto& slot = fam.counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Histogram& Metrics::histogram(const std::string& name, const std::string& help, const std::string& labels) {
  std::lock_guard lock(registry_mutex());
  auto& fam = registry()[name];
  fam.help = help;
  fam.is_histogram = true;
  auto& slot = fam.histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>();
  return *slot;
}

std::string Metrics::render() {
  std::lock_guard lock(registry_mutex());
  std::string out;
  for (const auto& [name, fam] : registry()) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, fam.help, name,
                       fam.is_histogram ? "histogram" : "counter");
    for (const auto& [labels, c] : fam.counters) {
      out += labels.empty() ? fmt::format("{} {}\n", name, c->value())
                            : fmt::format("{}{{{}}} {}\n", name, labels, c->value());
    }
    for (const auto& [labels, h] : fam.histograms) h->render(name, labels, out);
  }
  return out;
}

}  // namespace vireo
