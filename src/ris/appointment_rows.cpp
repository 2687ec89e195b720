#include "ris/appointment_rows.hpp"

#include "core/clock.hpp"
#include "ris/schedule.hpp"

namespace vireo::ris::rows {

namespace {

constexpr const char* kViewColumns =
    "a.id, a.order_id, a.room_id, a.starts_at, a.ends_at, a.radiologist_id, a.technician_id, "
    "a.status, a.cancel_reason, a.arrived_at, a.version, a.created_at, a.created_by, "
    "a.updated_at, o.accession_number, o.priority, o.status, o.reason, o.clinical_info, "
    "o.patient_id, p.family_name, p.given_name, p.mrn, p.birth_date, p.sex, p.contrast_allergy, "
    "o.reader_id, o.study_uid, o.images_at";

AppointmentView view_of(const Row& r) {
  AppointmentView v;
  Appointment& a = v.appointment;
  a.id = r.integer(0);
  a.order_id = r.integer(1);
  a.room_id = r.integer(2);
  a.starts_at = r.text(3);
  a.ends_at = r.text(4);
  a.radiologist_id = r.integer(5);
  a.technician_id = r.integer(6);
  a.status = r.text(7);
  a.cancel_reason = r.text(8);
  a.arrived_at = r.text(9);
  a.version = r.integer(10);
  a.created_at = r.text(11);
  a.created_by = r.text(12);
  a.updated_at = r.text(13);
  v.accession_number = r.text(14);
  v.priority = r.text(15);
  v.order_status = r.text(16);
  v.reason = r.text(17);
  v.clinical_info = r.text(18);
  v.patient_id = r.integer(19);
  v.patient_name = r.text(20) + ", " + r.text(21);
  v.mrn = r.text(22);
  v.birth_date = r.text(23);
  v.sex = r.text(24);
  v.contrast_allergy = r.integer(25) != 0;
  v.reader_id = r.integer(26);
  v.study_uid = r.text(27);
  v.images_at = r.text(28);
  return v;
}

}  // namespace

Result<std::vector<AppointmentView>> views_where(Connection& c, const std::string& where,
                                                 std::vector<SqlValue> args) {
  auto rows = c.query(std::string("SELECT ") + kViewColumns +
                          " FROM ris_appointments a JOIN ris_orders o ON o.id = a.order_id JOIN "
                          "ris_patients p ON p.id = o.patient_id " +
                          where,
                      std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  std::vector<AppointmentView> out;
  for (const auto& r : *rows) out.push_back(view_of(r));
  for (auto& v : out) {
    auto steps = c.query(
        "SELECT procedure_id FROM ris_order_procedures WHERE order_id = ? ORDER BY position",
        {v.appointment.order_id});
    if (!steps) return std::unexpected(steps.error());
    for (const auto& s : *steps) v.procedure_ids.push_back(s.integer(0));
  }
  return out;
}

Result<std::optional<AppointmentView>> read_view(Connection& c, int64_t id) {
  auto found = views_where(c, "WHERE a.id = ?", {id});
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<AppointmentView>();
  return std::optional<AppointmentView>(std::move(found->front()));
}

Result<void> set_order_status(Connection& c, int64_t order_id, const char* status,
                              const std::string& actor) {
  // acquired_at: since when the exam waits for its report (the reading worklist's order).
  const std::string now = utc_now_iso();
  return c.execute(
      "UPDATE ris_orders SET status = ?, acquired_at = CASE WHEN ? = 'acquired' AND acquired_at = "
      "'' THEN ? ELSE acquired_at END, updated_at = ?, updated_by = ?, version = version + 1 "
      "WHERE id = ?",
      {status, status, now, now, actor, order_id});
}

events::Event appointment_event(const char* topic, const AppointmentView& v) {
  return {topic,
          {{"appointment", std::to_string(v.appointment.id)},
           {"order", std::to_string(v.appointment.order_id)},
           {"accession", v.accession_number},
           {"room", std::to_string(v.appointment.room_id)},
           {"patient", std::to_string(v.patient_id)}}};
}

Status close_requests(Connection& c, int64_t order_id, int64_t appointment_id,
                      const std::string& reason, const std::string& actor,
                      const events::Outbox& outbox) {
  auto closed = c.query(
      "UPDATE ris_appointment_requests SET status = ?, decline_reason = ?, appointment_id = ?, "
      "updated_at = ?, updated_by = ?, version = version + 1 WHERE order_id = ? AND status = "
      "'pending' RETURNING id, patient_id",
      {std::string(appointment_id ? "confirmed" : "declined"), reason, appointment_id,
       utc_now_iso(), actor, order_id});
  if (!closed) return std::unexpected(closed.error());
  for (const auto& r : *closed)
    if (auto s = outbox.enqueue(c, {appointment_id ? kRequestConfirmed : kRequestDeclined,
                                    {{"request", std::to_string(r.integer(0))},
                                     {"order", std::to_string(order_id)},
                                     {"patient", std::to_string(r.integer(1))}}});
        !s)
      return s;
  return {};
}

Status reopen_requests(Connection& c, int64_t appointment_id, const std::string& actor,
                       const events::Outbox& outbox) {
  auto opened = c.query(
      "UPDATE ris_appointment_requests SET status = 'pending', appointment_id = 0, updated_at = ?, "
      "updated_by = ?, version = version + 1 WHERE appointment_id = ? AND status = 'confirmed' "
      "RETURNING id, order_id, patient_id",
      {utc_now_iso(), actor, appointment_id});
  if (!opened) return std::unexpected(opened.error());
  for (const auto& r : *opened)
    if (auto s = outbox.enqueue(c, {kRequestReopened,
                                    {{"request", std::to_string(r.integer(0))},
                                     {"order", std::to_string(r.integer(1))},
                                     {"patient", std::to_string(r.integer(2))}}});
        !s)
      return s;
  return {};
}

}  // namespace vireo::ris::rows
