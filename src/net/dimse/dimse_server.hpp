// The DICOM upper-layer listener: C-ECHO, C-STORE (every storage SOP class, stored as
// received), C-FIND, C-MOVE and C-GET (patient root and study root), one thread per
// association up to the configured maximum.
//
// It uses dcmnet's ASC/DIMSE functions with its own accept loop instead of DcmSCPPool,
// whose 3.6.7 workers are never joined and leak a thread stack per association
// (../shared/notes/dcmtk.md).
// Thread-safety: start/stop from one thread; everything else is internal.
#pragma once

#include <filesystem>
#include <memory>

#include "archive/archive.hpp"
#include "audit/audit_log.hpp"
#include "net/dimse/dimse_options.hpp"

namespace vireo::net {

// PEM files for the DICOM TLS listener (dicom_tls_port).
struct DimseTls {
  std::filesystem::path certificate, private_key;
  std::filesystem::path client_ca;  // when set, callers must present a certificate it signed
};

class DimseServer {
 public:
  // Every association, refusal, store (per study), query and retrieve is written to `audit`.
  DimseServer(const DimseOptions& options, archive::Archive& archive, audit::AuditLog& audit);
  ~DimseServer();
  // Before start(): the certificate for the TLS port.
  void set_tls(DimseTls files);
  // Binds the port (and the TLS port when configured) and starts accepting; fails when a
  // port is taken or the certificate cannot be used.
  [[nodiscard]] Status start();
  // Stops accepting, cuts connections still negotiating, gives associations in progress 10 s
  // to end, then cuts them. False when a thread still runs after that (its resources are left
  // alive; the caller should end the process without tearing down what they use).
  bool stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Must run before any thread starts: dcmnet reads TCP_NODELAY from the environment for
// every socket, and Nagle's algorithm costs ~45 ms per C-STORE (../shared/notes/dcmtk.md).
void prepare_dicom_network();

}  // namespace vireo::net
