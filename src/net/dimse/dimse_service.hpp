// A DIMSE service and what it sees of an association. The listener (dimse_server) keeps accept,
// TLS, negotiation and the caller policy; each service (api/dimse: store, find, retrieve, the
// modality worklist, MPPS) says which SOP classes it answers and handles their commands.
//
// Negotiation offers a proposed presentation context to the first registered service that
// answers its SOP class; a command arriving on that context goes to that service. C-ECHO
// (Verification) and a late C-CANCEL are the listener's own.
//
// Usage (a service):
//   class EchoLike : public DimseService {
//     bool answers(std::string_view uid) const override { return uid == UID_...; }
//     const char* name() const override { return "mine"; }
//     OFCondition handle(Association& a, T_DIMSE_Message& m, T_ASC_PresentationContextID pres,
//                        const std::string& sop_class) override { ... }
//   };
//   server.add(std::make_unique<EchoLike>());   // before start()
// Thread-safety: one service object serves every association at once; handle() runs on the
// association's thread and must keep per-association state in the Association.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/audit_log.hpp"
#include "core/error.hpp"
#include "net/dimse/dimse_options.hpp"

namespace vireo::net {

// One association as its services see it: the dcmnet association, who called, the listener's
// options, whether the server is stopping, and the association's share of the audit trail.
class Association {
 public:
  Association(T_ASC_Association* assoc, const DimseOptions& options, audit::AuditLog& audit,
              const std::atomic<bool>& stopping, int socket_fd = -1);
  Association(const Association&) = delete;
  Association& operator=(const Association&) = delete;

  T_ASC_Association* const assoc;
  const DimseOptions& options;
  const std::string calling_aet;  // the caller's AE title
  const std::string address;      // the caller's network address

  // True once the server stops: long operations end as if cancelled.
  [[nodiscard]] bool stopping() const { return stopping_.load(); }

  // While the guard lives, what is sent waits in the connection's buffer and goes in full
  // packets (TCP_CORK), sent when the guard ends: a C-FIND's hundreds of pending responses
  // otherwise cost a packet and a wake-up of the caller each (TCP_NODELAY is on for the rest).
  class Corked {
   public:
    explicit Corked(int fd);
    ~Corked();
    Corked(const Corked&) = delete;
    Corked& operator=(const Corked&) = delete;

   private:
    int fd_;
  };
  [[nodiscard]] Corked corked() const { return Corked(socket_fd_); }

  // The data set that follows a command (a query's identifier, an N-CREATE's attributes).
  [[nodiscard]] OFCondition receive_dataset(T_ASC_PresentationContextID pres, std::unique_ptr<DcmDataset>& out);

  // An audit event with the caller filled in, and writing it.
  [[nodiscard]] audit::AuditEvent event(std::string action, std::string outcome) const;
  void record(audit::AuditEvent e);
  // What the association did, said in the one event written when it ends ("3 stored, 1 queries").
  // A count under "refused" makes that event a failure.
  void count(const std::string& what, int n = 1);
  // One event per study when the association ends, such as "12 instances received" for each study
  // sent (rather than one per instance).
  void count_for_study(const std::string& action, const std::string& resource, const std::string& noun,
                       const std::string& study_uid, const std::string& patient_id);
  // Writes the per-study events and the association's own; the listener calls it once.
  void finish();

 private:
  struct StudyTally {
    std::string action, resource, noun, patient_id;
    int count = 0;
  };
  audit::AuditLog& audit_;
  const std::atomic<bool>& stopping_;
  int socket_fd_;
  std::vector<std::pair<std::string, int>> counts_;  // in the order first counted
  std::map<std::pair<std::string, std::string>, StudyTally> studies_;  // (action, study) -> tally
};

class DimseService {
 public:
  virtual ~DimseService() = default;
  // Whether a presentation context for this SOP class is this service's to accept.
  [[nodiscard]] virtual bool answers(std::string_view sop_class) const = 0;
  // The transfer syntax to accept from those proposed for one of its contexts, or nullptr to
  // refuse the context. By default the uncompressed syntaxes, explicit little endian first.
  [[nodiscard]] virtual const char* choose_syntax(const std::vector<std::string>& proposed) const;
  // Whether its contexts keep the role the caller proposed (storage contexts on which C-GET
  // sends its sub-operations back); otherwise the default roles.
  [[nodiscard]] virtual bool keeps_proposed_role() const { return false; }
  // For the metrics and the log: "store", "find", ...
  [[nodiscard]] virtual const char* name() const = 0;
  // One command on one of its contexts, its data set not read yet. A bad condition aborts
  // the association (a network failure, or a command this service does not take).
  [[nodiscard]] virtual OFCondition handle(Association& a, T_DIMSE_Message& msg, T_ASC_PresentationContextID pres,
                                           const std::string& sop_class) = 0;
};

// The response to a C-FIND request, its status and data set still to be set.
[[nodiscard]] T_DIMSE_C_FindRSP find_response_to(const T_DIMSE_C_FindRQ& req);

// An Error Comment (0000,0902) data set saying why a request failed; the caller owns it.
[[nodiscard]] DcmDataset* error_comment(const Error& e);

// "PatientName=SMITH*; StudyDate=20240101-" from a query identifier, for the audit trail;
// sets patient_id and study_uid where the keys name exactly one.
[[nodiscard]] std::string identifier_text(DcmDataset& identifier, std::string& patient_id, std::string& study_uid);

}  // namespace vireo::net
