// Orders: created for a registered patient with procedures of the catalogue, each given a
// unique accession number by the configured pattern; cancelled with a reason while nothing has
// been done yet. Every change publishes its event through the outbox in the same write.
//
// Thread-safety: all methods may be called concurrently; writes go through the node's write
// queue (on PostgreSQL its write lock makes the accession counter hold across nodes).
// Usage:
//   auto orders = Orders::open(db, writes, outbox, {.accession_pattern = "A{seq:8}"});
//   auto made = (*orders)->create(fields, "rosa");   // made->invalid, or made->value
#pragma once

#include <memory>
#include <optional>

#include "events/outbox.hpp"
#include "ris/catalogue.hpp"
#include "ris/order.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::ris {

// Topics (thin events; ids: order, accession, patient):
inline constexpr const char* kOrderCreated = "ris.order.created";
inline constexpr const char* kOrderCancelled = "ris.order.cancelled";
// (the order's booking, cancelled with it; the schedule publishes the rest of its topics)
inline constexpr const char* kAppointmentCancelled = "ris.appointment.cancelled";

[[nodiscard]] std::string accession_pattern_problem(std::string_view pattern);

// A physician's name as a key that the same person's name gives however it is written: its
// words without titles (Dr., Prof.), accents or case, in alphabetical order. "Dr. Marcus Welby",
// "WELBY^MARCUS" and "Welby, Marcus" give "MARCUS WELBY".
[[nodiscard]] std::string physician_key(std::string_view name);

class Orders {
 public:
  static Result<std::unique_ptr<Orders>> open(Database& db, WriteQueue& writes,
                                              const events::Outbox& outbox, OrderOptions options,
                                              const MigrationProgress& progress = {});

  // Field errors in the result: an unknown patient, an unknown or retired procedure, a
  // procedure twice, an unknown priority, a missing reason.
  [[nodiscard]] Result<Checked<Order>> create(const OrderFields& fields, const std::string& actor);
  // Cancels an order not yet begun (requested, scheduled, or missed: no_show), with its
  // booking. NotFound; AlreadyExists when someone else changed it since `seen_version`;
  // StateConflict once the patient has arrived or the order was cancelled already. The reason
  // is required.
  [[nodiscard]] Result<Checked<Order>> cancel(int64_t id, int64_t seen_version,
                                              const std::string& reason, const std::string& actor);
  [[nodiscard]] Result<std::optional<Order>> get(int64_t id);
  // A patient's orders, newest first.
  [[nodiscard]] Result<std::vector<Order>> of_patient(int64_t patient_id);
  // The orders that name `physician` as their referrer (DICOM PN or as typed; physician_key),
  // newest first, with their patients and bookings: a referring physician's whole view of the
  // RIS. `open_only`: those not yet reported or cancelled. Nothing for a name of fewer than two
  // words (one word names too many physicians).
  [[nodiscard]] Result<std::vector<Referral>> referrals(std::string_view physician, bool open_only,
                                                        int64_t limit);

 private:
  Orders(Database& db, WriteQueue& writes, const events::Outbox& outbox, OrderOptions options)
      : writes_(writes), outbox_(outbox), readers_(db), options_(std::move(options)) {}
  WriteQueue& writes_;
  const events::Outbox& outbox_;
  ConnectionPool readers_;
  OrderOptions options_;
};

}  // namespace vireo::ris
