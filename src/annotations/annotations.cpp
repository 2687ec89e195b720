#include "annotations/annotations.hpp"

namespace vireo::annotations {

const std::vector<Migration>& migrations() {
  // IF NOT EXISTS: installations from before this module have the table from the archive's
  // migration 4, where it was first kept.
  static const std::vector<Migration> list = {
      {1,
       "each user's viewer measurements and annotations per study",
       {
           StudyDocuments::create_table("annotations", "username"),
       }},
  };
  return list;
}

Result<std::unique_ptr<Annotations>> Annotations::open(Database& db, WriteQueue& writes,
                                                       const MigrationProgress& progress) {
  if (auto s = migrate(db, "annotations", migrations(), progress); !s)
    return std::unexpected(s.error());
  return std::unique_ptr<Annotations>(new Annotations(db, writes));
}

Result<std::optional<StudyDocument>> Annotations::of(const std::string& study_uid,
                                                     const std::string& user,
                                                     const std::string& study_created_at) {
  auto docs = docs_.of_study(study_uid, &user, study_created_at);
  if (!docs) return std::unexpected(docs.error());
  if (docs->empty()) return std::optional<StudyDocument>();
  return std::optional<StudyDocument>(std::move(docs->front()));
}

Status Annotations::save(const std::string& study_uid, const std::string& user,
                         const std::string& json) {
  return docs_.save(study_uid, user, json);
}

}  // namespace vireo::annotations
