// The scheduled steps as Unified Procedure Step workitems (DICOM PS3.4 CC; UPS-RS, PS3.18 11),
// for the modalities and pipelines that speak DICOMweb: the same bookings the modality worklist
// offers, each one workitem whose UID is made with the booking. Its Procedure Step State follows
// the exam, however it moves (a claim here, the scanner's MPPS, a click on the technicians'
// worklist, staff cancelling): see workitem_state.
//
// A performer claims a SCHEDULED workitem of today with a Transaction UID of its own (→ IN
// PROGRESS, the exam started); only that UID completes it (→ COMPLETED, the images acquired) or
// cancels it (→ CANCELED, the exam discontinued: the booking freed, the order waiting for staff).
// A cancellation asked for is recorded and told (kWorkitemCancelRequested): to the performer of
// one in progress, who decides, and to the technicians' list; cancelling a booking itself is
// the schedule's (Schedule::cancel, for those who keep it).
//
// Subscriptions (to one workitem, to all, or to those a filter matches) are kept here for the
// event channels (api/dicomweb/ups_events), which read them on every node. Each change is one
// write job with its event in the outbox. Knows no DICOM encoding.
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto items = Workitems::open(db, writes, outbox, zone);
//   auto done = (*items)->change_state(uid, "IN PROGRESS", transaction_uid, "dicomweb:ai");
//   if (done->refusal != WorkitemOutcome::Refusal::None) ... done->why
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "events/outbox.hpp"
#include "ris/procedure_steps.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::ris {

// Topics. ids: workitem, appointment, order.
inline constexpr const char* kWorkitemCancelRequested = "ris.workitem.cancel_requested";
// ids: ae, kind, workitem (empty for a global or filtered subscription).
inline constexpr const char* kWorkitemSubscribed = "ris.workitem.subscribed";

// The well-known UIDs a subscription names instead of one workitem (PS3.4 CC.3.1).
inline constexpr const char* kGlobalWorklistUid = "1.2.840.10008.5.1.4.34.5";
inline constexpr const char* kFilteredWorklistUid = "1.2.840.10008.5.1.4.34.5.1";

struct Workitem {
  ScheduledStep step;
  std::string state;  // kWorkitemStates
  // Claimed here: by whom, when (empty when the exam was begun another way).
  std::string performer, claimed_at;
  // The latest request to cancel it.
  std::string cancel_requested_at, cancel_requested_by, cancel_reason, contact_name, contact_uri;
};

struct CancelRequest {
  std::string reason, contact_name, contact_uri;  // as the requester gave them; each may be empty
};

struct WorkitemOutcome {
  enum class Refusal {
    None,
    NotFound,  // no workitem has this UID
    Invalid,   // the request cannot be: a state never asked for, a Transaction UID that is no UID
    Conflict,  // not from where the workitem is: not claimed, claimed by another, ended already,
               // another day's, another account's subscription, too many subscriptions
  };
  Refusal refusal = Refusal::None;
  std::string why;      // in English, for the answer and the audit trail
  std::string warning;  // done already: the workitem is in the state asked for
  std::optional<Workitem> workitem;  // as it is now
  int64_t appointment_version = 0;   // of its booking, as it is now
};

struct WorkitemSubscription {
  int64_t id = 0;
  std::string ae_title;
  std::string kind;  // workitem, global, filtered
  std::string workitem_uid, filter;
  bool deletion_lock = false;
  std::string suspended_at, created_at, created_by;
};

// How many subscriptions one account may hold (each a row, and work at every change).
inline constexpr int64_t kMaxSubscriptionsPerAccount = 1000;

class Workitems {
 public:
  static Result<std::unique_ptr<Workitems>> open(Database& db, WriteQueue& writes, const events::Outbox& outbox,
                                                 TimeZone zone, const Clock& clock = system_clock(),
                                                 const MigrationProgress& progress = {});
  // Those `q` matches (q.workitems is implied), in start order.
  [[nodiscard]] Result<std::vector<Workitem>> find(StepQuery q);
  [[nodiscard]] Result<std::optional<Workitem>> get(const std::string& uid);
  [[nodiscard]] Result<std::optional<Workitem>> of_appointment(int64_t appointment_id);

  // PS3.4 CC.2.1.3 (Change State): `to` is IN PROGRESS (a claim), COMPLETED or CANCELED.
  [[nodiscard]] Result<WorkitemOutcome> change_state(const std::string& uid, const std::string& to,
                                                     const std::string& transaction_uid, const std::string& actor);
  // PS3.4 CC.2.2 (Request Cancel): recorded and told; refused for a workitem ended already.
  [[nodiscard]] Result<WorkitemOutcome> request_cancel(const std::string& uid, const CancelRequest& request,
                                                       const std::string& actor);
  // PS3.4 CC.2.1.2 (Set): whether `transaction_uid` holds the workitem's claim, which an update
  // needs (the attributes themselves follow the booking and the images, not the request).
  [[nodiscard]] Result<WorkitemOutcome> check_claim(const std::string& uid, const std::string& transaction_uid);

  // `target`: a workitem's UID, kGlobalWorklistUid, or kFilteredWorklistUid with its `filter`.
  // Subscribing again replaces the subscription (and lifts a suspension). `tell`: its event goes
  // out, for the channels to send the state of what it covers (not for the subscriptions a
  // filter makes as it matches).
  [[nodiscard]] Result<WorkitemOutcome> subscribe(const std::string& ae_title, const std::string& target,
                                                  const std::string& filter, bool deletion_lock,
                                                  const std::string& actor, bool tell = true);
  // An AE's subscriptions are changed by the account that made them, or one that may change
  // anyone's (`any_owner`). From the global worklist: every subscription of the AE goes (PS3.4
  // CC.2.3.2).
  [[nodiscard]] Result<WorkitemOutcome> unsubscribe(const std::string& ae_title, const std::string& target,
                                                    const std::string& actor, bool any_owner);
  // A global or filtered subscription takes no workitem made from now on; those it has stay.
  [[nodiscard]] Result<WorkitemOutcome> suspend(const std::string& ae_title, const std::string& target,
                                                const std::string& actor, bool any_owner);
  [[nodiscard]] Result<std::vector<WorkitemSubscription>> subscriptions_of(const std::vector<std::string>& ae_titles);

  [[nodiscard]] const TimeZone& zone() const { return steps_->zone(); }

 private:
  Workitems(Database& db, WriteQueue& writes, const events::Outbox& outbox, std::unique_ptr<ProcedureSteps> steps,
            const Clock& clock)
      : writes_(writes), outbox_(outbox), readers_(db), steps_(std::move(steps)), clock_(clock) {}
  Result<std::vector<Workitem>> with_claims(std::vector<ScheduledStep> steps);
  Result<std::optional<Workitem>> first(StepQuery q);
  WriteQueue& writes_;
  const events::Outbox& outbox_;
  ConnectionPool readers_;
  std::unique_ptr<ProcedureSteps> steps_;
  const Clock& clock_;
};

}  // namespace vireo::ris
