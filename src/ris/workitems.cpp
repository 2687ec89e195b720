#include "ris/workitems.hpp"

#include <algorithm>
#include <map>

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "core/uid.hpp"
#include "ris/appointment_rows.hpp"
#include "ris/exam_steps.hpp"
#include "ris/schema.hpp"
#include "ris/schedule.hpp"
#include "ris/worklist.hpp"

namespace vireo::ris {

namespace {

using Refusal = WorkitemOutcome::Refusal;

WorkitemOutcome refused(Refusal r, std::string why) {
  WorkitemOutcome out;
  out.refusal = r;
  out.why = std::move(why);
  return out;
}

constexpr const char* kClaimColumns =
    "appointment_id, transaction_uid, performer, claimed_at, cancel_requested_at, cancel_requested_by, "
    "cancel_reason, contact_name, contact_uri";

struct Claim {
  std::string transaction_uid, performer, claimed_at, cancel_requested_at, cancel_requested_by, cancel_reason,
      contact_name, contact_uri;
};

Claim claim_of(const Row& r) {
  return {r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7), r.text(8)};
}

void add_claim(Workitem& w, const Claim& c) {
  w.performer = c.performer;
  w.claimed_at = c.claimed_at;
  w.cancel_requested_at = c.cancel_requested_at;
  w.cancel_requested_by = c.cancel_requested_by;
  w.cancel_reason = c.cancel_reason;
  w.contact_name = c.contact_name;
  w.contact_uri = c.contact_uri;
}

Result<std::optional<Claim>> read_claim(Connection& c, int64_t appointment_id) {
  auto rows = c.query(std::string("SELECT ") + kClaimColumns + " FROM ris_workitems WHERE appointment_id = ?",
                      {appointment_id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<Claim>();
  return std::optional<Claim>(claim_of((*rows)[0]));
}

// Writes the workitem's row as `claim` says, made when it is not there yet.
Status save_claim(Connection& c, int64_t appointment_id, const Claim& claim) {
  auto exists = c.query("SELECT 1 FROM ris_workitems WHERE appointment_id = ?", {appointment_id});
  if (!exists) return std::unexpected(exists.error());
  std::vector<SqlValue> args{claim.transaction_uid, claim.performer,     claim.claimed_at,
                             claim.cancel_requested_at, claim.cancel_requested_by, claim.cancel_reason.substr(0, 1024),
                             claim.contact_name.substr(0, 256), claim.contact_uri.substr(0, 1024), utc_now_iso(),
                             appointment_id};
  if (exists->empty())
    return c.execute(
        "INSERT INTO ris_workitems (transaction_uid, performer, claimed_at, cancel_requested_at, "
        "cancel_requested_by, cancel_reason, contact_name, contact_uri, updated_at, appointment_id) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        std::span<const SqlValue>(args));
  return c.execute(
      "UPDATE ris_workitems SET transaction_uid = ?, performer = ?, claimed_at = ?, cancel_requested_at = ?, "
      "cancel_requested_by = ?, cancel_reason = ?, contact_name = ?, contact_uri = ?, updated_at = ? WHERE "
      "appointment_id = ?",
      std::span<const SqlValue>(args));
}

// The booking behind a workitem UID, read inside a write job.
Result<std::optional<AppointmentView>> booking_of(Connection& c, const std::string& uid) {
  if (uid.empty()) return std::optional<AppointmentView>();
  auto found = rows::views_where(c, "WHERE a.workitem_uid = ?", {uid});
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<AppointmentView>();
  return std::optional<AppointmentView>(std::move((*found)[0]));
}

// Every exam still to be done gets its UID (those booked before workitems existed); finished
// ones stay out of the worklist.
Status fill_workitem_uids(WriteQueue& writes) {
  return writes.run<void>([](Connection& c) -> Result<void> {
    auto rows = c.query(
        "SELECT a.id FROM ris_appointments a JOIN ris_orders o ON o.id = a.order_id WHERE a.workitem_uid = '' AND "
        "a.status IN ('booked', 'arrived') AND o.status IN ('scheduled', 'arrived', 'in_progress')",
        {});
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows)
      if (auto s = c.execute("UPDATE ris_appointments SET workitem_uid = ? WHERE id = ? AND workitem_uid = ''",
                             {new_uid(), r.integer(0)});
          !s)
        return s;
    return {};
  });
}

std::string kind_of(const std::string& target) {
  return target == kGlobalWorklistUid ? "global" : target == kFilteredWorklistUid ? "filtered" : "workitem";
}

}  // namespace

Result<std::unique_ptr<Workitems>> Workitems::open(Database& db, WriteQueue& writes, const events::Outbox& outbox,
                                                   TimeZone zone, const Clock& clock, const MigrationProgress& progress) {
  if (auto s = migrate(db, "ris", migrations(), progress); !s) return std::unexpected(s.error());
  if (auto s = fill_workitem_uids(writes); !s) return std::unexpected(s.error());
  auto steps = ProcedureSteps::open(db, std::move(zone));
  if (!steps) return std::unexpected(steps.error());
  return std::unique_ptr<Workitems>(new Workitems(db, writes, outbox, std::move(*steps), clock));
}

Result<std::vector<Workitem>> Workitems::with_claims(std::vector<ScheduledStep> steps) {
  std::map<int64_t, Claim> claims;
  if (!steps.empty()) {
    auto c = readers_.acquire();
    if (!c) return std::unexpected(c.error());
    for (size_t from = 0; from < steps.size(); from += 500) {
      std::string in;
      std::vector<SqlValue> ids;
      for (size_t i = from; i < std::min(steps.size(), from + 500); ++i) {
        in += ids.empty() ? "?" : ", ?";
        ids.emplace_back(steps[i].appointment_id);
      }
      auto rows = (*c)->query(std::string("SELECT ") + kClaimColumns + " FROM ris_workitems WHERE appointment_id IN (" +
                                  in + ")",
                              std::span<const SqlValue>(ids));
      if (!rows) return std::unexpected(rows.error());
      for (const auto& r : *rows) claims[r.integer(0)] = claim_of(r);
    }
  }
  std::vector<Workitem> out;
  out.reserve(steps.size());
  for (auto& s : steps) {
    Workitem w;
    w.state = workitem_state(s.appointment_status, s.order_status);
    if (auto claim = claims.find(s.appointment_id); claim != claims.end()) add_claim(w, claim->second);
    w.step = std::move(s);
    out.push_back(std::move(w));
  }
  return out;
}

Result<std::vector<Workitem>> Workitems::find(StepQuery q) {
  q.workitems = true;
  auto steps = steps_->find(q);
  if (!steps) return std::unexpected(steps.error());
  return with_claims(std::move(*steps));
}

Result<std::optional<Workitem>> Workitems::first(StepQuery q) {
  q.limit = 1;
  auto found = find(q);
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<Workitem>();
  return std::optional<Workitem>(std::move((*found)[0]));
}

Result<std::optional<Workitem>> Workitems::get(const std::string& uid) {
  if (!is_valid_uid(uid)) return std::optional<Workitem>();
  StepQuery q;
  q.workitem_uid = uid;
  return first(std::move(q));
}

Result<std::optional<Workitem>> Workitems::of_appointment(int64_t appointment_id) {
  StepQuery q;
  q.appointment_id = appointment_id;
  return first(std::move(q));
}

Result<WorkitemOutcome> Workitems::change_state(const std::string& uid, const std::string& to,
                                                const std::string& transaction_uid, const std::string& actor) {
  if (to != "IN PROGRESS" && to != "COMPLETED" && to != "CANCELED")
    return refused(Refusal::Invalid, to == "SCHEDULED"
                                         ? "a workitem is SCHEDULED only when it is made"
                                         : "Procedure Step State is IN PROGRESS, COMPLETED or CANCELED");
  if (!is_valid_uid(transaction_uid)) return refused(Refusal::Invalid, "the Transaction UID is not a UID");
  auto done = writes_.run<WorkitemOutcome>([&](Connection& c) -> Result<WorkitemOutcome> {
    auto booking = booking_of(c, uid);
    if (!booking) return std::unexpected(booking.error());
    if (!*booking) return refused(Refusal::NotFound, "no workitem has this UID");
    AppointmentView v = std::move(**booking);
    auto claim = read_claim(c, v.appointment.id);
    if (!claim) return std::unexpected(claim.error());
    const std::string state = workitem_state(v.appointment.status, v.order_status);
    const bool holder = *claim && !(*claim)->transaction_uid.empty() && (*claim)->transaction_uid == transaction_uid;
    WorkitemOutcome out;
    if (state == to) {
      // Asked twice by its performer: done already (PS3.4 B304, B306). IN PROGRESS twice is a
      // second claim, never allowed.
      if (to != "IN PROGRESS" && holder) {
        out.warning = "the workitem is already " + to;
        return out;
      }
      return refused(Refusal::Conflict, "the workitem is already " + state);
    }
    if (state == "COMPLETED" || state == "CANCELED")
      return refused(Refusal::Conflict, "the workitem is " + state + " and may no longer change");
    const std::string by = "dicomweb:" + actor;
    if (to == "IN PROGRESS") {
      if (state != "SCHEDULED") return refused(Refusal::Conflict, "the workitem is " + state);
      if (auto day = booked_for_another_day(v, zone(), Instant{std::chrono::seconds(clock_.unix_seconds())}))
        return refused(Refusal::Conflict, "the exam is booked for " + *day + ", not today");
      if (v.order_status == "scheduled" && v.appointment.status == "booked") {
        // Begun before anyone checked the patient in: they are here.
        auto arrived = mark_arrived(c, outbox_, v, by);
        if (!arrived) return std::unexpected(arrived.error());
        v = std::move(*arrived);
      }
      if (auto s = advance_exam(c, outbox_, v, "in_progress", kExamStarted, by); !s)
        return std::unexpected(s.error());
      Claim made = claim->value_or(Claim{});
      made.transaction_uid = transaction_uid;
      made.performer = actor;
      made.claimed_at = utc_now_iso();
      if (auto s = save_claim(c, v.appointment.id, made); !s) return std::unexpected(s.error());
      return out;
    }
    // COMPLETED or CANCELED, from IN PROGRESS, by the Transaction UID that claimed it.
    if (state != "IN PROGRESS") return refused(Refusal::Conflict, "the workitem is " + state + ", not IN PROGRESS");
    if (!*claim || (*claim)->transaction_uid.empty())
      return refused(Refusal::Conflict, "the workitem was begun without a claim here, so no Transaction UID ends it");
    if (!holder) return refused(Refusal::Conflict, "the Transaction UID is not the one that claimed the workitem");
    if (to == "COMPLETED") {
      if (auto s = advance_exam(c, outbox_, v, "acquired", kExamAcquired, by); !s) return std::unexpected(s.error());
    } else {
      const std::string why = "Cancelled by its performer (" + actor + ")" +
                              ((*claim)->cancel_reason.empty() ? std::string() : ": " + (*claim)->cancel_reason);
      if (auto s = discontinue_exam(c, outbox_, v, why, by); !s) return std::unexpected(s.error());
    }
    return out;
  });
  if (!done) return std::unexpected(done.error());
  if (done->refusal == Refusal::None || done->refusal == Refusal::Conflict) {
    auto now = get(uid);
    if (!now) return std::unexpected(now.error());
    done->workitem = std::move(*now);
  }
  return done;
}

Result<WorkitemOutcome> Workitems::request_cancel(const std::string& uid, const CancelRequest& request,
                                                  const std::string& actor) {
  auto done = writes_.run<WorkitemOutcome>([&](Connection& c) -> Result<WorkitemOutcome> {
    auto booking = booking_of(c, uid);
    if (!booking) return std::unexpected(booking.error());
    if (!*booking) return refused(Refusal::NotFound, "no workitem has this UID");
    const AppointmentView& v = **booking;
    const std::string state = workitem_state(v.appointment.status, v.order_status);
    if (state == "COMPLETED" || state == "CANCELED")
      return refused(Refusal::Conflict, "the workitem is " + state + " already");
    auto claim = read_claim(c, v.appointment.id);
    if (!claim) return std::unexpected(claim.error());
    Claim asked = claim->value_or(Claim{});
    asked.cancel_requested_at = utc_now_iso();
    asked.cancel_requested_by = actor;
    asked.cancel_reason = request.reason;
    asked.contact_name = request.contact_name;
    asked.contact_uri = request.contact_uri;
    if (auto s = save_claim(c, v.appointment.id, asked); !s) return std::unexpected(s.error());
    if (auto s = outbox_.enqueue(c, {kWorkitemCancelRequested,
                                     {{"workitem", uid},
                                      {"appointment", std::to_string(v.appointment.id)},
                                      {"order", std::to_string(v.appointment.order_id)}}});
        !s)
      return std::unexpected(s.error());
    WorkitemOutcome out;
    out.appointment_version = v.appointment.version;
    return out;
  });
  if (!done) return std::unexpected(done.error());
  if (done->refusal != Refusal::NotFound) {
    auto now = get(uid);
    if (!now) return std::unexpected(now.error());
    done->workitem = std::move(*now);
  }
  return done;
}

Result<WorkitemOutcome> Workitems::check_claim(const std::string& uid, const std::string& transaction_uid) {
  if (!is_valid_uid(transaction_uid)) return refused(Refusal::Invalid, "the Transaction UID is not a UID");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  auto booking = booking_of(**c, uid);
  if (!booking) return std::unexpected(booking.error());
  if (!*booking) return refused(Refusal::NotFound, "no workitem has this UID");
  const std::string state = workitem_state((*booking)->appointment.status, (*booking)->order_status);
  if (state != "IN PROGRESS") return refused(Refusal::Conflict, "the workitem is " + state + ", not IN PROGRESS");
  auto claim = read_claim(**c, (*booking)->appointment.id);
  if (!claim) return std::unexpected(claim.error());
  if (!*claim || (*claim)->transaction_uid != transaction_uid)
    return refused(Refusal::Conflict, "the Transaction UID is not the one that claimed the workitem");
  return WorkitemOutcome{};
}

Result<WorkitemOutcome> Workitems::subscribe(const std::string& ae_title, const std::string& target,
                                             const std::string& filter, bool deletion_lock, const std::string& actor,
                                             bool tell) {
  const std::string kind = kind_of(target);
  if (kind == "workitem" && !is_valid_uid(target)) return refused(Refusal::NotFound, "no workitem has this UID");
  return writes_.run<WorkitemOutcome>([&](Connection& c) -> Result<WorkitemOutcome> {
    if (kind == "workitem") {
      auto booking = booking_of(c, target);
      if (!booking) return std::unexpected(booking.error());
      if (!*booking) return refused(Refusal::NotFound, "no workitem has this UID");
    }
    const std::string uid = kind == "workitem" ? target : std::string();
    const std::string kept_filter = kind == "filtered" ? filter : std::string();
    auto changed = c.query(
        "UPDATE ris_workitem_subscriptions SET filter = ?, deletion_lock = ?, suspended_at = '' WHERE ae_title = ? "
        "AND kind = ? AND workitem_uid = ? RETURNING id",
        {kept_filter, int64_t{deletion_lock}, ae_title, kind, uid});
    if (!changed) return std::unexpected(changed.error());
    if (changed->empty()) {
      auto held = c.query("SELECT COUNT(*) FROM ris_workitem_subscriptions WHERE created_by = ?", {actor});
      if (!held) return std::unexpected(held.error());
      if ((*held)[0].integer(0) >= kMaxSubscriptionsPerAccount)
        return refused(Refusal::Conflict, "the account holds " + std::to_string(kMaxSubscriptionsPerAccount) +
                                              " subscriptions already; unsubscribe from some first");
      if (auto s = c.execute("INSERT INTO ris_workitem_subscriptions (ae_title, kind, workitem_uid, filter, "
                             "deletion_lock, suspended_at, created_at, created_by) VALUES (?, ?, ?, ?, ?, '', ?, ?)",
                             {ae_title, kind, uid, kept_filter, int64_t{deletion_lock}, utc_now_iso(), actor});
          !s)
        return std::unexpected(s.error());
    }
    if (tell)
      if (auto s = outbox_.enqueue(c, {kWorkitemSubscribed, {{"ae", ae_title}, {"kind", kind}, {"workitem", uid}}}); !s)
        return std::unexpected(s.error());
    return WorkitemOutcome{};
  });
}

namespace {

// Refused when the AE's subscriptions of this kind were made by another account (an AE title
// is a name any caller may give: one integration must not end another's).
Result<std::optional<WorkitemOutcome>> not_theirs(Connection& c, const std::string& ae_title, const std::string& kind,
                                                  const std::string& actor, bool any_owner) {
  if (any_owner) return std::optional<WorkitemOutcome>();
  auto others = c.query(std::string("SELECT 1 FROM ris_workitem_subscriptions WHERE ae_title = ? AND created_by <> ?") +
                            (kind == "global" ? "" : " AND kind = ?"),
                        kind == "global" ? std::vector<SqlValue>{ae_title, actor}
                                         : std::vector<SqlValue>{ae_title, actor, kind});
  if (!others) return std::unexpected(others.error());
  if (others->empty()) return std::optional<WorkitemOutcome>();
  return std::optional<WorkitemOutcome>(
      refused(Refusal::Conflict, "another account subscribed this AE title; only it, or an administrator, changes that"));
}

}  // namespace

Result<WorkitemOutcome> Workitems::unsubscribe(const std::string& ae_title, const std::string& target,
                                               const std::string& actor, bool any_owner) {
  const std::string kind = kind_of(target);
  return writes_.run<WorkitemOutcome>([&](Connection& c) -> Result<WorkitemOutcome> {
    auto theirs = not_theirs(c, ae_title, kind, actor, any_owner);
    if (!theirs) return std::unexpected(theirs.error());
    if (*theirs) return **theirs;
    Status s = kind == "global"
                   ? c.execute("DELETE FROM ris_workitem_subscriptions WHERE ae_title = ?", {ae_title})
                   : c.execute("DELETE FROM ris_workitem_subscriptions WHERE ae_title = ? AND kind = ? AND workitem_uid = ?",
                               {ae_title, kind, kind == "workitem" ? target : std::string()});
    if (!s) return std::unexpected(s.error());
    return WorkitemOutcome{};
  });
}

Result<WorkitemOutcome> Workitems::suspend(const std::string& ae_title, const std::string& target,
                                           const std::string& actor, bool any_owner) {
  const std::string kind = kind_of(target);
  if (kind == "workitem") return refused(Refusal::Invalid, "only a global or filtered subscription is suspended");
  return writes_.run<WorkitemOutcome>([&](Connection& c) -> Result<WorkitemOutcome> {
    auto exists = c.query("SELECT 1 FROM ris_workitem_subscriptions WHERE ae_title = ? AND kind = ?", {ae_title, kind});
    if (!exists) return std::unexpected(exists.error());
    if (exists->empty()) return refused(Refusal::NotFound, "the AE has no such subscription");
    auto theirs = not_theirs(c, ae_title, kind, actor, any_owner);
    if (!theirs) return std::unexpected(theirs.error());
    if (*theirs) return **theirs;
    if (auto s = c.execute("UPDATE ris_workitem_subscriptions SET suspended_at = ? WHERE ae_title = ? AND kind = ? "
                           "AND suspended_at = ''",
                           {utc_now_iso(), ae_title, kind});
        !s)
      return std::unexpected(s.error());
    return WorkitemOutcome{};
  });
}

Result<std::vector<WorkitemSubscription>> Workitems::subscriptions_of(const std::vector<std::string>& ae_titles) {
  std::vector<WorkitemSubscription> out;
  if (ae_titles.empty()) return out;
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  std::string in;
  std::vector<SqlValue> args;
  for (const auto& ae : ae_titles) {
    in += args.empty() ? "?" : ", ?";
    args.emplace_back(ae);
  }
  auto rows = (*c)->query(
      "SELECT id, ae_title, kind, workitem_uid, filter, deletion_lock, suspended_at, created_at, created_by FROM "
      "ris_workitem_subscriptions WHERE ae_title IN (" + in + ") ORDER BY id",
      std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  for (const auto& r : *rows)
    out.push_back(
        {r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4), r.integer(5) != 0, r.text(6), r.text(7), r.text(8)});
  return out;
}

}  // namespace vireo::ris
