#include "ris/reading.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <tuple>

#include "core/clock.hpp"
#include "ris/appointment_rows.hpp"
#include "ris/catalogue_store.hpp"
#include "ris/order.hpp"
#include "ris/schema.hpp"

namespace vireo::ris {

namespace {

constexpr const char* kRead = "ris.worklist.read";
constexpr const char* kReport = "reporting.write";

// The exams waiting for a report, as rows of the appointments' join (rows::views_where).
constexpr const char* kWaiting =
    "WHERE a.status = 'arrived' AND o.status IN ('acquired', 'in_reading', 'preliminary')";
constexpr const char* kOrder =
    " ORDER BY CASE o.priority WHEN 'stat' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END, o.acquired_at, "
    "o.id";

template <class List>
bool one_of(const List& list, const std::string& value) {
  return std::ranges::find(list, value) != std::end(list);
}

// What the appointments' join does not carry: the procedures, who reads the exam, since when
// it waits. Two queries for a page of items.
Status complete(Connection& c, std::vector<ReadingItem>& items) {
  if (items.empty()) return {};
  std::vector<SqlValue> ids;
  for (const auto& i : items) ids.emplace_back(i.view.appointment.order_id);
  const std::string in = placeholders(ids.size());
  auto orders = c.query("SELECT id, reading_by, reading_since, acquired_at, referring_physician FROM ris_orders "
                        "WHERE id IN (" + in + ")",
                        std::span<const SqlValue>(ids));
  if (!orders) return std::unexpected(orders.error());
  std::map<int64_t, const Row*> by_order;
  for (const auto& r : *orders) by_order[r.integer(0)] = &r;
  auto procedures = c.query("SELECT op.order_id, p.name, p.modality, p.body_part, p.report_template FROM "
                            "ris_order_procedures op JOIN ris_procedures p ON p.id = op.procedure_id WHERE "
                            "op.order_id IN (" + in + ") ORDER BY op.order_id, op.position",
                            std::span<const SqlValue>(ids));
  if (!procedures) return std::unexpected(procedures.error());
  std::vector<SqlValue> room_ids;
  for (const auto& i : items) room_ids.emplace_back(i.view.appointment.room_id);
  auto rooms = c.query("SELECT id, site FROM ris_rooms WHERE id IN (" + placeholders(room_ids.size()) + ")",
                       std::span<const SqlValue>(room_ids));
  if (!rooms) return std::unexpected(rooms.error());
  auto staff = rows::staff(c);
  if (!staff) return std::unexpected(staff.error());
  auto name_of_username = [&](const std::string& username) {
    for (const auto& m : *staff)
      if (m.username == username) return m.display_name;
    return username;
  };
  for (auto& item : items) {
    const int64_t order = item.view.appointment.order_id;
    if (auto o = by_order.find(order); o != by_order.end()) {
      const Row& r = *o->second;
      item.reading_by = r.text(1);
      item.reading_since = r.text(2);
      item.waiting_since = r.text(3);
      item.referring_physician = r.text(4);
    }
    if (!item.reading_by.empty()) item.reading_by_name = name_of_username(item.reading_by);
    for (const auto& r : *rooms)
      if (r.integer(0) == item.view.appointment.room_id) item.site = r.text(1);
    for (const auto& m : *staff)
      if (m.id == item.view.reader_id) item.reader_name = m.display_name;
    for (const auto& p : *procedures) {
      if (p.integer(0) != order) continue;
      if (item.procedures.empty()) {
        item.modality = p.text(2);
        item.body_part = p.text(3);
        item.report_template = p.text(4);
      }
      item.procedures.push_back(p.text(1));
    }
  }
  return {};
}

Result<std::vector<ReadingItem>> items_where(Connection& c, const std::string& where, std::vector<SqlValue> args) {
  auto views = rows::views_where(c, where, std::move(args));
  if (!views) return std::unexpected(views.error());
  std::vector<ReadingItem> out;
  out.reserve(views->size());
  for (auto& v : *views) out.emplace_back().view = std::move(v);
  if (auto s = complete(c, out); !s) return std::unexpected(s.error());
  return out;
}

// The staff id of the account, or 0 when it is not one of the staff.
// The staff member signed in as `username` (id 0: none, who reads every modality).
Result<StaffMember> staff_of(Connection& c, const std::string& username) {
  auto staff = rows::staff(c);
  if (!staff) return std::unexpected(staff.error());
  for (auto& m : *staff)
    if (m.username == username) return std::move(m);
  return StaffMember{};
}

std::string reading_conflict(const ReadingItem& item) {
  return (item.reading_by_name.empty() ? item.reading_by : item.reading_by_name) +
         " is reading this exam; it can be opened to read once they leave it";
}

}  // namespace

namespace {

// The exam as the write just left it, its change told through the outbox as `topic`.
Result<ReadingItem> told(Connection& c, const events::Outbox& outbox, const ReadingItem& before, const char* topic) {
  if (auto s = outbox.enqueue(c, rows::appointment_event(topic, before.view)); !s) return std::unexpected(s.error());
  auto now = reading_item(c, before.view.appointment.order_id);
  if (!now) return std::unexpected(now.error());
  if (!*now) return fail(ErrorCode::Internal, "the exam just changed is not there");
  return std::move(**now);
}

}  // namespace

Result<std::unique_ptr<Reading>> Reading::open(Database& db, WriteQueue& writes, const events::Outbox& outbox,
                                               const MigrationProgress& progress) {
  if (auto s = migrate(db, "ris", migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<Reading>(new Reading(db, writes, outbox));
}

Result<std::optional<ReadingItem>> reading_item(Connection& c, int64_t order_id) {
  auto found = items_where(c, "WHERE a.status = 'arrived' AND o.id = ? ORDER BY a.id DESC LIMIT 1", {order_id});
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<ReadingItem>();
  return std::optional<ReadingItem>(std::move(found->front()));
}

// IN (...) lists of at most this many values: far below either engine's limit on parameters.
constexpr size_t kInChunk = 500;

Result<std::vector<PerformedExam>> performed_exams_of(Connection& c, const std::vector<int64_t>& patient_ids) {
  std::map<int64_t, PerformedExam> by_order;
  for (size_t from = 0; from < patient_ids.size(); from += kInChunk) {
    const size_t n = std::min(kInChunk, patient_ids.size() - from);
    std::vector<SqlValue> args(patient_ids.begin() + static_cast<std::ptrdiff_t>(from),
                               patient_ids.begin() + static_cast<std::ptrdiff_t>(from + n));
    auto rows = c.query("SELECT o.id, o.patient_id, a.starts_at FROM ris_orders o JOIN ris_appointments a ON "
                        "a.order_id = o.id AND a.status = 'arrived' WHERE o.patient_id IN (" + placeholders(n) + ")",
                        std::span<const SqlValue>(args));
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) {
      PerformedExam& e = by_order[r.integer(0)];
      e.order_id = r.integer(0);
      e.patient_id = r.integer(1);
      e.starts_at = std::max(e.starts_at, r.text(2));
    }
  }
  std::vector<PerformedExam> out;
  out.reserve(by_order.size());
  for (auto& [order, e] : by_order) out.push_back(std::move(e));
  return out;
}

Result<std::vector<ReadingItem>> reading_items(Connection& c, const std::vector<int64_t>& order_ids) {
  std::vector<ReadingItem> out;
  for (size_t from = 0; from < order_ids.size(); from += kInChunk) {
    const size_t n = std::min(kInChunk, order_ids.size() - from);
    std::vector<SqlValue> args(order_ids.begin() + static_cast<std::ptrdiff_t>(from),
                               order_ids.begin() + static_cast<std::ptrdiff_t>(from + n));
    auto found = items_where(c,
                             "WHERE o.id IN (" + placeholders(n) +
                                 ") AND a.id = (SELECT MAX(x.id) FROM ris_appointments x WHERE x.order_id = o.id AND "
                                 "x.status = 'arrived')",
                             std::move(args));
    if (!found) return std::unexpected(found.error());
    for (auto& item : *found) out.push_back(std::move(item));
  }
  std::ranges::sort(out, [](const ReadingItem& a, const ReadingItem& b) {
    return std::tie(b.view.appointment.starts_at, b.view.appointment.id) <
           std::tie(a.view.appointment.starts_at, a.view.appointment.id);
  });
  return out;
}

Result<ReadingList> Reading::worklist(const ReadingQuery& q, const access::Principal& actor) {
  if (!actor.may(kRead)) return fail(ErrorCode::Forbidden, "Your role does not read the worklists");
  if (q.scope != "mine" && q.scope != "all")
    return fail(ErrorCode::InvalidArgument, "scope is mine or all");
  if (!q.priority.empty() && !one_of(kPriorities, q.priority))
    return fail(ErrorCode::InvalidArgument, "priority is routine, urgent or stat");
  if (q.limit < 1 || q.limit > 200) return fail(ErrorCode::InvalidArgument, "limit is 1 to 200");
  if (q.offset < 0) return fail(ErrorCode::InvalidArgument, "offset is 0 or more");
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  std::string where = kWaiting;
  std::vector<SqlValue> args;
  if (q.scope == "mine") {
    // Theirs, the one they are reading, and those nobody is assigned of the modalities and at the
    // sites they read.
    auto me = staff_of(**c, actor.username);
    if (!me) return std::unexpected(me.error());
    std::string unassigned = "o.reader_id = 0";
    if (!me->reads_modalities.empty())
      unassigned += " AND o.id IN (SELECT op.order_id FROM ris_order_procedures op JOIN ris_procedures pr ON pr.id = "
                    "op.procedure_id WHERE pr.modality IN (" + placeholders(me->reads_modalities.size()) + "))";
    if (!me->reads_sites.empty())
      unassigned += " AND a.room_id IN (SELECT id FROM ris_rooms WHERE site IN (" +
                    placeholders(me->reads_sites.size()) + "))";
    where += " AND ((" + unassigned + ") OR o.reader_id = ? OR o.reading_by = ?)";
    for (const auto& code : me->reads_modalities) args.emplace_back(code);
    for (const auto& site : me->reads_sites) args.emplace_back(site);
    args.emplace_back(me->id == 0 ? int64_t{-1} : me->id);
    args.emplace_back(actor.username);
  }
  if (!q.modality.empty()) {
    where += " AND o.id IN (SELECT op.order_id FROM ris_order_procedures op JOIN ris_procedures pr ON pr.id = "
             "op.procedure_id WHERE pr.modality = ?)";
    args.emplace_back(q.modality);
  }
  if (!q.priority.empty()) {
    where += " AND o.priority = ?";
    args.emplace_back(q.priority);
  }
  ReadingList out;
  auto total = (*c)->query(
      "SELECT COUNT(*) FROM ris_appointments a JOIN ris_orders o ON o.id = a.order_id " + where,
      std::span<const SqlValue>(args));
  if (!total) return std::unexpected(total.error());
  out.total = (*total)[0].integer(0);
  args.emplace_back(q.limit);
  args.emplace_back(q.offset);
  auto items = items_where(**c, where + kOrder + " LIMIT ? OFFSET ?", std::move(args));
  if (!items) return std::unexpected(items.error());
  out.items = std::move(*items);
  return out;
}

Result<std::optional<ReadingItem>> Reading::item(int64_t order_id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return reading_item(**c, order_id);
}

Result<Claimed> Reading::claim(int64_t order_id, const access::Principal& actor) {
  if (!actor.may(kReport)) return fail(ErrorCode::Forbidden, "Only a radiologist opens an exam to report it");
  return writes_.run<Claimed>([&](Connection& c) -> Result<Claimed> {
    Claimed out;
    auto found = reading_item(c, order_id);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorCode::NotFound, "no exam of this order has been performed");
    ReadingItem& item = **found;
    const std::string& st = item.view.order_status;
    if (!one_of(kReadingStates, st)) {
      out.conflict = Conflict{"exam_state",
                              st == "final" || st == "released" || st == "delivered" || st == "amended"
                                  ? "This exam's report is signed; an addendum is written from the report"
                                  : "This exam's images are not acquired yet",
                              item.view.appointment.id};
      return out;
    }
    if (item.reading_by == actor.username) {
      out.value = std::move(item);
      return out;
    }
    if (!item.reading_by.empty()) {
      out.conflict = Conflict{"reading_claimed", reading_conflict(item), item.view.appointment.id};
      return out;
    }
    auto me = staff_of(c, actor.username);
    if (!me) return std::unexpected(me.error());
    if (item.view.reader_id != 0 && item.view.reader_id != me->id) {
      out.conflict = Conflict{"assigned_to_another",
                              "This exam is assigned to " + item.reader_name +
                                  "; whoever assigns exams can give it to you",
                              item.view.appointment.id};
      return out;
    }
    // The condition repeats what was read, so that of two claims at once only one changes the row.
    // An unassigned exam stays unassigned: on everyone's list, it says who reads it.
    const std::string now = utc_now_iso();
    auto moved = c.query(
        "UPDATE ris_orders SET status = CASE WHEN status = 'acquired' THEN 'in_reading' ELSE status END, "
        "reading_by = ?, reading_since = ?, updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ? AND "
        "reading_by = '' AND status IN ('acquired', 'in_reading', 'preliminary') RETURNING id",
        {actor.username, now, now, actor.username, order_id});
    if (!moved) return std::unexpected(moved.error());
    if (moved->empty()) {  // (another claim came first: cannot happen under the write lock, said if it does)
      out.conflict = Conflict{"reading_claimed", "Another radiologist opened this exam at the same moment",
                              item.view.appointment.id};
      return out;
    }
    auto claimed = told(c, outbox_, item, kReadingClaimed);
    if (!claimed) return std::unexpected(claimed.error());
    out.value = std::move(*claimed);
    return out;
  });
}

Result<Claimed> Reading::release(int64_t order_id, const access::Principal& actor) {
  // The reader leaves it; an administrator frees an exam its reader left open (a closed tab).
  if (!actor.may(kReport) && !actor.has_role(access::Role::Admin))
    return fail(ErrorCode::Forbidden, "Only the radiologist reading an exam, or an administrator, leaves it");
  return writes_.run<Claimed>([&](Connection& c) -> Result<Claimed> {
    Claimed out;
    auto found = reading_item(c, order_id);
    if (!found) return std::unexpected(found.error());
    if (!*found) return fail(ErrorCode::NotFound, "no exam of this order has been performed");
    ReadingItem& item = **found;
    if (item.reading_by.empty()) {
      out.value = std::move(item);
      return out;
    }
    if (item.reading_by != actor.username && !actor.has_role(access::Role::Admin)) {
      out.conflict = Conflict{"reading_claimed", reading_conflict(item), item.view.appointment.id};
      return out;
    }
    if (auto s = c.execute("UPDATE ris_orders SET status = CASE WHEN status = 'in_reading' THEN 'acquired' ELSE "
                           "status END, reading_by = '', reading_since = '', updated_at = ?, updated_by = ?, "
                           "version = version + 1 WHERE id = ?",
                           {utc_now_iso(), actor.username, order_id});
        !s)
      return std::unexpected(s.error());
    auto left = told(c, outbox_, item, kReadingReleased);
    if (!left) return std::unexpected(left.error());
    out.value = std::move(*left);
    return out;
  });
}

Status set_report_status(Connection& c, const ReadingItem& item, const char* status, const std::string& actor) {
  // A signed report ends the reading: the exam is nobody's to open any more. Each step only from
  // where it may come (a report is not signed on a cancelled order).
  const std::string to = status;
  const bool done = to == "final" || to == "amended";
  const char* from = to == "amended" ? "('final', 'amended', 'released', 'delivered')"
                                     : "('acquired', 'in_reading', 'preliminary')";
  auto moved = c.query(std::string("UPDATE ris_orders SET status = ?, reading_by = CASE WHEN ? = 1 THEN '' ELSE "
                                   "reading_by END, reading_since = CASE WHEN ? = 1 THEN '' ELSE reading_since END, "
                                   "updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ? AND status IN ") +
                           from + " RETURNING id",
                       {to, int64_t{done}, int64_t{done}, utc_now_iso(), actor, item.view.appointment.order_id});
  if (!moved) return std::unexpected(moved.error());
  if (moved->empty()) return fail(ErrorCode::StateConflict, "the exam's order is " + item.view.order_status);
  return {};
}

Result<bool> release_order(Connection& c, int64_t order_id, const std::string& actor) {
  auto moved = c.query("UPDATE ris_orders SET status = 'released', updated_at = ?, updated_by = ?, version = version + 1 "
                       "WHERE id = ? AND status = 'final' RETURNING id",
                       {utc_now_iso(), actor, order_id});
  if (!moved) return std::unexpected(moved.error());
  return !moved->empty();
}

namespace {

// The first procedure's modality of the order in the enclosing query (alias o).
constexpr const char* kFirstModality =
    "(SELECT p.modality FROM ris_order_procedures op JOIN ris_procedures p ON p.id = op.procedure_id WHERE "
    "op.order_id = o.id ORDER BY op.position LIMIT 1)";

}  // namespace

Result<std::vector<OrderTimes>> order_times(Connection& c, const std::vector<int64_t>& order_ids) {
  constexpr size_t kBatch = 500;  // ids per query: well within every engine's limit on parameters
  std::vector<OrderTimes> out;
  for (size_t at = 0; at < order_ids.size(); at += kBatch) {
    std::vector<SqlValue> ids(order_ids.begin() + static_cast<std::ptrdiff_t>(at),
                              order_ids.begin() + static_cast<std::ptrdiff_t>(std::min(order_ids.size(), at + kBatch)));
    auto rows = c.query(std::string("SELECT o.id, o.priority, ") + kFirstModality +
                            ", o.created_at, o.acquired_at FROM ris_orders o WHERE o.id IN (" +
                            placeholders(ids.size()) + ")",
                        std::span<const SqlValue>(ids));
    if (!rows) return std::unexpected(rows.error());
    for (const auto& r : *rows) out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4)});
  }
  return out;
}

Result<std::vector<PendingReading>> pending_reading(Connection& c) {
  auto rows = c.query(std::string("SELECT t.modality, t.priority, COUNT(*), MIN(t.acquired_at) FROM (SELECT COALESCE(") +
                          kFirstModality +
                          ", '') AS modality, o.priority, NULLIF(o.acquired_at, '') AS acquired_at FROM ris_orders o "
                          "WHERE o.status IN ('acquired', "
                          "'in_reading', 'preliminary')) t GROUP BY t.modality, t.priority ORDER BY t.modality, "
                          "t.priority",
                      {});
  if (!rows) return std::unexpected(rows.error());
  std::vector<PendingReading> out;
  for (const auto& r : *rows) out.push_back({r.text(0), r.text(1), r.integer(2), r.text(3)});
  return out;
}

}  // namespace vireo::ris
