// What the appointment routes share (the book's and the worklist's): an appointment as JSON,
// a change's body, and the answer to a change (400 naming fields, 409 naming the conflict, or
// the appointment as it now is, noted for the audit trail).
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "net/http/http_types.hpp"
#include "ris/schedule.hpp"

namespace vireo::api {

[[nodiscard]] nlohmann::json appointment_json(const ris::AppointmentView& v);
[[nodiscard]] http::HttpResponse no_appointment();
// 409 naming the conflict's rule (and the booking in the way, when there is one).
[[nodiscard]] http::HttpResponse conflict_problem(const ris::Conflict& c);

struct Change {
  int64_t version = -1, room_id = 0, order_id = 0, radiologist_id = 0;
  std::string starts_at, reason;
};

// A change's body: the members `wanted` names, each required (but reason).
[[nodiscard]] Result<Change> read_change(const http::HttpRequest& r,
                                         std::initializer_list<const char*> wanted,
                                         std::vector<ris::FieldError>& errors);

// `what` for the audit trail: "checked in", "started the exam of"...
[[nodiscard]] http::HttpResponse answer(const http::HttpRequest& r, ris::Schedule& schedule,
                                        const Result<ris::Booked>& done, const std::string& what,
                                        int status);

}  // namespace vireo::api
