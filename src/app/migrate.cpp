// `vireo migrate`: moves a single-machine installation (SQLite and files) to PostgreSQL and/or
// an S3 bucket. The source is only read. Every step can be run again: tables copy what the
// target lacks, objects already in the bucket with their size are not sent again, so an
// interrupted move resumes, and a last run with the server stopped catches up with what it
// received meanwhile. A verification pass compares row counts and reads every object back,
// comparing its SHA-256 with the index's.
#include "app/migrate.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "ai/findings.hpp"
#include "annotations/annotations.hpp"
#include "ris/patients.hpp"
#include "app/admin_cli.hpp"
#include "archive/schema.hpp"
#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "events/outbox.hpp"
#include "store/pg_database.hpp"
#include "store/s3_blob_store.hpp"
#include "store/table_copy.hpp"

namespace fs = std::filesystem;

namespace vireo::app {

namespace {

// One line on standard error, redrawn in place on a terminal and every few seconds otherwise.
class ProgressLine {
 public:
  ProgressLine(std::string label, int64_t total)
      : label_(std::move(label)), total_(total), tty_(::isatty(2) != 0) {}
  void set(int64_t done, uint64_t bytes = 0) {
    std::lock_guard lock(mutex_);
    done_ = done;
    bytes_ = bytes;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < (tty_ ? std::chrono::milliseconds(200) : std::chrono::seconds(5)))
      return;  // finish() ends it
    last_ = now;
    draw(false);
  }
  void finish() {
    std::lock_guard lock(mutex_);
    draw(true);
  }

 private:
  void draw(bool final) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    int percent = total_ > 0 ? static_cast<int>(done_ * 100 / total_) : 100;
    std::fprintf(stderr, "%s  %-28s %3d%%  %lld/%lld", tty_ ? "\r" : "", label_.c_str(), percent,
                 static_cast<long long>(done_), static_cast<long long>(total_));
    if (bytes_ > 0 && seconds > 0.5)
      std::fprintf(stderr, "  %.1f MB, %.1f MB/s", static_cast<double>(bytes_) / 1e6,
                   static_cast<double>(bytes_) / 1e6 / seconds);
    std::fprintf(stderr, "%s", tty_ && !final ? "   " : "\n");
    std::fflush(stderr);
  }
  std::string label_;
  int64_t total_;
  bool tty_;
  std::mutex mutex_;
  int64_t done_ = 0;
  uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now(),
                                        last_ = started_;
};

struct Domain {
  const char* name;
  const std::vector<Migration>& migrations;
};

std::vector<Domain> domains() {
  return {{"archive", archive::schema_migrations()},  {"auth", auth::auth_migrations()},
          {"audit", audit::audit_migrations()},       {"events", events::outbox_migrations()},
          {"annotations", annotations::migrations()}, {"ai", ai::migrations()},
          {"ris", ris::migrations()}};
}

// Every domain's tables, each once (a table that moved to another domain is in both lists).
std::vector<CopiedTable> all_tables() {
  std::vector<CopiedTable> tables;
  for (const auto& d : domains())
    for (auto& t : tables_created_by(d.migrations))
      if (t.name != "schema_migrations" &&
          std::ranges::none_of(tables,
                               [&](const CopiedTable& known) { return known.name == t.name; }))
        tables.push_back(std::move(t));
  return tables;
}

// Runs `work(i)` for i in [0, n) on a few threads (the object store's latency, not the CPU,
// bounds a copy); stops handing out work after the first error.
Status parallel_for(size_t n, int threads, const std::function<Status(size_t)>& work) {
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::optional<Error> failed;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) {
        {
          std::lock_guard lock(mutex);
          if (failed) return;
        }
        if (auto s = work(i); !s) {
          std::lock_guard lock(mutex);
          if (!failed) failed = s.error();
        }
      }
    });
  for (auto& t : pool) t.join();
  if (failed) return std::unexpected(*failed);
  return {};
}

Status copy_tables(Database& source, Database& target) {
  auto from = source.connect();
  if (!from) return std::unexpected(from.error());
  auto to = target.connect();
  if (!to) return std::unexpected(to.error());
  for (const auto& d : domains())
    if (auto s = migrate(**to, target.dialect(), d.name, d.migrations); !s) return s;
  const std::vector<CopiedTable> tables = all_tables();
  // Tables whose rows may have changed since an earlier run are copied whole again, emptied
  // first with the tables that reference them (children before parents).
  for (auto it = tables.rbegin(); it != tables.rend(); ++it)
    if (!it->append_only)
      if (auto s = clear_table(**to, target.dialect(), it->name); !s) return s;
  for (const auto& table : tables) {
    auto total = count_rows(**from, table.name);
    if (!total) return std::unexpected(total.error());
    ProgressLine line("table " + table.name, *total);
    auto copied =
        copy_table(**from, **to, target.dialect(), table, [&](int64_t rows) { line.set(rows); });
    if (!copied) return std::unexpected(copied.error());
    line.finish();
  }
  return {};
}

Status compare_counts(Database& source, Database& target, int& mismatches) {
  auto from = source.connect();
  if (!from) return std::unexpected(from.error());
  auto to = target.connect();
  if (!to) return std::unexpected(to.error());
  for (const auto& table : all_tables()) {
    auto a = count_rows(**from, table.name);
    auto b = count_rows(**to, table.name);
    if (!a) return std::unexpected(a.error());
    if (!b) return std::unexpected(b.error());
    if (*a != *b) {
      ++mismatches;
      std::cerr << "  table " << table.name << ": " << *a << " rows in the source, " << *b
                << " in the target\n";
    }
  }
  return {};
}

Status copy_blobs(BlobStore& source, S3BlobStore& target,
                  const std::vector<archive::Archive::IndexedBlob>& blobs) {
  ProgressLine line("files", static_cast<int64_t>(blobs.size()));
  std::atomic<int64_t> done{0}, sent{0};
  std::atomic<uint64_t> bytes{0};
  auto s = parallel_for(blobs.size(), 4, [&](size_t i) -> Status {
    const auto& b = blobs[i];
    auto there = target.stat(b.key);
    if (!there || static_cast<int64_t>(there->size) != b.size) {
      auto path = source.local_path(b.key);  // read in place: the source is left as it is
      if (!path) return fail(path.error().code, b.sop_instance_uid + ": " + path.error().detail);
      if (auto put =
              target.client().put_file(b.key, *path, static_cast<uint64_t>(b.size), b.sha256);
          !put)
        return put;
      bytes += static_cast<uint64_t>(b.size);
      ++sent;
    }
    line.set(++done, bytes);
    return {};
  });
  line.finish();
  std::cerr << "  files: " << sent << " sent, " << (done - sent) << " already in the bucket\n";
  return s;
}

Status verify_blobs(S3BlobStore& target, const std::vector<archive::Archive::IndexedBlob>& blobs,
                    const fs::path& scratch, int& mismatches) {
  ProgressLine line("verifying files (SHA-256)", static_cast<int64_t>(blobs.size()));
  std::atomic<int64_t> done{0};
  std::atomic<uint64_t> bytes{0};
  std::mutex report;
  auto s = parallel_for(blobs.size(), 4, [&](size_t i) -> Status {
    const auto& b = blobs[i];
    fs::path tmp = scratch / ("verify-" + std::to_string(i));
    auto sha = target.client().get_to_file(b.key, tmp);
    std::error_code ec;
    fs::remove(tmp, ec);
    if (!sha || *sha != b.sha256) {
      if (!sha && sha.error().code != ErrorCode::NotFound) return std::unexpected(sha.error());
      std::lock_guard lock(report);
      ++mismatches;
      std::cerr << "\n  " << b.sop_instance_uid << ": "
                << (sha ? "different content in the bucket" : "missing in the bucket") << "\n";
    }
    bytes += static_cast<uint64_t>(b.size);
    line.set(++done, bytes);
    return {};
  });
  line.finish();
  return s;
}

}  // namespace

int migrate(const Config& config, const MigrateOptions& options) {
  if (options.to_database.empty() && options.to_blobs.empty()) {
    std::cerr << "vireo migrate: say where to: --to-database postgresql://... and/or --to-blobs "
                 "s3://bucket/prefix\n";
    return 2;
  }
  if (!options.to_blobs.empty() && !config.blob_store.empty()) {
    std::cerr << "vireo migrate: the files are already in " << config.blob_store
              << "; --to-blobs moves files from data_dir to a bucket\n";
    return 2;
  }
  if (!options.to_database.empty() && !config.database_url.empty()) {
    std::cerr << "vireo migrate: the index is already in PostgreSQL; --to-database moves it from "
                 "SQLite\n";
    return 2;
  }
  auto services = open_services(config);
  if (!services) {
    std::cerr << "vireo migrate: cannot open the archive: " << services.error().message() << "\n";
    return 1;
  }
  std::cerr << "vireo migrate: from " << config.data_dir.string()
            << (config.database_url.empty() ? " (SQLite" : " (PostgreSQL")
            << (config.blob_store.empty() ? ", files)" : ", " + config.blob_store + ")") << "\n";
  // The whole archive leaves this installation: its audit trail says so, before the copy, so
  // that the record travels with the trail.
  audit_cli(*services->audit, "migrate", "archive", "success",
            std::string("copy to ") + (options.to_database.empty() ? "" : "PostgreSQL") +
                (options.to_database.empty() || options.to_blobs.empty() ? "" : " and ") +
                options.to_blobs);
  if (auto s = services->audit->flush(); !s) {
    std::cerr << "vireo migrate: the audit trail cannot be written: " << s.error().message()
              << "\n";
    return 1;
  }
  int mismatches = 0;

  std::unique_ptr<PgDatabase> target_db;
  if (!options.to_database.empty()) {
    target_db = std::make_unique<PgDatabase>(options.to_database);
    if (auto s = copy_tables(*services->db, *target_db); !s) {
      std::cerr << "\nvireo migrate: copying the tables failed: " << s.error().message()
                << "\n(run it again to resume)\n";
      return 1;
    }
    if (auto s = compare_counts(*services->db, *target_db, mismatches); !s) {
      std::cerr << "vireo migrate: " << s.error().message() << "\n";
      return 1;
    }
  }

  if (!options.to_blobs.empty()) {
    auto settings = parse_s3_settings(options.to_blobs, config.s3_endpoint, config.s3_region,
                                      config.s3_credentials_file);
    if (!settings) {
      std::cerr << "vireo migrate: " << settings.error().message() << "\n";
      return 1;
    }
    fs::path scratch = config.data_dir / "migrate";
    auto target = S3BlobStore::open(std::move(*settings), scratch, 64 << 20);
    if (!target) {
      std::cerr << "vireo migrate: cannot open " << options.to_blobs << ": "
                << target.error().message() << "\n";
      return 1;
    }
    auto blobs = services->archive->indexed_blobs();
    if (!blobs) {
      std::cerr << "vireo migrate: " << blobs.error().message() << "\n";
      return 1;
    }
    if (auto s = copy_blobs(*services->blobs, **target, *blobs); !s) {
      std::cerr << "\nvireo migrate: copying the files failed: " << s.error().message()
                << "\n(run it again to resume)\n";
      return 1;
    }
    if (auto s = verify_blobs(**target, *blobs, scratch / "incoming", mismatches); !s) {
      std::cerr << "\nvireo migrate: verifying the files failed: " << s.error().message() << "\n";
      return 1;
    }
    std::error_code ec;
    fs::remove_all(scratch, ec);
  }

  if (mismatches > 0) {
    std::cerr << "vireo migrate: " << mismatches
              << " difference(s) between the source and the target (listed above); "
              << "run it again (with the server stopped) to copy what changed\n";
    return 1;
  }
  std::cout << "Moved and verified. To run on the new storage, set (in vireo.conf or as VIREO_* "
               "variables):\n";
  if (!options.to_database.empty())
    std::cout << "  database_url = (the URL given to --to-database)\n";
  if (!options.to_blobs.empty()) {
    std::cout << "  blob_store = " << options.to_blobs << "\n";
    if (!config.s3_endpoint.empty()) std::cout << "  s3_endpoint = " << config.s3_endpoint << "\n";
    std::cout << "  s3_region = " << config.s3_region << "\n";
  }
  std::cout << "The source in " << config.data_dir.string()
            << " is unchanged; remove it when the new storage serves.\n";
  return 0;
}

}  // namespace vireo::app
