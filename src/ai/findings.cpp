#include "ai/findings.hpp"

namespace vireo::ai {

const std::vector<Migration>& migrations() {
  // IF NOT EXISTS: installations from before this module have the table from the archive's
  // migration 5, where it was first kept.
  static const std::vector<Migration> list = {
      {1,
       "AI findings per study and source (the viewer's AI overlay layer)",
       {
           StudyDocuments::create_table("ai_findings", "source"),
       }},
  };
  return list;
}

Result<std::unique_ptr<Findings>> Findings::open(Database& db, WriteQueue& writes,
                                                 const MigrationProgress& progress) {
  if (auto s = migrate(db, "ai", migrations(), progress); !s) return std::unexpected(s.error());
  return std::unique_ptr<Findings>(new Findings(db, writes));
}

}  // namespace vireo::ai
