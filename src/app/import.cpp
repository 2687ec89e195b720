#include <unistd.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "app/admin_cli.hpp"
#include "app/services.hpp"
#include "core/log.hpp"

namespace fs = std::filesystem;

namespace vireo::app {

namespace {

struct Progress {
  std::atomic<size_t> done{0}, stored{0}, duplicate{0}, rejected{0};
  std::map<std::string, std::pair<std::string, int>> studies;  // study -> patient, instances
  std::mutex mutex;
  std::map<std::string, std::vector<std::string>> reasons;  // reason -> files
};

void draw(const Progress& p, size_t total, bool tty, bool final) {
  size_t done = p.done.load();
  if (!tty && !final && done % std::max<size_t>(1, total / 10) != 0) return;
  int width = 30;
  int filled = total ? static_cast<int>(width * done / total) : width;
  std::cerr << (tty ? "\r" : "") << "[" << std::string(static_cast<size_t>(filled), '#')
            << std::string(static_cast<size_t>(width - filled), '.') << "] " << done << "/" << total
            << "  stored " << p.stored << ", duplicate " << p.duplicate << ", rejected " << p.rejected
            << (tty && !final ? "" : "\n") << std::flush;
}

}  // namespace

int import_paths(const Config& config, const std::vector<std::string>& paths, int threads) {
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file()) files.push_back(it->path());
      }
    } else if (fs::is_regular_file(p, ec)) {
      files.emplace_back(p);
    } else {
      std::cerr << "vireo import: " << p << " is not a file or folder\n";
      return 2;
    }
  }
  auto services = open_services(config);
  if (!services) {
    std::cerr << "vireo import: cannot open the archive: " << services.error().message() << "\n";
    return 1;
  }
  std::sort(files.begin(), files.end());
  Progress progress;
  bool tty = ::isatty(STDERR_FILENO);
  std::atomic<size_t> next{0};
  int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::mutex draw_mutex;
  auto worker = [&] {
    while (true) {
      size_t i = next.fetch_add(1);
      if (i >= files.size()) return;
      auto r = services->archive->import_file(files[i], config.dicom.aet);
      if (r) {
        bool duplicate = r->outcome == archive::StoreOutcome::Duplicate;
        (duplicate ? progress.duplicate : progress.stored)++;
        if (!duplicate) {
          std::lock_guard lock(progress.mutex);
          auto& s = progress.studies[r->study_instance_uid];
          s.first = r->patient_id;
          ++s.second;
        }
      } else {
        progress.rejected++;
        std::lock_guard lock(progress.mutex);
        progress.reasons[r.error().message()].push_back(files[i].string());
      }
      if (++progress.done == files.size()) continue;  // the final line is drawn once, below
      std::lock_guard lock(draw_mutex);
      draw(progress, files.size(), tty, false);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < n; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  draw(progress, files.size(), tty, true);
  for (const auto& [study, info] : progress.studies) {
    audit::AuditEvent e = operator_event("create", "vireo import", std::to_string(info.second) + " instances imported");
    e.patient_id = info.first;
    e.study_uid = study;
    services->audit->record(std::move(e));
  }
  if (auto s = services->audit->flush(); !s)
    std::cerr << "vireo import: the audit trail could not be written: " << s.error().message() << "\n";

  std::cout << "Imported " << files.size() << " files: " << progress.stored << " stored, " << progress.duplicate
            << " duplicate, " << progress.rejected << " rejected.\n";
  for (const auto& [reason, list] : progress.reasons) {
    std::cout << "  rejected (" << list.size() << "): " << reason << "\n";
    for (size_t i = 0; i < list.size() && i < 10; ++i) std::cout << "    " << list[i] << "\n";
    if (list.size() > 10) std::cout << "    ... and " << list.size() - 10 << " more\n";
  }
  return progress.rejected > 0 ? 1 : 0;
}

int check(const Config& config, bool deep, bool repair) {
  auto services = open_services(config);
  if (!services) {
    std::cerr << "vireo check: cannot open the archive: " << services.error().message() << "\n";
    return 1;
  }
  // On a shared bucket the removals that are due go first; the orphans found below are
  // queued, and go once their own delay has passed.
  if (repair && services->blobs->shared()) {
    auto n = services->archive->sweep_removals();
    if (!n) std::cerr << "vireo check: removing given-up files: " << n.error().message() << "\n";
    else if (*n > 0) std::cout << "Removed " << *n << " files given up earlier (shared_removal_delay).\n";
  }
  auto report = services->archive->check_integrity(deep, repair);
  if (!report) {
    std::cerr << "vireo check: " << report.error().message() << "\n";
    return 1;
  }
  std::cout << "Checked " << report->instances_checked << " instances" << (deep ? " (with hashes)" : "") << ".\n"
            << "  missing files: " << report->missing_blobs.size() << "\n"
            << "  damaged files: " << report->corrupt_blobs.size() << "\n"
            << "  orphan files:  " << report->orphan_blobs.size()
            << (repair ? " (removed " + std::to_string(report->orphans_removed) + ")" : "")
            << (report->orphans_queued ? ", queued for removal in an hour unless a node stores them by then" : "")
            << "\n";
  for (const auto& uid : report->missing_blobs) std::cout << "  missing: " << uid << "\n";
  for (const auto& uid : report->corrupt_blobs) std::cout << "  damaged: " << uid << "\n";
  bool clean = report->missing_blobs.empty() && report->corrupt_blobs.empty() &&
               (repair || report->orphan_blobs.empty());
  if (!clean && !repair && !report->orphan_blobs.empty())
    std::cout << "Run 'vireo check --repair' to remove the orphan files.\n";
  return clean ? 0 : 1;
}

}  // namespace vireo::app
