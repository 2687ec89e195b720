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
  std::string value;      // empty: return key only (universal match)
  tag::Tag sequence = 0;  // the enclosing sequence of a nested key (QIDO-RS "Seq.Attr"); 0: top level
};

// Whose rows a query may see (DESIGN.md "Security": patients see only their own records,
// referring physicians only their patients'). The default is nothing, so a caller that
// forgets to say gets no rows rather than someone else's.
struct Scope {
  enum class Kind { Nothing, Everything, Patient, ReferringPhysician };
  Kind kind = Kind::Nothing;
  std::string value;  // the PatientID, or the physician's name as DICOM PN

  [[nodiscard]] static Scope everything() { return {Kind::Everything, {}}; }
  [[nodiscard]] static Scope patient(std::string patient_id) { return {Kind::Patient, std::move(patient_id)}; }
  // A referring physician sees the patients of the studies that name them, all their studies.
  [[nodiscard]] static Scope referred_by(std::string physician_name) {
    return {Kind::ReferringPhysician, std::move(physician_name)};
  }
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
