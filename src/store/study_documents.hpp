// JSON documents kept per study and owner, as they were sent: the storage under the viewer's
// annotations (owner: the user) and the AI engines' findings (owner: the engine's account).
// Each domain that keeps such documents owns its table; this is only how they are read and
// written, in one place.
//
// Thread-safety: all methods may be called concurrently (writes go through the WriteQueue).
// Usage:
//   StudyDocuments docs(db, writes, "annotations", "username");
//   docs.save("1.2.3", "alice", R"([...])");
#pragma once

#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/write_queue.hpp"

namespace vireo {

struct StudyDocument {
  std::string owner;
  std::string json;
  std::string updated_at;
};

class StudyDocuments {
 public:
  // `table` has the columns (study_uid, <owner_column>, json, updated_at), keyed by the first two.
  StudyDocuments(Database& db, WriteQueue& writes, std::string table, std::string owner_column)
      : readers_(db), writes_(writes), table_(std::move(table)), owner_(std::move(owner_column)) {}

  // The statement that creates such a table where it does not exist yet (a domain's migration).
  [[nodiscard]] static std::string create_table(const std::string& table,
                                                const std::string& owner_column);

  // Every owner's documents on the study, or one owner's (`owner` not null), by owner; only
  // those saved at or after `since` (UTC ISO-8601; empty: all).
  [[nodiscard]] Result<std::vector<StudyDocument>> of_study(const std::string& study_uid,
                                                            const std::string* owner = nullptr,
                                                            const std::string& since = {});
  // Replaces the owner's document on the study.
  [[nodiscard]] Status save(const std::string& study_uid, const std::string& owner,
                            const std::string& json);
  // The study's documents last saved before `before` (UTC ISO-8601; empty: all) go: the study
  // was deleted then. One saved later belongs to the study received again under that UID.
  [[nodiscard]] Status forget_study(const std::string& study_uid, const std::string& before);

 private:
  ConnectionPool readers_;
  WriteQueue& writes_;
  std::string table_, owner_;
};

}  // namespace vireo
