// The viewer's measurements and annotations: one document per user and study, as the viewer
// sends it. Gone with the study (the archive's study.deleted event).
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto notes = Annotations::open(db, writes);
//   (*notes)->save(study_uid, "alice", R"([{"metadata": {"toolName": "Length"}}])");
#pragma once

#include <memory>
#include <optional>

#include "store/migrations.hpp"
#include "store/study_documents.hpp"

namespace vireo::annotations {

[[nodiscard]] const std::vector<Migration>& migrations();

class Annotations {
 public:
  // The outbox consumer that forgets a deleted study's annotations.
  static constexpr const char* kConsumer = "annotations.study-deleted";

  static Result<std::unique_ptr<Annotations>> open(Database& db, WriteQueue& writes,
                                                   const MigrationProgress& progress = {});
  // The user's document on the study, if saved since `study_created_at` (the archive's): one
  // older belongs to a deleted study of the same UID whose removal has not happened yet, and
  // its measurements must never be drawn on the images sent again.
  [[nodiscard]] Result<std::optional<StudyDocument>> of(const std::string& study_uid,
                                                        const std::string& user,
                                                        const std::string& study_created_at);
  [[nodiscard]] Status save(const std::string& study_uid, const std::string& user,
                            const std::string& json);
  // The study was deleted at `deleted_at` (the event's): what was saved before then goes.
  [[nodiscard]] Status forget_study(const std::string& study_uid, const std::string& deleted_at) {
    return docs_.forget_study(study_uid, deleted_at);
  }

 private:
  Annotations(Database& db, WriteQueue& writes) : docs_(db, writes, "annotations", "username") {}
  StudyDocuments docs_;
};

}  // namespace vireo::annotations
