#include "ris/catalogue_store.hpp"

#include <algorithm>
#include <tuple>

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "ris/catalogue_rules.hpp"
#include "ris/schema.hpp"

namespace vireo::ris {

namespace {

constexpr const char* kProcedureColumns =
    "code, name, modality, body_part, duration_minutes, preparation, consent_types, "
    "report_template, price_cents, needs_radiologist, needs_contrast_technician, daily_limit, "
    "active";

std::vector<SqlValue> procedure_values(const ProcedureFields& p) {
  return {p.code,
          p.name,
          p.modality,
          p.body_part,
          p.duration_minutes,
          p.preparation,
          join(p.consent_types, ','),
          p.report_template,
          p.price_cents,
          int64_t{p.needs_radiologist},
          int64_t{p.needs_contrast_technician},
          p.daily_limit,
          int64_t{p.active}};
}

Procedure procedure_of(const Row& r) {
  Procedure p;
  p.id = r.integer(0);
  p.code = r.text(1);
  p.name = r.text(2);
  p.modality = r.text(3);
  p.body_part = r.text(4);
  p.duration_minutes = r.integer(5);
  p.preparation = r.text(6);
  for (auto t : split(r.text(7), ','))
    if (!t.empty()) p.consent_types.emplace_back(t);
  p.report_template = r.text(8);
  p.price_cents = r.integer(9);
  p.needs_radiologist = r.integer(10) != 0;
  p.needs_contrast_technician = r.integer(11) != 0;
  p.daily_limit = r.integer(12);
  p.active = r.integer(13) != 0;
  p.version = r.integer(14);
  p.updated_at = r.text(15);
  return p;
}

const std::string kSelectProcedure =
    std::string("SELECT id, ") + kProcedureColumns + ", version, updated_at FROM ris_procedures";

Result<std::optional<Procedure>> read_procedure(Connection& c, int64_t id) {
  auto rows = c.query(kSelectProcedure + " WHERE id = ?", {id});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::optional<Procedure>();
  return std::optional<Procedure>(procedure_of(rows->front()));
}

// Whether another row than `id` already has `value` in `column` (a code, a room's name).
Result<bool> taken(Connection& c, const char* table, const char* column, const std::string& value,
                   int64_t id) {
  auto rows = c.query(
      std::string("SELECT 1 FROM ") + table + " WHERE " + column + " = ? AND id <> ?", {value, id});
  if (!rows) return std::unexpected(rows.error());
  return !rows->empty();
}

Error stale(const char* what, int64_t version) {
  return Error{ErrorCode::AlreadyExists,
               std::string("the ") + what +
                   " was changed by someone else since it was opened (version " +
                   std::to_string(version) + "); reload it and make the change again"};
}

Result<std::vector<OpeningInterval>> hours_of(Connection& c, int64_t room) {
  auto rows = c.query(
      "SELECT weekday, opens, closes FROM ris_room_hours WHERE room_id = ? ORDER BY weekday, opens",
      {room});
  if (!rows) return std::unexpected(rows.error());
  std::vector<OpeningInterval> out;
  for (const auto& r : *rows) out.push_back({static_cast<int>(r.integer(0)), r.text(1), r.text(2)});
  return out;
}

Result<std::vector<Room>> rooms_where(Connection& c, const std::string& where,
                                      std::vector<SqlValue> args) {
  auto rows = c.query(
      "SELECT id, name, modality, ae_title, active, version, updated_at, buffer_minutes, worklist_own_only, site "
      "FROM ris_rooms " +
          where + " ORDER BY name, id",
      std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  std::vector<Room> out;
  for (const auto& r : *rows) {
    Room room;
    room.id = r.integer(0);
    room.name = r.text(1);
    room.modality = r.text(2);
    room.ae_title = r.text(3);
    room.active = r.integer(4) != 0;
    room.version = r.integer(5);
    room.updated_at = r.text(6);
    room.buffer_minutes = r.integer(7);
    room.worklist_own_only = r.integer(8) != 0;
    room.site = r.text(9);
    auto hours = hours_of(c, room.id);
    if (!hours) return std::unexpected(hours.error());
    room.hours = std::move(*hours);
    out.push_back(std::move(room));
  }
  return out;
}

Result<std::vector<Closure>> closures_where(Connection& c, int64_t room_id, const std::string& from,
                                            const std::string& to) {
  std::string sql =
      "SELECT id, room_id, starts_on, ends_on, reason, created_by FROM ris_closures WHERE "
      "ends_on >= ? AND starts_on <= ?";
  std::vector<SqlValue> args{from, to};
  if (room_id != 0) {
    sql += " AND room_id IN (0, ?)";
    args.emplace_back(room_id);
  }
  auto rows = c.query(sql + " ORDER BY starts_on, id", std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  std::vector<Closure> out;
  for (const auto& r : *rows)
    out.push_back(
        Closure{{r.integer(1), r.text(2), r.text(3), r.text(4)}, r.integer(0), r.text(5)});
  return out;
}

constexpr const char* kStaffColumns =
    "id, username, display_name, radiologist, contrast_technician, active, version, updated_at, reads_modalities, "
    "reads_sites";

Result<std::vector<StaffMember>> staff_where(Connection& c, const std::string& where,
                                             std::vector<SqlValue> args) {
  auto rows = c.query(std::string("SELECT ") + kStaffColumns + " FROM ris_staff " + where +
                          " ORDER BY display_name, id",
                      std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  std::vector<StaffMember> out;
  for (const auto& r : *rows) {
    StaffMember m;
    m.id = r.integer(0);
    m.username = r.text(1);
    m.display_name = r.text(2);
    m.radiologist = r.integer(3) != 0;
    m.contrast_technician = r.integer(4) != 0;
    m.active = r.integer(5) != 0;
    m.version = r.integer(6);
    m.updated_at = r.text(7);
    for (const auto& code : split(r.text(8), ','))
      if (!code.empty()) m.reads_modalities.emplace_back(code);
    for (const auto& site : split(r.text(9), '\n'))
      if (!site.empty()) m.reads_sites.emplace_back(site);
    out.push_back(std::move(m));
  }
  return out;
}

// How many appointments are booked from now on where `column` is `id` (a room, a person).
Result<int64_t> booked_from_now(Connection& c, const char* column, int64_t id) {
  auto n = c.query(std::string("SELECT COUNT(*) FROM ris_appointments WHERE status = 'booked' AND "
                               "starts_at >= ? AND ") +
                       column + " = ?",
                   {utc_iso(system_clock().unix_seconds()), id});
  if (!n) return std::unexpected(n.error());
  return (*n)[0].integer(0);
}

// A field error when a change would leave booked appointments without what they were booked
// with (the room retired or given another modality, the person retired or no longer that).
Result<std::optional<FieldError>> still_booked(Connection& c, bool dropped, const char* field,
                                               const char* column, int64_t id,
                                               const std::string& what) {
  if (!dropped) return std::optional<FieldError>();
  auto n = booked_from_now(c, column, id);
  if (!n) return std::unexpected(n.error());
  if (*n == 0) return std::optional<FieldError>();
  return std::optional<FieldError>(FieldError{field, "booked",
                                              std::to_string(*n) + " appointments are booked " +
                                                  what +
                                                  " from now on: move or cancel them first"});
}

// A site renamed (its last room moved to another name) is renamed in what radiologists read, so
// that its exams stay on their worklists; a site no room has any more is no longer read.
Status follow_site(Connection& c, const std::string& was, const std::string& now_named, const std::string& now,
                   const std::string& actor) {
  if (was.empty() || was == now_named) return {};
  auto left = c.query("SELECT COUNT(*) FROM ris_rooms WHERE site = ?", {was});
  if (!left) return std::unexpected(left.error());
  if ((*left)[0].integer(0) > 0) return {};
  auto everyone = staff_where(c, "", {});
  if (!everyone) return std::unexpected(everyone.error());
  for (auto& m : *everyone) {
    auto at = std::ranges::find(m.reads_sites, was);
    if (at == m.reads_sites.end()) continue;
    m.reads_sites.erase(at);
    if (!now_named.empty() && std::ranges::find(m.reads_sites, now_named) == m.reads_sites.end())
      m.reads_sites.push_back(now_named);
    if (auto s = c.execute("UPDATE ris_staff SET reads_sites = ?, updated_at = ?, updated_by = ?, version = version + 1 "
                           "WHERE id = ?",
                           {join(m.reads_sites, '\n'), now, actor, m.id});
        !s)
      return std::unexpected(s.error());
  }
  return {};
}

// The first of `sites` that is no room's site, as the field error that says so.
Result<std::optional<FieldError>> unknown_site(Connection& c, const std::vector<std::string>& sites) {
  if (sites.empty()) return std::optional<FieldError>();
  auto rows = c.query("SELECT DISTINCT site FROM ris_rooms WHERE site <> ''");
  if (!rows) return std::unexpected(rows.error());
  for (const auto& site : sites)
    if (std::ranges::none_of(*rows, [&](const Row& r) { return r.text(0) == site; }))
      return std::optional<FieldError>(
          FieldError{"readsSites", "unknown", site + " is not the site of any room: choose among the rooms' sites"});
  return std::optional<FieldError>();
}

Result<void> write_hours(Connection& c, int64_t room, const std::vector<OpeningInterval>& hours) {
  if (auto s = c.execute("DELETE FROM ris_room_hours WHERE room_id = ?", {room}); !s) return s;
  for (const auto& h : hours)
    if (auto s = c.execute(
            "INSERT INTO ris_room_hours (room_id, weekday, opens, closes) VALUES (?, ?, ?, ?)",
            {room, int64_t{h.weekday}, h.opens, h.closes});
        !s)
      return s;
  return {};
}

}  // namespace

Result<std::unique_ptr<Catalogue>> Catalogue::open(Database& db, WriteQueue& writes,
                                                   const MigrationProgress& progress) {
  if (auto s = migrate(db, "ris", migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<Catalogue>(new Catalogue(db, writes));
}

Result<Checked<Procedure>> Catalogue::create_procedure(const ProcedureFields& typed,
                                                       const std::string& actor) {
  return update_procedure(0, 0, typed, actor);
}

// id 0 creates: one path, so that both check the same way.
Result<Checked<Procedure>> Catalogue::update_procedure(int64_t id, int64_t seen_version,
                                                       const ProcedureFields& typed,
                                                       const std::string& actor) {
  Checked<Procedure> out;
  ProcedureFields p = tidy(typed);
  out.invalid = validate(p);
  if (!out.invalid.empty()) return out;
  return writes_.run<Checked<Procedure>>([&](Connection& c) -> Result<Checked<Procedure>> {
    if (id != 0) {
      auto current = read_procedure(c, id);
      if (!current) return std::unexpected(current.error());
      if (!*current) return fail(ErrorCode::NotFound, "no such procedure");
    }
    auto dup = taken(c, "ris_procedures", "code", p.code, id);
    if (!dup) return std::unexpected(dup.error());
    if (*dup) {
      out.invalid.push_back({"code", "taken", "Another procedure has this code"});
      return out;
    }
    std::vector<SqlValue> args = procedure_values(p);
    args.emplace_back(utc_now_iso());
    args.emplace_back(actor);
    if (id == 0) {
      auto made = c.query(std::string("INSERT INTO ris_procedures (") + kProcedureColumns +
                              ", updated_at, updated_by, version) VALUES (?, ?, ?, ?, ?, ?, ?, "
                              "?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
                          std::span<const SqlValue>(args));
      if (!made) return std::unexpected(made.error());
      id = (*made)[0].integer(0);
    } else {
      args.emplace_back(id);
      args.emplace_back(seen_version);
      std::string set;
      for (auto column : split(kProcedureColumns, ',')) set += std::string(trim(column)) + " = ?, ";
      if (auto s = c.execute("UPDATE ris_procedures SET " + set +
                                 "updated_at = ?, updated_by = ?, version = version + 1 WHERE id = "
                                 "? AND version = ?",
                             std::span<const SqlValue>(args));
          !s)
        return std::unexpected(s.error());
      if (c.changes() != 1) {
        auto now = read_procedure(c, id);
        if (!now) return std::unexpected(now.error());
        if (!*now) return fail(ErrorCode::NotFound, "no such procedure");
        return std::unexpected(stale("procedure", (*now)->version));
      }
    }
    auto saved = read_procedure(c, id);
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(**saved);
    return out;
  });
}

Result<std::optional<Procedure>> Catalogue::procedure(int64_t id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return read_procedure(**c, id);
}

Result<std::vector<Procedure>> Catalogue::procedures(const ProcedureFilter& filter) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  std::string sql = kSelectProcedure + " WHERE 1 = 1";
  std::vector<SqlValue> args;
  if (!filter.modality.empty()) {
    sql += " AND modality = ?";
    args.emplace_back(filter.modality);
  }
  if (!filter.include_retired) sql += " AND active = 1";
  auto rows = (*c)->query(sql + " ORDER BY modality, name, id", std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  std::vector<Procedure> out;
  for (const auto& r : *rows) out.push_back(procedure_of(r));
  return out;
}

Result<Checked<Room>> Catalogue::create_room(const RoomFields& typed, const std::string& actor) {
  return update_room(0, 0, typed, actor);
}

Result<Checked<Room>> Catalogue::update_room(int64_t id, int64_t seen_version,
                                             const RoomFields& typed, const std::string& actor) {
  Checked<Room> out;
  RoomFields r = tidy(typed);
  out.invalid = validate(r);
  if (!out.invalid.empty()) return out;
  return writes_.run<Checked<Room>>([&](Connection& c) -> Result<Checked<Room>> {
    std::string old_site;
    if (id != 0) {
      auto current = rooms_where(c, "WHERE id = ?", {id});
      if (!current) return std::unexpected(current.error());
      if (current->empty()) return fail(ErrorCode::NotFound, "no such room");
      const Room& was = current->front();
      old_site = was.site;
      for (auto [dropped, field] : {std::pair{was.active && !r.active, "active"},
                                    std::pair{was.modality != r.modality, "modality"}}) {
        auto booked = still_booked(c, dropped, field, "room_id", id, "in this room");
        if (!booked) return std::unexpected(booked.error());
        if (*booked) out.invalid.push_back(**booked);
      }
      if (!out.invalid.empty()) return out;
    }
    auto dup = taken(c, "ris_rooms", "name", r.name, id);
    if (!dup) return std::unexpected(dup.error());
    if (*dup) {
      out.invalid.push_back({"name", "taken", "Another room has this name"});
      return out;
    }
    const std::string now = utc_now_iso();
    if (id == 0) {
      auto made = c.query(
          "INSERT INTO ris_rooms (name, modality, ae_title, buffer_minutes, active, updated_at, "
          "updated_by, version, worklist_own_only, site) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
          {r.name, r.modality, r.ae_title, r.buffer_minutes, int64_t{r.active}, now, actor,
           int64_t{r.worklist_own_only}, r.site});
      if (!made) return std::unexpected(made.error());
      id = (*made)[0].integer(0);
    } else {
      if (auto s = c.execute(
              "UPDATE ris_rooms SET name = ?, modality = ?, ae_title = ?, buffer_minutes = ?, "
              "active = ?, worklist_own_only = ?, site = ?, updated_at = ?, updated_by = ?, version = version + 1 "
              "WHERE id = ? AND version = ?",
              {r.name, r.modality, r.ae_title, r.buffer_minutes, int64_t{r.active},
               int64_t{r.worklist_own_only}, r.site, now, actor, id, seen_version});
          !s)
        return std::unexpected(s.error());
      if (c.changes() != 1) {
        auto current = rooms_where(c, "WHERE id = ?", {id});
        if (!current) return std::unexpected(current.error());
        if (current->empty()) return fail(ErrorCode::NotFound, "no such room");
        return std::unexpected(stale("room", current->front().version));
      }
    }
    if (auto s = follow_site(c, old_site, r.site, now, actor); !s) return std::unexpected(s.error());
    if (auto s = write_hours(c, id, r.hours); !s) return std::unexpected(s.error());
    auto saved = rooms_where(c, "WHERE id = ?", {id});
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(saved->front());
    return out;
  });
}

Result<std::optional<Room>> Catalogue::room(int64_t id) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return rows::room(**c, id);
}

Result<std::vector<Room>> Catalogue::rooms(bool include_retired) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return rooms_where(**c, include_retired ? "" : "WHERE active = 1", {});
}

Result<Checked<Closure>> Catalogue::add_closure(const ClosureFields& typed,
                                                const std::string& actor) {
  Checked<Closure> out;
  ClosureFields f = typed;
  f.reason = std::string(trim(f.reason));
  out.invalid = validate(f);
  if (!out.invalid.empty()) return out;
  return writes_.run<Checked<Closure>>([&](Connection& c) -> Result<Checked<Closure>> {
    if (f.room_id != 0) {
      auto room = c.query("SELECT 1 FROM ris_rooms WHERE id = ?", {f.room_id});
      if (!room) return std::unexpected(room.error());
      if (room->empty()) {
        out.invalid.push_back({"roomId", "unknown", "There is no such room"});
        return out;
      }
    }
    auto made = c.query(
        "INSERT INTO ris_closures (room_id, starts_on, ends_on, reason, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        {f.room_id, f.starts_on, f.ends_on, f.reason, utc_now_iso(), actor});
    if (!made) return std::unexpected(made.error());
    out.value = Closure{f, (*made)[0].integer(0), actor};
    return out;
  });
}

Result<void> Catalogue::remove_closure(int64_t id) {
  auto removed = writes_.run<bool>([&](Connection& c) -> Result<bool> {
    if (auto s = c.execute("DELETE FROM ris_closures WHERE id = ?", {id}); !s)
      return std::unexpected(s.error());
    if (c.changes() != 1) return fail(ErrorCode::NotFound, "no such closure");
    return true;
  });
  if (!removed) return std::unexpected(removed.error());
  return {};
}

Result<std::vector<Closure>> Catalogue::closures(int64_t room_id, const std::string& from,
                                                 const std::string& to) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return closures_where(**c, room_id, from, to);
}

Result<Checked<StaffMember>> Catalogue::create_staff(const StaffFields& f,
                                                     const std::string& actor) {
  return update_staff(0, 0, f, actor);
}

Result<Checked<StaffMember>> Catalogue::update_staff(int64_t id, int64_t seen_version,
                                                     const StaffFields& typed,
                                                     const std::string& actor) {
  Checked<StaffMember> out;
  StaffFields m = tidy(typed);
  out.invalid = validate(m);
  if (!out.invalid.empty()) return out;
  return writes_.run<Checked<StaffMember>>([&](Connection& c) -> Result<Checked<StaffMember>> {
    if (auto unknown = unknown_site(c, m.reads_sites); !unknown) {
      return std::unexpected(unknown.error());
    } else if (*unknown) {
      out.invalid.push_back(**unknown);
      return out;
    }
    if (id != 0) {
      auto current = staff_where(c, "WHERE id = ?", {id});
      if (!current) return std::unexpected(current.error());
      if (current->empty()) return fail(ErrorCode::NotFound, "no such staff member");
      const StaffMember& was = current->front();
      for (auto [dropped, field, column] :
           {std::tuple{!m.active || !m.radiologist, m.active ? "radiologist" : "active",
                       "radiologist_id"},
            std::tuple{!m.active || !m.contrast_technician,
                       m.active ? "contrastTechnician" : "active", "technician_id"}}) {
        auto booked = still_booked(c, dropped && was.active, field, column, id, "with them");
        if (!booked) return std::unexpected(booked.error());
        if (*booked) out.invalid.push_back(**booked);
      }
      if (!out.invalid.empty()) return out;
    }
    auto dup = taken(c, "ris_staff", "username", m.username, id);
    if (!dup) return std::unexpected(dup.error());
    if (*dup) {
      out.invalid.push_back({"username", "taken", "Someone else has this user name"});
      return out;
    }
    const std::string now = utc_now_iso();
    if (id == 0) {
      auto made = c.query(
          "INSERT INTO ris_staff (username, display_name, radiologist, contrast_technician, "
          "active, version, updated_at, updated_by, reads_modalities, reads_sites) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?) "
          "RETURNING id",
          {m.username, m.display_name, int64_t{m.radiologist}, int64_t{m.contrast_technician},
           int64_t{m.active}, now, actor, join(m.reads_modalities, ','), join(m.reads_sites, '\n')});
      if (!made) return std::unexpected(made.error());
      id = (*made)[0].integer(0);
    } else {
      if (auto s = c.execute(
              "UPDATE ris_staff SET username = ?, display_name = ?, radiologist = ?, "
              "contrast_technician = ?, active = ?, updated_at = ?, updated_by = ?, reads_modalities = ?, "
              "reads_sites = ?, version = version + 1 WHERE id = ? AND version = ?",
              {m.username, m.display_name, int64_t{m.radiologist}, int64_t{m.contrast_technician},
               int64_t{m.active}, now, actor, join(m.reads_modalities, ','), join(m.reads_sites, '\n'), id,
               seen_version});
          !s)
        return std::unexpected(s.error());
      if (c.changes() != 1) {
        auto current = staff_where(c, "WHERE id = ?", {id});
        if (!current) return std::unexpected(current.error());
        return std::unexpected(stale("staff member", current->front().version));
      }
    }
    auto saved = staff_where(c, "WHERE id = ?", {id});
    if (!saved) return std::unexpected(saved.error());
    out.value = std::move(saved->front());
    return out;
  });
}

Result<std::vector<StaffMember>> Catalogue::staff(bool include_retired) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  return staff_where(**c, include_retired ? "" : "WHERE active = 1", {});
}

namespace rows {

Result<std::optional<Procedure>> procedure(Connection& c, int64_t id) {
  return read_procedure(c, id);
}

Result<std::optional<Room>> room(Connection& c, int64_t id) {
  auto found = rooms_where(c, "WHERE id = ?", {id});
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return std::optional<Room>();
  return std::optional<Room>(std::move(found->front()));
}

Result<std::vector<Room>> rooms(Connection& c) { return rooms_where(c, "WHERE active = 1", {}); }

Result<std::vector<Closure>> closures(Connection& c, int64_t room_id, const std::string& from,
                                      const std::string& to) {
  return closures_where(c, room_id, from, to);
}

Result<std::vector<StaffMember>> staff(Connection& c) {
  return staff_where(c, "WHERE active = 1", {});
}

Result<std::string> staff_name(Connection& c, const std::string& username) {
  auto list = staff(c);
  if (!list) return std::unexpected(list.error());
  for (const auto& m : *list)
    if (m.username == username) return m.display_name;
  return username;
}

}  // namespace rows

}  // namespace vireo::ris
