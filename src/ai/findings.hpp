// AI findings per study: one document per source (the account of the AI engine that sent
// them), replaced when the source sends again. Suggestions for the viewer's AI layer, never a
// decision. Gone with the study (the archive's study.deleted event).
//
// Thread-safety: all methods may be called concurrently.
// Usage:
//   auto findings = Findings::open(db, writes);
//   (*findings)->save(study_uid, "ai-lung", R"([{"label": "Nodule", ...}])");
#pragma once

#include <memory>

#include "store/migrations.hpp"
#include "store/study_documents.hpp"

namespace vireo::ai {

[[nodiscard]] const std::vector<Migration>& migrations();

class Findings {
 public:
  // The outbox consumer that forgets a deleted study's findings.
  static constexpr const char* kConsumer = "ai.study-deleted";

  static Result<std::unique_ptr<Findings>> open(Database& db, WriteQueue& writes,
                                                const MigrationProgress& progress = {});
  // Every source's findings on the study, by source.
  // Those sent since `study_created_at` (the archive's): older ones belong to a deleted study
  // of the same UID, and must never be drawn on the images sent again.
  [[nodiscard]] Result<std::vector<StudyDocument>> of_study(const std::string& study_uid,
                                                            const std::string& study_created_at) {
    return docs_.of_study(study_uid, nullptr, study_created_at);
  }
  [[nodiscard]] Status save(const std::string& study_uid, const std::string& source,
                            const std::string& json) {
    return docs_.save(study_uid, source, json);
  }
  // The study was deleted at `deleted_at` (the event's): what was saved before then goes.
  [[nodiscard]] Status forget_study(const std::string& study_uid, const std::string& deleted_at) {
    return docs_.forget_study(study_uid, deleted_at);
  }

 private:
  Findings(Database& db, WriteQueue& writes) : docs_(db, writes, "ai_findings", "source") {}
  StudyDocuments docs_;
};

}  // namespace vireo::ai
