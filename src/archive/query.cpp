#include "archive/query.hpp"

#include "core/strings.hpp"

namespace vireo::archive {

namespace {

std::string from_clause(Level level) {
  switch (level) {
    case Level::Patient: return "patients p";
    case Level::Study: return "studies st JOIN patients p ON p.id = st.patient_fk";
    case Level::Series:
      return "series se JOIN studies st ON st.id = se.study_fk JOIN patients p ON p.id = st.patient_fk";
    case Level::Instance:
      return "instances i JOIN series se ON se.id = i.series_fk JOIN studies st ON st.id = se.study_fk "
             "JOIN patients p ON p.id = st.patient_fk";
  }
  return {};
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool valid_date(std::string_view s) { return s.size() == 8 && all_digits(s); }

bool valid_time(std::string_view s) {
  auto dot = s.find('.');
  auto main = s.substr(0, dot);
  if (main.size() < 2 || main.size() > 6 || main.size() % 2 != 0 || !all_digits(main)) return false;
  if (dot != std::string_view::npos) {
    auto frac = s.substr(dot + 1);
    if (frac.empty() || frac.size() > 6 || !all_digits(frac) || main.size() != 6) return false;
  }
  return true;
}

struct Builder {
  const Dialect& dialect;
  std::vector<std::string> conditions;
  std::vector<SqlValue> params;

  void text_condition(const std::string& column, const std::string& value) {
    if (value.find_first_of("*?") != std::string::npos) {
      if (value == "*") return;  // universal
      conditions.push_back(dialect.wildcard_condition(column));
      params.emplace_back(dialect.wildcard_parameter(value));
    } else {
      conditions.push_back(column + " = ?");
      params.emplace_back(value);
    }
  }

  Status add(const IndexedAttribute& a, const std::string& raw) {
    std::string col = select_expression(a);
    switch (a.match) {
      case Match::ReturnOnly: return {};
      case Match::Uid: {
        auto uids = split(raw, '\\');
        std::string in;
        for (auto& u : uids) {
          u = std::string(trim(u));
          if (!is_valid_uid(u))
            return fail(ErrorCode::InvalidQuery, std::string(a.keyword) + " is not a UID or a list of UIDs");
          in += in.empty() ? "?" : ", ?";
          params.emplace_back(u);
        }
        conditions.push_back(uids.size() == 1 ? col + " = ?" : col + " IN (" + in + ")");
        return {};
      }
      case Match::Text: text_condition(col, raw); return {};
      case Match::PersonName: text_condition(col + "_norm", person_name_key(raw)); return {};
      case Match::Modalities: {
        auto values = split(raw, '\\');
        std::string in;
        for (const auto& v : values) {
          if (v == "*") return {};
          in += in.empty() ? "?" : ", ?";
          params.emplace_back(std::string(trim(v)));
        }
        conditions.push_back("EXISTS (SELECT 1 FROM study_modalities sm WHERE sm.study_fk = st.id AND "
                             "sm.modality IN (" + in + "))");
        return {};
      }
      case Match::Date:
      case Match::Time: {
        auto range = parse_range(raw, a.match);
        if (!range) return fail(ErrorCode::InvalidQuery, std::string(a.keyword) + ": " + range.error().detail);
        if (!range->lower.empty()) {
          conditions.push_back(col + " >= ?");
          params.emplace_back(range->lower);
        }
        if (!range->upper.empty()) {
          conditions.push_back(col + " <= ?");
          params.emplace_back(range->upper);
          if (range->lower.empty()) conditions.push_back(col + " <> ''");
        }
        return {};
      }
    }
    return {};
  }
};

}  // namespace

Result<Range> parse_range(std::string_view value, Match kind) {
  std::string v(trim(value));
  if (kind == Match::Date) {
    std::string d;
    for (char c : v)
      if (c != '.') d.push_back(c);  // legacy YYYY.MM.DD
    v = d;
  }
  auto valid = [&](std::string_view s) { return kind == Match::Date ? valid_date(s) : valid_time(s); };
  auto dash = v.find('-');
  Range r;
  if (dash == std::string::npos) {
    if (!valid(v)) return fail(ErrorCode::InvalidQuery, "'" + v + "' is not a valid value or range");
    r.lower = v;
    // A time matches every time it is a prefix of ("1015" is 10:15:00 to 10:15:59.999999).
    r.upper = kind == Match::Date ? v : v + "~";
    return r;
  }
  r.lower = v.substr(0, dash);
  r.upper = v.substr(dash + 1);
  if ((r.lower.empty() && r.upper.empty()) || (!r.lower.empty() && !valid(r.lower)) ||
      (!r.upper.empty() && !valid(r.upper))) {
    return fail(ErrorCode::InvalidQuery, "'" + v + "' is not a valid value or range");
  }
  if (kind == Match::Time && !r.upper.empty()) r.upper += "~";
  return r;
}

Result<SqlQuery> build_select(const Dialect& dialect, Level level, const std::vector<QueryKey>& keys, const Scope& scope,
                              const std::string& select_list, int64_t limit, int64_t offset,
                              const std::vector<OrderKey>& order) {
  Builder b{dialect, {}, {}};
  switch (scope.kind) {
    case Scope::Kind::Everything: break;
    case Scope::Kind::Nothing: b.conditions.push_back("0 = 1"); break;
    case Scope::Kind::Patient:
      b.conditions.push_back("p.patient_id = ?");
      b.params.emplace_back(scope.value);
      break;
    case Scope::Kind::ReferringPhysician:
      b.conditions.push_back("p.id IN (SELECT rs.patient_fk FROM studies rs WHERE rs.referring_physician_norm = ?)");
      b.params.emplace_back(person_name_key(scope.value));
      break;
  }
  for (const auto& k : keys) {
    if (trim(k.value).empty()) continue;
    const IndexedAttribute* a = find_attribute(k.tag, k.sequence);
    if (!a || a->level > level) continue;
    if (auto s = b.add(*a, std::string(trim(k.value))); !s) return std::unexpected(s.error());
  }
  SqlQuery q;
  q.sql = "SELECT " + select_list + " FROM " + from_clause(level);
  for (size_t i = 0; i < b.conditions.size(); ++i) q.sql += (i == 0 ? " WHERE " : " AND ") + b.conditions[i];
  q.sql += " ORDER BY ";
  for (const auto& o : order) {
    const IndexedAttribute* a = find_attribute(o.tag);
    if (!a || a->level > level || a->match == Match::Modalities)
      return fail(ErrorCode::InvalidQuery, "results cannot be ordered by " +
                                               (a ? std::string(a->keyword) : std::string("an attribute the archive does not index")) +
                                               " at this level");
    // Names in their matching form, so that case and accents do not split the order.
    std::string expr = a->match == Match::PersonName ? select_expression(*a) + "_norm" : select_expression(*a);
    q.sql += expr + (o.descending ? " DESC, " : ", ");
  }
  q.sql += std::string(level_alias(level)) + ".id";
  if (limit > 0) {
    q.sql += " LIMIT ? OFFSET ?";
    b.params.emplace_back(limit);
    b.params.emplace_back(offset);
  }
  q.params = std::move(b.params);
  return q;
}

}  // namespace vireo::archive
