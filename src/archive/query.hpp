// Translating a C-FIND style query (keys with DICOM matching semantics, PS3.4 C.2.2.2)
// into one SQL statement over the archive index. Pure functions: no I/O, unit-tested.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "archive/attributes.hpp"
#include "core/error.hpp"
#include "store/database.hpp"

namespace vireo::archive {

struct QueryKey {
  tag::Tag tag;
  std::string value;  // empty: return key only (universal match)
};

struct FindQuery {
  Level level = Level::Study;
  std::vector<QueryKey> keys;
  int64_t limit = 0;  // 0: no limit
  int64_t offset = 0;
};

struct SqlQuery {
  std::string sql;
  std::vector<SqlValue> params;
};

// "SELECT <select_list> FROM <level and its parents> WHERE <conditions of keys>".
// Keys of levels below `level`, unknown keys and return-only keys do not restrict.
[[nodiscard]] Result<SqlQuery> build_select(Level level, const std::vector<QueryKey>& keys,
                                            const std::string& select_list, int64_t limit = 0,
                                            int64_t offset = 0);

// The SQL pattern (GLOB) for a DICOM wildcard value, or nullopt when it has no wildcard.
[[nodiscard]] std::optional<std::string> glob_pattern(std::string_view dicom_value);

// A DICOM date or time range "A-B", "A-", "-B" or a single value, validated.
struct Range {
  std::string lower;  // empty: open
  std::string upper;  // empty: open
};
[[nodiscard]] Result<Range> parse_range(std::string_view value, Match kind);

}  // namespace vireo::archive
