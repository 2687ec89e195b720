// Translating a C-FIND style query (keys with DICOM matching semantics, PS3.4 C.2.2.2)
// into one SQL statement over the archive index. Pure functions: no I/O, unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "access/scope.hpp"
#include "archive/attributes.hpp"
#include "core/error.hpp"
#include "store/database.hpp"

namespace vireo::archive {

using access::Scope;

struct QueryKey {
  tag::Tag tag;
  std::string value;      // empty: return key only (universal match)
  tag::Tag sequence = 0;  // the enclosing sequence of a nested key (QIDO-RS "Seq.Attr"); 0: top level
};

// A result order: an indexed attribute of the level or above, ascending unless `descending`.
struct OrderKey {
  tag::Tag tag;
  bool descending = false;
};

struct FindQuery {
  Level level = Level::Study;
  std::vector<QueryKey> keys;
  Scope scope;
  int64_t limit = 0;  // 0: no limit
  int64_t offset = 0;
  std::vector<OrderKey> order{};  // empty: the order of arrival
};

struct SqlQuery {
  std::string sql;
  std::vector<SqlValue> params;
};

// "SELECT <select_list> FROM <level and its parents> WHERE <conditions of keys> ORDER BY ...".
// Keys of levels below `level`, unknown keys and return-only keys do not restrict. An order
// on an attribute that is not indexed at the level (or is multi-valued) is InvalidQuery.
[[nodiscard]] Result<SqlQuery> build_select(const Dialect& dialect, Level level, const std::vector<QueryKey>& keys,
                                            const Scope& scope,
                                            const std::string& select_list, int64_t limit = 0,
                                            int64_t offset = 0, const std::vector<OrderKey>& order = {});


// A DICOM date or time range "A-B", "A-", "-B" or a single value, validated.
struct Range {
  std::string lower;  // empty: open
  std::string upper;  // empty: open
};
[[nodiscard]] Result<Range> parse_range(std::string_view value, Match kind);

}  // namespace vireo::archive
