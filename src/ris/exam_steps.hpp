// Internal to ris/: the step of an exam that every way of making it shares (a click on the
// technicians' worklist, the scanner's MPPS, a UPS-RS client), inside the caller's write job.
#pragma once

#include <optional>
#include <string>

#include "core/time_zone.hpp"

#include "events/outbox.hpp"
#include "ris/appointment.hpp"
#include "store/database.hpp"

namespace vireo::ris {

// Moves the exam's order to `to` (in_progress, acquired): the appointment's version moves, the
// order's status is set, an acquired exam without a radiologist gets one by the clinic's rule,
// and the step's event (`topic`, and the reader's) goes to the outbox. The caller has checked
// that the step is allowed. Returns the appointment as saved.
[[nodiscard]] Result<Appointment> advance_exam(Connection& c, const events::Outbox& outbox,
                                               const AppointmentView& v, const char* to,
                                               const char* topic, const std::string& actor);

// The patient is here though nobody checked them in (the scanner began, or the images came):
// the booked appointment and its order become arrived, ris.appointment.arrived goes to the
// outbox. Returns the appointment as it is now.
[[nodiscard]] Result<AppointmentView> mark_arrived(Connection& c, const events::Outbox& outbox,
                                                   const AppointmentView& v, const std::string& actor);

// The exam stops before its images are made (the scanner discontinued it, a worklist client
// cancelled or asked to cancel it): the booking is cancelled with `why`, the order waits to be
// booked again or cancelled by staff, the request the booking confirmed waits again, and
// kExamDiscontinued goes to the outbox. Returns the appointment as it is now.
[[nodiscard]] Result<AppointmentView> discontinue_exam(Connection& c, const events::Outbox& outbox,
                                                       const AppointmentView& v, const std::string& why,
                                                       const std::string& actor);

// The clinic's day of the booking when it is not today's (`now`'s), else nullopt: an exam is
// begun on its day only, as a patient is checked in on it (another day's booking begun by a
// scanner or a worklist client is another patient's exam than the one on the table).
[[nodiscard]] std::optional<std::string> booked_for_another_day(const AppointmentView& v, const TimeZone& zone,
                                                                Instant now);

}  // namespace vireo::ris
