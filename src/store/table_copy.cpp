#include "store/table_copy.hpp"

#include <optional>

namespace vireo {

namespace {
constexpr size_t kRowsPerTransaction = 500;

std::string replaced(std::string text, const std::string& token, const std::string& value) {
  for (size_t pos = text.find(token); pos != std::string::npos; pos = text.find(token, pos + value.size()))
    text.replace(pos, token.size(), value);
  return text;
}
}  // namespace

std::vector<CopiedTable> tables_created_by(const std::vector<Migration>& migrations) {
  static const std::string create = "CREATE TABLE ";
  std::vector<CopiedTable> out;
  for (const auto& m : migrations)
    for (const auto& st : m.statements) {
      size_t at = st.find(create);
      if (at == std::string::npos || st.find_first_not_of(" \t\n") != at) continue;
      size_t start = at + create.size();
      if (st.compare(start, 14, "IF NOT EXISTS ") == 0) start += 14;
      size_t end = st.find_first_of(" (", start);
      out.push_back({st.substr(start, end - start), st.find("id ${PK}") != std::string::npos});
    }
  return out;
}

Result<int64_t> count_rows(Connection& c, const std::string& table) {
  auto rows = c.query("SELECT COUNT(*) FROM " + table, {});
  if (!rows) return std::unexpected(rows.error());
  return rows->front().integer(0);
}

Result<int64_t> copy_table(Connection& from, Connection& to, const Dialect& to_dialect, const CopiedTable& table,
                           const std::function<void(int64_t)>& progress) {
  auto source_rows = count_rows(from, table.name);
  if (!source_rows) return std::unexpected(source_rows.error());
  auto target_rows = count_rows(to, table.name);
  if (!target_rows) return std::unexpected(target_rows.error());
  if (*source_rows == *target_rows) {
    if (progress) progress(*source_rows);
    return *source_rows;
  }
  std::vector<Row> pending;
  std::optional<Error> failed;
  int64_t read = 0;
  auto flush = [&]() -> Status {
    if (pending.empty()) return {};
    std::string marks;
    for (size_t i = 0; i < pending.front().size(); ++i) marks += i ? ", ?" : "?";
    const std::string insert = "INSERT INTO " + table.name + " VALUES (" + marks + ") ON CONFLICT DO NOTHING";
    if (auto s = to.execute(to_dialect.begin_write, {}); !s) return s;
    for (const auto& row : pending) {
      std::vector<SqlValue> values;
      values.reserve(row.size());
      for (size_t i = 0; i < row.size(); ++i) values.push_back(row.value(i));
      if (auto s = to.execute(insert, values); !s) {
        (void)to.execute("ROLLBACK", {});
        return fail(s.error().code, table.name + ": " + s.error().detail);
      }
    }
    if (auto s = to.execute("COMMIT", {}); !s) {
      (void)to.execute("ROLLBACK", {});
      return s;
    }
    pending.clear();
    if (progress) progress(read);
    return {};
  };
  // Ordered by the first column (the key): an interrupted copy's rows are a prefix.
  auto s = from.for_each("SELECT * FROM " + table.name + " ORDER BY 1", {}, [&](const Row& r) {
    pending.push_back(r);
    ++read;
    if (pending.size() < kRowsPerTransaction) return true;
    if (auto f = flush(); !f) {
      failed = f.error();
      return false;
    }
    return true;
  });
  if (!s) return std::unexpected(s.error());
  if (failed) return std::unexpected(*failed);
  if (auto f = flush(); !f) return std::unexpected(f.error());
  if (table.generated_key && !to_dialect.key_sequence_reset.empty())
    if (auto r = to.execute(replaced(to_dialect.key_sequence_reset, "${TABLE}", table.name), {}); !r)
      return std::unexpected(r.error());
  return read;
}

}  // namespace vireo
