#include "api/rest/appointment_answers.hpp"

#include "api/rest/ris_json.hpp"

namespace vireo::api {

using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;
using ris_json::dump;
using ris_json::invalid;

json appointment_json(const ris::AppointmentView& v) {
  const ris::Appointment& a = v.appointment;
  return {{"id", a.id},
          {"orderId", a.order_id},
          {"roomId", a.room_id},
          {"startsAt", a.starts_at},
          {"endsAt", a.ends_at},
          {"radiologistId", a.radiologist_id},
          {"technicianId", a.technician_id},
          {"status", a.status},
          {"cancelReason", a.cancel_reason},
          {"arrivedAt", a.arrived_at},
          {"version", a.version},
          {"createdAt", a.created_at},
          {"createdBy", a.created_by},
          {"updatedAt", a.updated_at},
          {"accessionNumber", v.accession_number},
          {"priority", v.priority},
          {"orderStatus", v.order_status},
          {"reason", v.reason},
          {"clinicalInfo", v.clinical_info},
          {"procedureIds", v.procedure_ids},
          {"readerId", v.reader_id},
          {"studyInstanceUid", v.study_uid},
          {"imagesAt", v.images_at},
          {"patient",
           {{"id", v.patient_id},
            {"name", v.patient_name},
            {"mrn", v.mrn},
            {"birthDate", v.birth_date},
            {"sex", v.sex},
            {"contrastAllergy", v.contrast_allergy}}}};
}

HttpResponse conflict_problem(const ris::Conflict& c) {
  json conflict = {{"rule", c.rule}};
  if (c.appointment_id != 0) conflict["appointmentId"] = c.appointment_id;
  return ris_json::problem_with(409, c.message, c.message, "conflict", conflict);
}

HttpResponse no_appointment() {
  return http::problem(Error{ErrorCode::NotFound, "no such appointment"});
}

// The answer to a change: 400 naming fields, 409 naming the conflict, or the appointment.
HttpResponse answer(const HttpRequest& r, ris::Schedule& schedule, const Result<ris::Booked>& done,
                    const std::string& what, int status) {
  if (!done && done.error().code == ErrorCode::NotFound)
    return http::problem(Error{ErrorCode::NotFound, done.error().detail});
  if (!done) return http::problem(done.error());
  if (!done->invalid.empty()) return invalid(done->invalid);
  if (done->conflict) return conflict_problem(*done->conflict);
  auto view = schedule.get(done->value.id);
  if (!view) return http::problem(view.error());
  if (!*view) return no_appointment();
  r.audit.patient_id = (*view)->mrn;
  r.audit.detail = what + " appointment " + std::to_string(done->value.id) + " (accession " +
                   (*view)->accession_number + ")";
  return http::json_response(status, dump(appointment_json(**view)));
}

// A change's body: the members `wanted` names, each required.
Result<Change> read_change(const HttpRequest& r, std::initializer_list<const char*> wanted,
                           std::vector<ris::FieldError>& errors) {
  auto body = ris_json::object_body(r, ris_json::kMaxFormBody, "an appointment change");
  if (!body) return std::unexpected(body.error());
  ris_json::Reader in(*body, errors);
  Change c;
  for (std::string_view name : wanted) {
    if (name == "version") in.integer("version", c.version);
    if (name == "roomId") in.integer("roomId", c.room_id);
    if (name == "orderId") in.integer("orderId", c.order_id);
    if (name == "startsAt") in.text("startsAt", c.starts_at);
    if (name == "reason") in.text("reason", c.reason);
    if (name == "radiologistId") in.integer("radiologistId", c.radiologist_id);
    if (!body->contains(std::string(name)) && name != "reason")
      errors.push_back({std::string(name), "required", std::string(name) + " is required"});
  }
  if (auto s = in.no_unknown_members(); !s) return std::unexpected(s.error());
  return c;
}

}  // namespace vireo::api
