// Reading appointments with their order and patient (the calendar's, the worklist's and the
// appointment page's view), and the writes every appointment change shares, on a connection the
// caller holds (a reader, or a job of the write queue).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "events/event.hpp"
#include "events/outbox.hpp"
#include "ris/appointment.hpp"
#include "store/database.hpp"

namespace vireo::ris::rows {

// `where` follows the join of ris_appointments a, ris_orders o and ris_patients p.
[[nodiscard]] Result<std::vector<AppointmentView>> views_where(Connection& c,
                                                               const std::string& where,
                                                               std::vector<SqlValue> args);
[[nodiscard]] Result<std::optional<AppointmentView>> read_view(Connection& c, int64_t id);

// Moves the order along its lifecycle (its version too, so that an edit seen before is stale).
[[nodiscard]] Result<void> set_order_status(Connection& c, int64_t order_id, const char* status,
                                            const std::string& actor);

// Answers the order's pending appointment request, if any: confirmed by `appointment_id`, or
// declined with `reason` (appointment_id 0), its event in the outbox with the change.
[[nodiscard]] Status close_requests(Connection& c, int64_t order_id, int64_t appointment_id,
                                    const std::string& reason, const std::string& actor,
                                    const events::Outbox& outbox);

// The request a cancelled booking had confirmed waits for an answer again, its event in the
// outbox with the change.
[[nodiscard]] Status reopen_requests(Connection& c, int64_t appointment_id,
                                     const std::string& actor, const events::Outbox& outbox);

// The thin event of an appointment change (ids: appointment, order, accession, room, patient).
[[nodiscard]] events::Event appointment_event(const char* topic, const AppointmentView& v);

}  // namespace vireo::ris::rows
