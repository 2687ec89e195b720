// The procedure catalogue, the rooms and their closures, kept in the RIS's tables
// (ris_procedures, ris_rooms, ris_room_hours, ris_closures).
//
// Thread-safety: all methods may be called concurrently; writes go through the node's write
// queue. Edits name the version read: a stale one is refused, never overwrites.
// Usage:
//   auto catalogue = Catalogue::open(db, writes);
//   auto saved = (*catalogue)->create_procedure(fields, "admin");  // saved->invalid or ->value
#pragma once

#include <memory>
#include <optional>

#include "ris/catalogue.hpp"
#include "store/migrations.hpp"
#include "store/write_queue.hpp"

namespace vireo::ris {

struct ProcedureFilter {
  std::string modality;  // or empty: all
  bool include_retired = false;
};

class Catalogue {
 public:
  static Result<std::unique_ptr<Catalogue>> open(Database& db, WriteQueue& writes,
                                                 const MigrationProgress& progress = {});

  // Field errors (a code or name already used: rule "taken") in the result; NotFound for an
  // unknown id; AlreadyExists when someone else changed it since `seen_version`.
  [[nodiscard]] Result<Checked<Procedure>> create_procedure(const ProcedureFields& f,
                                                            const std::string& actor);
  [[nodiscard]] Result<Checked<Procedure>> update_procedure(int64_t id, int64_t seen_version,
                                                            const ProcedureFields& f,
                                                            const std::string& actor);
  [[nodiscard]] Result<std::optional<Procedure>> procedure(int64_t id);
  [[nodiscard]] Result<std::vector<Procedure>> procedures(const ProcedureFilter& filter);

  [[nodiscard]] Result<Checked<Room>> create_room(const RoomFields& f, const std::string& actor);
  [[nodiscard]] Result<Checked<Room>> update_room(int64_t id, int64_t seen_version,
                                                  const RoomFields& f, const std::string& actor);
  [[nodiscard]] Result<std::optional<Room>> room(int64_t id);
  [[nodiscard]] Result<std::vector<Room>> rooms(bool include_retired);

  // A closure of one room (which must exist) or of every room (room_id 0).
  [[nodiscard]] Result<Checked<Closure>> add_closure(const ClosureFields& f,
                                                     const std::string& actor);
  // NotFound when there is no such closure.
  [[nodiscard]] Result<void> remove_closure(int64_t id);
  // Closures of `room_id` (its own and every room's) that touch [from, to]; room_id 0: all.
  [[nodiscard]] Result<std::vector<Closure>> closures(int64_t room_id, const std::string& from,
                                                      const std::string& to);

  // The staff an exam may need (StaffMember): a user name used twice is rule "taken".
  [[nodiscard]] Result<Checked<StaffMember>> create_staff(const StaffFields& f,
                                                          const std::string& actor);
  [[nodiscard]] Result<Checked<StaffMember>> update_staff(int64_t id, int64_t seen_version,
                                                          const StaffFields& f,
                                                          const std::string& actor);
  [[nodiscard]] Result<std::vector<StaffMember>> staff(bool include_retired);

 private:
  Catalogue(Database& db, WriteQueue& writes) : writes_(writes), readers_(db) {}
  WriteQueue& writes_;
  ConnectionPool readers_;
};

// The same reads inside another part's write job (scheduling checks what it books against the
// catalogue as it is in that transaction). Active rooms and staff only, where a list.
namespace rows {
[[nodiscard]] Result<std::optional<Procedure>> procedure(Connection& c, int64_t id);
[[nodiscard]] Result<std::optional<Room>> room(Connection& c, int64_t id);
[[nodiscard]] Result<std::vector<Room>> rooms(Connection& c);
[[nodiscard]] Result<std::vector<Closure>> closures(Connection& c, int64_t room_id,
                                                    const std::string& from, const std::string& to);
[[nodiscard]] Result<std::vector<StaffMember>> staff(Connection& c);
// The name printed and shown for an account: the staff list's, else the account's.
[[nodiscard]] Result<std::string> staff_name(Connection& c, const std::string& username);
}  // namespace rows

}  // namespace vireo::ris
