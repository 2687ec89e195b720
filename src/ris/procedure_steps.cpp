#include "ris/procedure_steps.hpp"

#include <algorithm>
#include <map>

#include "core/log.hpp"
#include "core/strings.hpp"

#include "ris/patient_rules.hpp"
#include "ris/schema.hpp"
#include "store/migrations.hpp"

namespace vireo::ris {

namespace {

// The order statuses behind each step status.
std::vector<std::string> order_states_of(const std::string& step_state) {
  if (step_state == "SCHEDULED") return {"scheduled"};
  if (step_state == "ARRIVED") return {"arrived"};
  if (step_state == "STARTED") return {"in_progress"};
  if (step_state == "COMPLETED")
    return {"acquired", "in_reading", "preliminary", "final", "released", "delivered", "amended"};
  return {};
}

std::string step_state_of(const std::string& order_state) {
  for (const char* s : kStepStates) {
    auto states = order_states_of(s);
    if (std::ranges::find(states, order_state) != states.end()) return s;
  }
  return "";
}

// The SQL condition on a.status and o.status of a workitem state (workitem_state's inverse).
std::string workitem_condition(const std::string& state, std::vector<SqlValue>& args) {
  auto in = [&](const std::vector<std::string>& states) {
    std::string list;
    for (const auto& one : states) {
      list += list.empty() ? "?" : ", ?";
      args.emplace_back(one);
    }
    return "(" + list + ")";
  };
  const std::string open = "a.status IN ('booked', 'arrived')";
  if (state == "SCHEDULED") return "(" + open + " AND o.status IN " + in({"scheduled", "arrived"}) + ")";
  if (state == "IN PROGRESS") return "(" + open + " AND o.status = 'in_progress')";
  if (state == "COMPLETED") return "(" + open + " AND o.status IN " + in(order_states_of("COMPLETED")) + ")";
  if (state == "CANCELED") {
    std::vector<std::string> live{"scheduled", "arrived", "in_progress"};
    auto done = order_states_of("COMPLETED");
    live.insert(live.end(), done.begin(), done.end());
    return "(a.status NOT IN ('booked', 'arrived') OR o.status NOT IN " + in(live) + ")";
  }
  return "";
}

bool has_wildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

constexpr const char* kColumns =
    "a.id, a.order_id, o.patient_id, o.status, a.starts_at, r.ae_title, r.name, r.modality, "
    "COALESCE(s.display_name, ''), o.accession_number, o.priority, o.reason, o.clinical_info, "
    "o.referring_physician, o.requesting_department, o.study_uid, p.family_name, p.given_name, "
    "p.middle_name, p.name_prefix, p.name_suffix, p.mrn, p.mrn_issuer, p.birth_date, p.sex, "
    "p.allergies, p.contrast_allergy, a.workitem_uid, a.status, a.cancel_reason, a.created_at, "
    "a.updated_at";

ScheduledStep step_of(const Row& r, const TimeZone& zone) {
  ScheduledStep s;
  s.appointment_id = r.integer(0);
  s.order_id = r.integer(1);
  s.patient_id = r.integer(2);
  s.state = step_state_of(r.text(3));
  s.starts_at = r.text(4);
  if (auto t = parse_instant(s.starts_at)) s.local_start = zone.local_of(*t);
  s.station_aet = r.text(5);
  s.room_name = r.text(6);
  s.modality = r.text(7);
  s.performing_physician = r.text(8);
  s.accession_number = r.text(9);
  s.priority = r.text(10);
  s.reason = r.text(11);
  s.clinical_info = r.text(12);
  s.referring_physician = r.text(13);
  s.requesting_department = r.text(14);
  s.study_instance_uid = r.text(15);
  s.name = {r.text(16), r.text(17), r.text(18), r.text(19), r.text(20)};
  s.mrn = r.text(21);
  s.mrn_issuer = r.text(22);
  s.birth_date = r.text(23);
  s.sex = r.text(24);
  s.allergies = r.text(25);
  s.contrast_allergy = r.integer(26) != 0;
  s.workitem_uid = r.text(27);
  s.appointment_status = r.text(28);
  s.order_status = r.text(3);
  s.cancel_reason = r.text(29);
  s.created_at = r.text(30);
  s.updated_at = r.text(31);
  return s;
}

}  // namespace

std::string workitem_state(const std::string& appointment_status, const std::string& order_status) {
  if (appointment_status != "booked" && appointment_status != "arrived") return "CANCELED";
  if (order_status == "scheduled" || order_status == "arrived") return "SCHEDULED";
  if (order_status == "in_progress") return "IN PROGRESS";
  if (auto done = order_states_of("COMPLETED"); std::ranges::find(done, order_status) != done.end())
    return "COMPLETED";
  return "CANCELED";
}

Result<std::unique_ptr<ProcedureSteps>> ProcedureSteps::open(Database& db, TimeZone zone) {
  if (auto s = migrate(db, "ris", migrations()); !s) return std::unexpected(s.error());
  return std::unique_ptr<ProcedureSteps>(new ProcedureSteps(db, std::move(zone)));
}

Result<bool> ProcedureSteps::own_room_only(const std::string& calling_aet) {
  if (calling_aet.empty()) return false;
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query("SELECT 1 FROM ris_rooms WHERE ae_title = ? AND worklist_own_only <> 0 AND active <> 0",
                          {calling_aet});
  if (!rows) return std::unexpected(rows.error());
  return !rows->empty();
}

Result<std::vector<ScheduledStep>> ProcedureSteps::find(const StepQuery& q) {
  const Dialect& d = db_.dialect();
  std::string where;
  std::vector<SqlValue> args;
  if (q.workitems) {
    where = "WHERE a.workitem_uid <> ''";
    const auto& states = q.workitem_states;
    if (!states.empty() && std::ranges::find(states, "*") == states.end()) {
      std::string any;
      for (const auto& state : states)
        if (auto condition = workitem_condition(state, args); !condition.empty())
          any += (any.empty() ? "" : " OR ") + condition;
      if (any.empty()) return std::vector<ScheduledStep>{};  // only states never given
      where += " AND (" + any + ")";
    }
  } else {
    std::vector<std::string> order_states;
    bool any_state = q.states.empty();
    for (const auto& state : q.states) {
      if (state == "*") any_state = true;
      auto states = order_states_of(state);
      order_states.insert(order_states.end(), states.begin(), states.end());
    }
    if (any_state) order_states = {"scheduled", "arrived"};
    if (order_states.empty()) return std::vector<ScheduledStep>{};  // only states never given here
    where = "WHERE a.status IN ('booked', 'arrived') AND o.status IN (";
    for (size_t i = 0; i < order_states.size(); ++i) {
      where += i ? ", ?" : "?";
      args.emplace_back(order_states[i]);
    }
    where += ")";
  }
  // A text key: any of its values (apart by backslashes), each equal, or a wildcard match when
  // it holds * or ?. `fold` makes a value a name key first.
  auto text = [&](const std::string& column, const std::string& value, bool fold = false) {
    std::vector<std::string> conditions;
    std::vector<SqlValue> values;
    for (auto one : split(value, '\\')) {
      one = fold ? name_key(one) : std::string(trim(one));
      if (one.empty() || one == "*") return;  // universal
      if (has_wildcard(one)) {
        conditions.push_back(d.wildcard_condition(column));
        values.emplace_back(d.wildcard_parameter(one));
      } else {
        conditions.push_back(column + " = ?");
        values.emplace_back(one);
      }
    }
    args.insert(args.end(), values.begin(), values.end());
    where += " AND (";
    for (size_t i = 0; i < conditions.size(); ++i) where += (i ? " OR " : "") + conditions[i];
    where += ")";
  };
  text("r.ae_title", q.station_aet);
  text("r.modality", q.modality);
  text("p.mrn", q.patient_id);
  text("p.mrn_issuer", q.issuer);
  text("o.accession_number", q.accession_number);
  text("o.accession_number", q.requested_procedure_id);
  text("o.study_uid", q.study_instance_uid);
  text("a.workitem_uid", q.workitem_uid);
  // The name keys are folded (case, Latin accents) as the patients' search keys are.
  text("p.family_key", q.family_name, true);
  text("p.given_key", q.given_name, true);
  if (q.appointment_id != 0) {
    where += " AND a.id = ?";
    args.emplace_back(q.appointment_id);
  }
  if (q.from) {
    where += " AND a.starts_at >= ?";
    args.emplace_back(instant_text(*q.from));
  }
  if (q.to) {
    where += " AND a.starts_at <= ?";
    args.emplace_back(instant_text(*q.to));
  }
  where += " ORDER BY a.starts_at, a.id LIMIT ? OFFSET ?";
  args.emplace_back(std::max<int64_t>(q.limit, 1));
  args.emplace_back(std::max<int64_t>(q.offset, 0));

  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto rows = (*c)->query(std::string("SELECT ") + kColumns +
                              " FROM ris_appointments a JOIN ris_orders o ON o.id = a.order_id "
                              "JOIN ris_patients p ON p.id = o.patient_id JOIN ris_rooms r ON r.id = "
                              "a.room_id LEFT JOIN ris_staff s ON s.id = a.radiologist_id " +
                              where,
                          std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  std::vector<ScheduledStep> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(step_of(r, zone_));
  if (!q.performing_physician.empty() && q.performing_physician != "*") {
    // The staff's names are free text ("Dr. Elena Serra"): the step matches when that name,
    // folded, holds the asked name's family part (its wildcards aside).
    std::string family = name_key(q.performing_physician.substr(0, q.performing_physician.find('^')));
    std::erase_if(family, [](char ch) { return ch == '*' || ch == '?'; });
    std::erase_if(out, [&](const ScheduledStep& s) {
      return name_key(s.performing_physician).find(family) == std::string::npos;
    });
  }
  if (std::ssize(*rows) >= q.limit && !q.workitems)
    spdlog::warn("modality worklist: a query matched more than {} steps; the earliest were sent", q.limit);
  // The procedures of every step found, in one query.
  std::map<int64_t, std::vector<StepProcedure>> procedures;
  for (size_t from = 0; from < out.size(); from += 500) {
    std::string in;
    std::vector<SqlValue> ids;
    for (size_t i = from; i < std::min(out.size(), from + 500); ++i) {
      in += ids.empty() ? "?" : ", ?";
      ids.emplace_back(out[i].order_id);
    }
    auto found = (*c)->query(
        "SELECT op.order_id, p.code, p.name, p.body_part FROM ris_order_procedures op JOIN "
        "ris_procedures p ON p.id = op.procedure_id WHERE op.order_id IN (" + in + ") ORDER BY op.order_id, op.position",
        std::span<const SqlValue>(ids));
    if (!found) return std::unexpected(found.error());
    for (const auto& p : *found) procedures[p.integer(0)].push_back({p.text(1), p.text(2), p.text(3)});
  }
  for (auto& s : out) s.procedures = procedures[s.order_id];
  return out;
}

}  // namespace vireo::ris
