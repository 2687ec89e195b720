// The DICOM upper-layer listener: accept, TLS, association negotiation and the caller policy,
// one thread per association up to the configured maximum. What it serves is registered:
// C-ECHO is its own, the rest are DimseServices (api/dimse: the archive's store, find and
// retrieve; the modality worklist and MPPS) added before start().
//
// It uses dcmnet's ASC/DIMSE functions with its own accept loop instead of DcmSCPPool,
// whose 3.6.7 workers are never joined and leak a thread stack per association
// (../shared/notes/dcmtk.md).
// Thread-safety: add/start/stop from one thread; everything else is internal.
#pragma once

#include <filesystem>
#include <memory>

#include "audit/audit_log.hpp"
#include "net/dimse/dimse_options.hpp"
#include "net/dimse/dimse_service.hpp"

namespace vireo::net {

// PEM files for the DICOM TLS listener (dicom_tls_port).
struct DimseTls {
  std::filesystem::path certificate, private_key;
  std::filesystem::path client_ca;  // when set, callers must present a certificate it signed
};

class DimseServer {
 public:
  // Every association and refusal is written to `audit`, and what its services record.
  DimseServer(const DimseOptions& options, audit::AuditLog& audit);
  ~DimseServer();
  // Before start(): a service, asked after those added before it (see dimse_service.hpp).
  void add(std::unique_ptr<DimseService> service);
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
