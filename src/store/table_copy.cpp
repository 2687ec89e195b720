#include "store/table_copy.hpp"

#include <algorithm>
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
  static const std::string create = "CREATE TABLE ", alter = "ALTER TABLE ", references = "REFERENCES ";
  static const std::string append_only = "${APPEND_ONLY:";
  auto name_at = [](const std::string& st, size_t start) {
    return st.substr(start, st.find_first_of(" (", start) - start);
  };
  std::vector<CopiedTable> created;
  auto find = [&](const std::string& name) -> CopiedTable* {
    for (auto& t : created)
      if (t.name == name) return &t;
    return nullptr;
  };
  for (const auto& m : migrations)
    for (const auto& st : m.statements) {
      size_t first = st.find_first_not_of(" \t\n");
      CopiedTable* table = nullptr;
      if (st.compare(first, create.size(), create) == 0) {
        size_t start = first + create.size();
        if (st.compare(start, 14, "IF NOT EXISTS ") == 0) start += 14;
        created.push_back({name_at(st, start), st.find("id ${PK}") != std::string::npos, false, {}});
        table = &created.back();
      } else if (st.compare(first, alter.size(), alter) == 0) {
        table = find(name_at(st, first + alter.size()));
      } else if (st.compare(first, append_only.size(), append_only) == 0) {
        size_t start = first + append_only.size();
        if (auto* t = find(st.substr(start, st.find('}', start) - start))) t->append_only = true;
      }
      if (!table) continue;
      for (size_t at = st.find(references); at != std::string::npos; at = st.find(references, at + 1)) {
        std::string target = name_at(st, at + references.size());
        if (target != table->name) table->references.push_back(target);
      }
    }
  // Each table after those it references (an ALTER TABLE may add a reference to a later table).
  std::vector<CopiedTable> ordered;
  std::vector<bool> placed(created.size(), false);
  while (ordered.size() < created.size()) {
    bool progress = false;
    for (size_t i = 0; i < created.size(); ++i) {
      if (placed[i]) continue;
      bool ready = true;
      for (const auto& r : created[i].references) {
        auto it = std::find_if(ordered.begin(), ordered.end(), [&](const CopiedTable& t) { return t.name == r; });
        bool known = std::any_of(created.begin(), created.end(), [&](const CopiedTable& t) { return t.name == r; });
        if (known && it == ordered.end()) ready = false;
      }
      if (ready) {
        ordered.push_back(created[i]);
        placed[i] = progress = true;
      }
    }
    if (!progress)  // a cycle: keep the migrations' order for the rest
      for (size_t i = 0; i < created.size(); ++i)
        if (!placed[i]) ordered.push_back(created[i]), placed[i] = true;
  }
  return ordered;
}

Result<int64_t> count_rows(Connection& c, const std::string& table) {
  auto rows = c.query("SELECT COUNT(*) FROM " + table, {});
  if (!rows) return std::unexpected(rows.error());
  return rows->front().integer(0);
}

Status clear_table(Connection& c, const Dialect& dialect, const std::string& table) {
  if (auto s = c.execute(dialect.begin_write, {}); !s) return s;
  if (auto s = c.execute("DELETE FROM " + table, {}); !s) {
    (void)c.execute("ROLLBACK", {});
    return s;
  }
  if (auto s = c.execute("COMMIT", {}); !s) {
    (void)c.execute("ROLLBACK", {});
    return s;
  }
  return {};
}

Result<int64_t> copy_table(Connection& from, Connection& to, const Dialect& to_dialect, const CopiedTable& table,
                           const std::function<void(int64_t)>& progress) {
  auto source_rows = count_rows(from, table.name);
  if (!source_rows) return std::unexpected(source_rows.error());
  auto target_rows = count_rows(to, table.name);
  if (!target_rows) return std::unexpected(target_rows.error());
  auto reset_keys = [&]() -> Status {
    if (!table.generated_key || to_dialect.key_sequence_reset.empty()) return {};
    return to.execute(replaced(to_dialect.key_sequence_reset, "${TABLE}", table.name), {});
  };
  if (*source_rows == *target_rows) {
    if (progress) progress(*source_rows);
    if (auto s = reset_keys(); !s) return std::unexpected(s.error());
    return *source_rows;
  }
  if (*target_rows > 0) {
    // Rows kept from an earlier run must be the source's own: a target that holds rows of its
    // own (another installation's audit trail) would end up with two histories under one key.
    auto first = [&](Connection& c) { return c.query("SELECT * FROM " + table.name + " ORDER BY 1 LIMIT 1", {}); };
    auto a = first(from);
    auto b = first(to);
    if (!a) return std::unexpected(a.error());
    if (!b) return std::unexpected(b.error());
    bool same = !a->empty() && !b->empty() && a->front().size() == b->front().size();
    for (size_t i = 0; same && i < a->front().size(); ++i) same = a->front().text(i) == b->front().text(i);
    if (!same)
      return fail(ErrorCode::AlreadyExists, table.name + " in the target holds rows that are not the source's: use an "
                                            "empty database");
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
  if (auto r = reset_keys(); !r) return std::unexpected(r.error());
  return read;
}

}  // namespace vireo
