#include "ris/orders.hpp"

#include <algorithm>
#include <set>

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "core/uid.hpp"
#include "ris/appointment_rows.hpp"
#include "ris/field_checks.hpp"
#include "ris/patient_rules.hpp"
#include "ris/schema.hpp"

namespace vireo::ris {

namespace {

constexpr const char* kColumns =
    "id, patient_id, accession_number, priority, reason, clinical_info, referring_physician, "
    "requesting_department, status, cancel_reason, version, created_at, created_by, updated_at, "
    "study_uid";

Order order_of(const Row& r) {
  Order o;
  o.id = r.integer(0);
  o.patient_id = r.integer(1);
  o.accession_number = r.text(2);
  o.priority = r.text(3);
  o.reason = r.text(4);
  o.clinical_info = r.text(5);
  o.referring_physician = r.text(6);
  o.requesting_department = r.text(7);
  o.status = r.text(8);
  o.cancel_reason = r.text(9);
  o.version = r.integer(10);
  o.created_at = r.text(11);
  o.created_by = r.text(12);
  o.updated_at = r.text(13);
  o.study_instance_uid = r.text(14);
  return o;
}

Result<std::vector<Order>> orders_where(Connection& c, const std::string& where,
                                        std::vector<SqlValue> args) {
  auto rows = c.query(std::string("SELECT ") + kColumns + " FROM ris_orders " + where,
                      std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  std::vector<Order> out;
  for (const auto& r : *rows) {
    Order o = order_of(r);
    auto steps = c.query(
        "SELECT procedure_id FROM ris_order_procedures WHERE order_id = ? ORDER BY position",
        {o.id});
    if (!steps) return std::unexpected(steps.error());
    for (const auto& s : *steps) o.procedure_ids.push_back(s.integer(0));
    out.push_back(std::move(o));
  }
  return out;
}

Result<std::optional<Order>> read_order(Connection& c, int64_t id) {
  auto found = orders_where(c, "WHERE id = ?", {id});
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<Order>();
  return std::optional<Order>(std::move(found->front()));
}

OrderFields tidy(OrderFields f) {
  for (std::string* s : {&f.priority, &f.reason, &f.clinical_info, &f.referring_physician,
                         &f.requesting_department, &f.accession_number})
    *s = std::string(trim(*s));
  return f;
}

std::vector<FieldError> validate(const OrderFields& f) {
  checks::Checker c;
  if (f.patient_id <= 0) c.add("patientId", "required", "The patient is required");
  if (f.procedure_ids.empty())
    c.add("procedureIds", "required", "At least one procedure is required");
  else if (f.procedure_ids.size() > 5)
    c.add("procedureIds", "too_long", "At most 5 procedures in one order");
  else if (std::set(f.procedure_ids.begin(), f.procedure_ids.end()).size() !=
           f.procedure_ids.size())
    c.add("procedureIds", "format", "A procedure is listed twice");
  if (std::ranges::none_of(kPriorities, [&](const char* p) { return f.priority == p; }))
    c.add("priority", "unknown", "The priority is routine, urgent or stat");
  if (f.reason.empty()) c.add("reason", "required", "The reason for the exam is required");
  c.text("reason", "The reason", f.reason, 1024, true);
  c.text("clinicalInfo", "The clinical information", f.clinical_info, 4000, true);
  c.dicom_text("referringPhysician", "The referring physician", f.referring_physician, true);
  c.dicom_text("requestingDepartment", "The requesting department", f.requesting_department, false);
  // DICOM's Accession Number is an SH: at most 16 characters.
  if (c.text("accessionNumber", "The accession number", f.accession_number, 16))
    c.dicom_text("accessionNumber", "The accession number", f.accession_number, false);
  if (!f.study_instance_uid.empty() && !is_valid_uid(f.study_instance_uid))
    c.add("studyInstanceUid", "format", "A Study Instance UID is digits and dots, 64 at most");
  return c.errors;
}

// Whether the patient and every procedure exist (and the procedures are offered), in the job.
Result<std::vector<FieldError>> references(Connection& c, const OrderFields& f) {
  std::vector<FieldError> out;
  auto patient = c.query("SELECT merged_into FROM ris_patients WHERE id = ?", {f.patient_id});
  if (!patient) return std::unexpected(patient.error());
  if (patient->empty())
    out.push_back({"patientId", "unknown", "There is no such patient"});
  else if ((*patient)[0].integer(0) != 0)
    out.push_back({"patientId", "merged",
                   "This patient was merged into patient " +
                       std::to_string((*patient)[0].integer(0)) + ": order for that one"});
  std::set<std::string> modalities;
  for (int64_t id : f.procedure_ids) {
    auto p = c.query("SELECT active, modality FROM ris_procedures WHERE id = ?", {id});
    if (!p) return std::unexpected(p.error());
    if (p->empty() || (*p)[0].integer(0) == 0) {
      out.push_back({"procedureIds", "unknown",
                     "Procedure " + std::to_string(id) + " is not in the catalogue (or retired)"});
      return out;
    }
    modalities.insert((*p)[0].text(1));
  }
  // The steps of one order are done together in one room, so on one kind of scanner; a CT
  // and an MR are two orders (each with its accession number and worklist entry).
  if (modalities.size() > 1)
    out.push_back({"procedureIds", "modalities",
                   "Procedures of different modalities need an order each (one per scanner)"});
  return out;
}

Result<std::string> next_accession(Connection& c, const OrderOptions& o) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    auto n = c.query(
        "INSERT INTO ris_counters (name, value) VALUES ('accession', 1) ON CONFLICT (name) DO "
        "UPDATE SET value = ris_counters.value + 1 RETURNING value",
        {});
    if (!n) return std::unexpected(n.error());
    std::string number =
        expand_mrn_pattern(o.accession_pattern, (*n)[0].integer(0), utc_now_iso().substr(0, 4));
    auto taken = c.query("SELECT 1 FROM ris_orders WHERE accession_number = ?", {number});
    if (!taken) return std::unexpected(taken.error());
    if (taken->empty()) return number;
  }
  return fail(ErrorCode::Internal,
              "the accession pattern made 1000 numbers already taken; check accession_pattern");
}

// The keys of orders made before they were kept (migration 8): once, at the first start after,
// a few thousand orders a write job so that other writers are not held for long.
Status fill_referring_keys(WriteQueue& writes) {
  constexpr int64_t kBatch = 5000;
  int64_t after = 0;
  for (;;) {
    auto last = writes.run<int64_t>([&](Connection& c) -> Result<int64_t> {
      auto rows = c.query(
          "SELECT id, referring_physician FROM ris_orders WHERE referring_key = '' AND "
          "referring_physician <> '' AND id > ? ORDER BY id LIMIT ?",
          {after, kBatch});
      if (!rows) return std::unexpected(rows.error());
      int64_t seen = 0;
      for (const auto& r : *rows) {
        if (auto s = c.execute("UPDATE ris_orders SET referring_key = ? WHERE id = ?",
                               {physician_key(r.text(1)), r.integer(0)});
            !s)
          return std::unexpected(s.error());
        seen = r.integer(0);
      }
      return std::ssize(*rows) < kBatch ? int64_t{0} : seen;
    });
    if (!last) return std::unexpected(last.error());
    if (*last == 0) return {};
    after = *last;
  }
}

// The Study Instance UIDs of orders made before they were chosen (migration 10), as above: only
// for orders whose images are still to come (an acquired order's study has the scanner's UID,
// found by its accession number), and only where no other node has just given one.
Status fill_study_uids(WriteQueue& writes) {
  constexpr int64_t kBatch = 5000;
  for (;;) {
    auto filled = writes.run<int64_t>([&](Connection& c) -> Result<int64_t> {
      auto rows = c.query(
          "SELECT id FROM ris_orders WHERE study_uid = '' AND status IN ('requested', 'scheduled', "
          "'arrived', 'no_show') ORDER BY id LIMIT ?",
          {kBatch});
      if (!rows) return std::unexpected(rows.error());
      for (const auto& r : *rows)
        if (auto s = c.execute("UPDATE ris_orders SET study_uid = ? WHERE id = ? AND study_uid = ''",
                               {new_uid(), r.integer(0)});
            !s)
          return std::unexpected(s.error());
      return std::ssize(*rows);
    });
    if (!filled) return std::unexpected(filled.error());
    if (*filled < kBatch) return {};
  }
}

events::Event event_of(const char* topic, const Order& o) {
  return {topic,
          {{"order", std::to_string(o.id)},
           {"accession", o.accession_number},
           {"patient", std::to_string(o.patient_id)}}};
}

}  // namespace

std::string accession_pattern_problem(std::string_view pattern) {
  return number_pattern_problem(pattern, 16, "accession numbers");
}

Result<std::unique_ptr<Orders>> Orders::open(Database& db, WriteQueue& writes,
                                             const events::Outbox& outbox, OrderOptions options,
                                             const MigrationProgress& progress) {
  if (auto problem = accession_pattern_problem(options.accession_pattern); !problem.empty())
    return fail(ErrorCode::InvalidArgument,
                "accession_pattern \"" + options.accession_pattern + "\": " + problem);
  if (auto s = migrate(db, "ris", migrations(), progress); !s) return std::unexpected(s.error());
  if (auto s = fill_referring_keys(writes); !s) return std::unexpected(s.error());
  if (auto s = fill_study_uids(writes); !s) return std::unexpected(s.error());
  return std::unique_ptr<Orders>(new Orders(db, writes, outbox, std::move(options)));
}

Result<Checked<Order>> Orders::create(const OrderFields& typed, const std::string& actor) {
  Checked<Order> out;
  OrderFields f = tidy(typed);
  out.invalid = validate(f);
  if (!out.invalid.empty()) return out;
  return writes_.run<Checked<Order>>([&](Connection& c) -> Result<Checked<Order>> {
    auto missing = references(c, f);
    if (!missing) return std::unexpected(missing.error());
    if (!missing->empty()) {
      out.invalid = std::move(*missing);
      return out;
    }
    if (!f.accession_number.empty()) {
      auto taken =
          c.query("SELECT 1 FROM ris_orders WHERE accession_number = ?", {f.accession_number});
      if (!taken) return std::unexpected(taken.error());
      if (!taken->empty()) {
        out.invalid.push_back(
            {"accessionNumber", "taken", "Another order has this accession number"});
        return out;
      }
    }
    auto accession = f.accession_number.empty() ? next_accession(c, options_)
                                                : Result<std::string>(f.accession_number);
    if (!accession) return std::unexpected(accession.error());
    const std::string now = utc_now_iso();
    auto made = c.query(
        "INSERT INTO ris_orders (patient_id, accession_number, priority, reason, clinical_info, "
        "referring_physician, requesting_department, status, cancel_reason, version, created_at, "
        "created_by, updated_at, updated_by, referring_key, study_uid) VALUES (?, ?, ?, ?, ?, ?, "
        "?, 'requested', '', 1, ?, ?, ?, ?, ?, ?) RETURNING id",
        {f.patient_id, *accession, f.priority, f.reason, f.clinical_info, f.referring_physician,
         f.requesting_department, now, actor, now, actor, physician_key(f.referring_physician),
         f.study_instance_uid.empty() ? new_uid() : f.study_instance_uid});
    if (!made) return std::unexpected(made.error());
    int64_t id = (*made)[0].integer(0);
    for (size_t i = 0; i < f.procedure_ids.size(); ++i)
      if (auto s = c.execute("INSERT INTO ris_order_procedures (order_id, position, procedure_id) "
                             "VALUES (?, ?, ?)",
                             {id, static_cast<int64_t>(i), f.procedure_ids[i]});
          !s)
        return std::unexpected(s.error());
    auto saved = read_order(c, id);
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(**saved);
    if (auto s = outbox_.enqueue(c, event_of(kOrderCreated, out.value)); !s)
      return std::unexpected(s.error());
    return out;
  });
}

Result<Checked<Order>> Orders::cancel(int64_t id, int64_t seen_version, const std::string& typed,
                                      const std::string& actor) {
  Checked<Order> out;
  const std::string reason(trim(typed));
  checks::Checker check;
  if (reason.empty()) check.add("reason", "required", "Say why the order is cancelled");
  check.text("reason", "The reason", reason, 200);
  out.invalid = std::move(check.errors);
  if (!out.invalid.empty()) return out;
  return writes_.run<Checked<Order>>([&](Connection& c) -> Result<Checked<Order>> {
    auto current = read_order(c, id);
    if (!current) return std::unexpected(current.error());
    if (!*current) return fail(ErrorCode::NotFound, "no such order");
    if ((*current)->version != seen_version)
      return fail(ErrorCode::AlreadyExists,
                  "the order was changed by someone else since it was opened (version " +
                      std::to_string((*current)->version) + "); reload it");
    if (const std::string& st = (*current)->status;
        st != "requested" && st != "scheduled" && st != "no_show")
      return fail(ErrorCode::StateConflict, "an order that is " + st +
                                                " cannot be cancelled (only requested, scheduled "
                                                "or missed ones)");
    if (auto s = c.execute(
            "UPDATE ris_orders SET status = 'cancelled', cancel_reason = ?, updated_at = ?, "
            "updated_by = ?, version = version + 1 WHERE id = ? AND version = ?",
            {reason, utc_now_iso(), actor, id, seen_version});
        !s)
      return std::unexpected(s.error());
    // Its booking goes with it, so that the room is free again, and says so as a cancelled
    // booking does.
    auto freed = c.query(
        "UPDATE ris_appointments SET status = 'cancelled', cancel_reason = ?, updated_at = ?, "
        "updated_by = ?, version = version + 1 WHERE order_id = ? AND status = 'booked' "
        "RETURNING id, room_id",
        {reason, utc_now_iso(), actor, id});
    if (!freed) return std::unexpected(freed.error());
    auto saved = read_order(c, id);
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(**saved);
    for (const auto& a : *freed)
      if (auto s = outbox_.enqueue(c, {kAppointmentCancelled,
                                       {{"appointment", std::to_string(a.integer(0))},
                                        {"order", std::to_string(id)},
                                        {"accession", out.value.accession_number},
                                        {"room", std::to_string(a.integer(1))},
                                        {"patient", std::to_string(out.value.patient_id)}}});
          !s)
        return std::unexpected(s.error());
    if (auto s =
            rows::close_requests(c, id, 0, "The order was cancelled: " + reason, actor, outbox_);
        !s)
      return std::unexpected(s.error());
    if (auto s = outbox_.enqueue(c, event_of(kOrderCancelled, out.value)); !s)
      return std::unexpected(s.error());
    return out;
  });
}

Result<std::optional<Order>> Orders::get(int64_t id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return read_order(**c, id);
}

Result<std::vector<Order>> Orders::of_patient(int64_t patient_id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return orders_where(**c, "WHERE patient_id = ? ORDER BY id DESC LIMIT 500", {patient_id});
}

std::string physician_key(std::string_view name) {
  static const std::set<std::string, std::less<>> kTitles = {
      "DR",  "DRA", "DOCTOR", "DOCTORA", "PROF", "PROFESSOR", "MD",
      "PHD", "MR",  "MRS",    "MS",      "SR",   "SRA"};
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    std::string key = name_key(word);
    std::erase_if(key, [](char c) { return c == '.'; });
    if (!key.empty() && !kTitles.contains(key)) words.push_back(std::move(key));
    word.clear();
  };
  for (char c : name) {
    if (c == ' ' || c == '^' || c == ',' || c == '=' || c == '\t')
      flush();
    else
      word += c;
  }
  flush();
  std::ranges::sort(words);
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

Result<std::vector<Referral>> Orders::referrals(std::string_view physician, bool open_only,
                                                int64_t limit) {
  // A name of one word ("SMITH", "Dr. Smith") would name too many physicians: an account must
  // carry the whole name for its rows to be found.
  const std::string key = physician_key(physician);
  if (key.find(' ') == std::string::npos) return std::vector<Referral>{};
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  Connection& db = **c;
  auto orders = orders_where(
      db,
      std::string("WHERE referring_key = ?") +
          (open_only ? " AND status NOT IN ('cancelled', 'preliminary', 'final', 'released', "
                       "'delivered', 'amended')"
                     : "") +
          " ORDER BY id DESC LIMIT ?",
      {key, limit});
  if (!orders) return std::unexpected(orders.error());
  std::vector<Referral> out;
  for (auto& o : *orders) {
    Referral r;
    auto patient = db.query(
        "SELECT family_name, given_name, mrn, birth_date, sex, contrast_allergy, mrn_issuer FROM "
        "ris_patients WHERE id = ?",
        {o.patient_id});
    if (!patient) return std::unexpected(patient.error());
    if (!patient->empty()) {
      const Row& p = (*patient)[0];
      r.patient_name = p.text(1).empty() ? p.text(0) : p.text(0) + ", " + p.text(1);
      r.mrn = p.text(2);
      r.birth_date = p.text(3);
      r.sex = p.text(4);
      r.contrast_allergy = p.integer(5) != 0;
      r.mrn_issuer = p.text(6);
    }
    for (int64_t id : o.procedure_ids) {
      auto name = db.query("SELECT name FROM ris_procedures WHERE id = ?", {id});
      if (!name) return std::unexpected(name.error());
      r.procedures.push_back(name->empty() ? std::string() : (*name)[0].text(0));
    }
    auto booking = db.query(
        "SELECT a.starts_at, a.status, r.name FROM ris_appointments a JOIN ris_rooms r ON r.id = "
        "a.room_id WHERE a.order_id = ? ORDER BY a.id DESC LIMIT 1",
        {o.id});
    if (!booking) return std::unexpected(booking.error());
    if (!booking->empty()) {
      r.starts_at = (*booking)[0].text(0);
      r.appointment_status = (*booking)[0].text(1);
      r.room = (*booking)[0].text(2);
    }
    auto request = db.query(
        "SELECT status, decline_reason FROM ris_appointment_requests WHERE order_id = ? ORDER BY "
        "id DESC LIMIT 1",
        {o.id});
    if (!request) return std::unexpected(request.error());
    if (!request->empty()) {
      r.request_status = (*request)[0].text(0);
      r.request_decline_reason = (*request)[0].text(1);
    }
    r.order = std::move(o);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace vireo::ris
