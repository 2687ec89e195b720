// The appointment book: free slots for an order, booking, moving, cancelling, check-in and
// no-show, and the calendar's view of rooms and bookings. Times are instants in UTC; days and
// opening hours are the clinic's (its TimeZone), so a day that crosses a DST change has the
// slots it really has.
//
// Every change runs in one job of the node's write queue, which on PostgreSQL also holds the
// cluster's write lock: the check that a slot is free and the booking that takes it cannot be
// separated by another node's, so of any number of requests racing for one slot exactly one
// wins and the others get the conflict. Each change publishes its event through the outbox in
// the same job, and moves its order along the lifecycle (requested → scheduled → arrived, or
// back to requested when the appointment is cancelled, or no_show).
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto schedule = Schedule::open(db, writes, outbox, zone);
//   auto slots = (*schedule)->free_slots({.order_id = 7, .from_day = "2027-03-01", .days = 7});
//   auto booked = (*schedule)->book(7, room, start, "rosa");  // ->invalid, ->conflict or ->value
#pragma once

#include <memory>

#include "core/clock.hpp"
#include "core/time_zone.hpp"
#include "events/outbox.hpp"
#include "ris/orders.hpp"
#include "ris/appointment.hpp"
#include "ris/appointment_request.hpp"
#include "ris/slots.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::ris {

// Topics (thin events; ids: appointment, order, accession, room, patient).
inline constexpr const char* kAppointmentBooked = "ris.appointment.booked";
inline constexpr const char* kAppointmentMoved = "ris.appointment.moved";
inline constexpr const char* kPatientArrived = "ris.appointment.arrived";
inline constexpr const char* kPatientNoShow = "ris.appointment.no_show";
// (ids: request, order, patient)
inline constexpr const char* kRequestCreated = "ris.request.created";
inline constexpr const char* kRequestConfirmed = "ris.request.confirmed";
inline constexpr const char* kRequestDeclined = "ris.request.declined";
inline constexpr const char* kRequestReopened = "ris.request.reopened";  // its booking cancelled

inline constexpr int kMaxCalendarDays = 31;

struct SlotRequest {
  int64_t order_id = 0;
  std::string from_day;  // YYYY-MM-DD, the clinic's
  int days = 7;          // 1 to kMaxCalendarDays
  int64_t room_id = 0;   // or 0: every room of the order's modality
};

struct Slots {
  minutes duration{0};
  std::string modality;
  std::vector<Window> windows;
  std::vector<std::string> full_days;  // days a procedure's daily limit is reached
};

// A room's day in the calendar: when it is open, or why it is closed.
struct RoomDay {
  int64_t room_id = 0;
  std::string day;
  std::vector<Span> open;
  std::string closed_reason;  // the closure's, when closed that day
};

struct Calendar {
  std::vector<Room> rooms;
  std::vector<RoomDay> days;
  std::vector<AppointmentView> appointments;  // booked, arrived and no-show; by start
};

class Schedule {
 public:
  static Result<std::unique_ptr<Schedule>> open(Database& db, WriteQueue& writes,
                                                const events::Outbox& outbox, TimeZone zone,
                                                const Clock& clock = system_clock(),
                                                const MigrationProgress& progress = {});

  [[nodiscard]] const TimeZone& zone() const { return zone_; }

  // Where and when the order can be booked (or moved to: its own booking does not count).
  // Field errors in `invalid`; NotFound for an unknown order; StateConflict for one that
  // cannot be booked (cancelled, or begun).
  [[nodiscard]] Result<Checked<Slots>> free_slots(const SlotRequest& r);

  [[nodiscard]] Result<Booked> book(int64_t order_id, int64_t room_id, Instant start,
                                    const std::string& actor);
  [[nodiscard]] Result<Booked> move(int64_t appointment_id, int64_t seen_version, int64_t room_id,
                                    Instant start, const std::string& actor);
  // The order goes back to requested, to be booked again. A reason is required.
  [[nodiscard]] Result<Booked> cancel(int64_t appointment_id, int64_t seen_version,
                                      const std::string& reason, const std::string& actor);
  // Check-in, on the appointment's day.
  [[nodiscard]] Result<Booked> arrive(int64_t appointment_id, int64_t seen_version,
                                      const std::string& actor);
  // Once its time has come and the patient has not.
  [[nodiscard]] Result<Booked> no_show(int64_t appointment_id, int64_t seen_version,
                                       const std::string& actor);

  // Appointment requests (ris/requests.cpp). A request for an order that cannot be booked, or
  // that has one pending already, is a conflict (order_state, request_pending). `referrer`:
  // the referring physician asking (their account's name); the order must name them as its
  // referrer (physician_key), another's is field orderId, rule unknown, as if it did not exist.
  [[nodiscard]] Result<RequestChange> request(const RequestFields& f, const std::string& source,
                                              const std::string& actor,
                                              std::string_view referrer = {});
  // Books the request's order there and then, and marks the request confirmed with the
  // booking, in one job: ->value is the appointment. A request no longer pending, or changed
  // since `seen_version`, is a conflict (request_state, stale).
  // `order_id` is the order the booking person sees: another is field orderId, rule mismatch.
  [[nodiscard]] Result<Booked> confirm_request(int64_t id, int64_t seen_version, int64_t order_id,
                                               int64_t room_id, Instant start,
                                               const std::string& actor);
  [[nodiscard]] Result<RequestChange> decline_request(int64_t id, int64_t seen_version,
                                                      const std::string& reason,
                                                      const std::string& actor);
  // By status (or all when empty), oldest first; InvalidArgument for an unknown status.
  [[nodiscard]] Result<std::vector<RequestView>> requests(const std::string& status, int64_t limit);
  [[nodiscard]] Result<std::optional<RequestView>> request_view(int64_t id);

  [[nodiscard]] Result<std::optional<AppointmentView>> get(int64_t id);
  [[nodiscard]] Result<std::vector<AppointmentView>> of_order(int64_t order_id);
  // InvalidArgument for a bad day or count.
  [[nodiscard]] Result<Calendar> calendar(const std::string& from_day, int days, int64_t room_id);

 private:
  Schedule(Database& db, WriteQueue& writes, const events::Outbox& outbox, TimeZone zone,
           const Clock& clock)
      : writes_(writes), outbox_(outbox), readers_(db), zone_(std::move(zone)), clock_(clock) {}
  struct Plan;
  Result<Booked> place(Connection& c, int64_t order_id, int64_t room_id, Instant start,
                       int64_t moving, const std::string& actor, Booked& out);
  Result<Booked> published(Connection& c, int64_t id, const char* topic, Booked& out);
  Result<Booked> transition(int64_t id, int64_t seen_version, const char* to,
                            const std::string& reason, const std::string& actor);
  [[nodiscard]] Instant now() const;
  WriteQueue& writes_;
  const events::Outbox& outbox_;
  ConnectionPool readers_;
  TimeZone zone_;
  const Clock& clock_;
};

}  // namespace vireo::ris
