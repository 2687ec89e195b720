// The archive, identity and audit trail of a real server, on a fresh database and blob store
// under /dev/shm (so that the commit per accepted input costs no disk flush), for fuzz targets
// that drive them the way a request would. Removed when the process ends.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "ai/findings.hpp"
#include "annotations/annotations.hpp"
#include "archive/archive.hpp"
#include "audit/audit_log.hpp"
#include "auth/auth_service.hpp"
#include "core/clock.hpp"
#include "dicom/dicom_file.hpp"
#include "store/fs_blob_store.hpp"
#include "store/sqlite_database.hpp"
#include "store/write_queue.hpp"

namespace vireo::fuzz {

struct TempServices {
  std::filesystem::path dir;
  std::unique_ptr<SqliteDatabase> db;
  std::unique_ptr<FsBlobStore> blobs;
  std::unique_ptr<WriteQueue> writes;
  std::unique_ptr<events::Outbox> outbox;
  std::unique_ptr<archive::Archive> archive;
  std::unique_ptr<annotations::Annotations> annotations;
  std::unique_ptr<ai::Findings> ai_findings;
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<audit::AuditLog> audit;

  TempServices() {
    dicom::initialize("error");
    std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    dir = base / ("vireo-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    db = std::make_unique<SqliteDatabase>(dir / "index.sqlite");
    blobs = must(FsBlobStore::open(dir / "blobs"));
    writes = std::make_unique<WriteQueue>(*db, blobs.get());
    if (auto started = writes->start(); !started) must(Result<bool>(std::unexpected(started.error())));
    outbox = must(events::Outbox::open(*db));
    archive = must(archive::Archive::open(*db, *blobs, *writes, *outbox, archive::DuplicatePolicy::KeepFirst));
    annotations = must(annotations::Annotations::open(*db, *writes));
    ai_findings = must(ai::Findings::open(*db, *writes));
    auth = must(auth::AuthService::open(*db, *writes, {}, system_clock()));
    audit = must(audit::AuditLog::open(*db, *writes));
  }
  ~TempServices() {
    audit.reset();
    auth.reset();
    ai_findings.reset();
    annotations.reset();
    archive.reset();
    writes.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  template <class T>
  static T must(Result<T> r) {
    if (!r) {
      std::cerr << "fuzz set-up failed: " << r.error().message() << "\n";
      std::abort();
    }
    return std::move(*r);
  }
};

// A property violated is a bug: stop loudly so that the fuzzer keeps the input.
inline void require(bool ok, const char* what) {
  if (ok) return;
  std::cerr << "property violated: " << what << "\n";
  std::abort();
}

}  // namespace vireo::fuzz
