#include "store/study_documents.hpp"

#include "core/clock.hpp"

namespace vireo {

std::string StudyDocuments::create_table(const std::string& table,
                                         const std::string& owner_column) {
  return "CREATE TABLE IF NOT EXISTS " + table + " (study_uid TEXT NOT NULL, " + owner_column +
         " TEXT NOT NULL, json TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (study_uid, " +
         owner_column + "))";
}

Result<std::vector<StudyDocument>> StudyDocuments::of_study(const std::string& study_uid,
                                                            const std::string* owner,
                                                            const std::string& since) {
  auto c = readers_.acquire();
  if (!c) return std::unexpected(c.error());
  std::string sql =
      "SELECT " + owner_ + ", json, updated_at FROM " + table_ + " WHERE study_uid = ?";
  std::vector<SqlValue> args{study_uid};
  if (owner) {
    sql += " AND " + owner_ + " = ?";
    args.emplace_back(*owner);
  }
  if (!since.empty()) {
    sql += " AND updated_at >= ?";
    args.emplace_back(since);
  }
  auto rows = (*c)->query(sql + " ORDER BY " + owner_, std::span<const SqlValue>(args));
  if (!rows) return std::unexpected(rows.error());
  std::vector<StudyDocument> out;
  for (const auto& r : *rows) out.push_back({r.text(0), r.text(1), r.text(2)});
  return out;
}

Status StudyDocuments::save(const std::string& study_uid, const std::string& owner,
                            const std::string& json) {
  const std::string sql = "INSERT INTO " + table_ + " (study_uid, " + owner_ +
                          ", json, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (study_uid, " +
                          owner_ +
                          ") DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at";
  auto done = writes_.run<bool>([&](Connection& c) -> Result<bool> {
    if (auto s = c.execute(sql, {study_uid, owner, json, utc_now_iso()}); !s)
      return std::unexpected(s.error());
    return true;
  });
  if (!done) return std::unexpected(done.error());
  return {};
}

Status StudyDocuments::forget_study(const std::string& study_uid, const std::string& before) {
  auto done = writes_.run<bool>([&](Connection& c) -> Result<bool> {
    Status s = before.empty()
                   ? c.execute("DELETE FROM " + table_ + " WHERE study_uid = ?", {study_uid})
                   : c.execute("DELETE FROM " + table_ + " WHERE study_uid = ? AND updated_at <= ?",
                               {study_uid, before});
    if (!s) return std::unexpected(s.error());
    return true;
  });
  if (!done) return std::unexpected(done.error());
  return {};
}

}  // namespace vireo
