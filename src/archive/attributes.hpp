// The archive index's attribute table: for every attribute the index stores, its level,
// its column, and how C-FIND (and later QIDO-RS) matches it. Ingest, query and the REST
// encoders all read this one table, so adding a matching key is adding a row.
#pragma once

#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "dicom/tags.hpp"

namespace vireo::archive {

enum class Level { Patient = 0, Study = 1, Series = 2, Instance = 3 };

[[nodiscard]] std::string_view level_table(Level level);  // "patients", "studies", ...
[[nodiscard]] std::string_view level_alias(Level level);  // "p", "st", "se", "i"

enum class Match {
  Uid,         // single value or a list separated by '\' (PS3.4 C.2.2.2.2)
  Text,        // single value or wildcard * and ? (case-sensitive, PS3.4 C.2.2.2.4)
  PersonName,  // as Text, on the normalised column: case- and accent-insensitive
  Date,        // single value or range A-B, -B, A- (PS3.4 C.2.2.2.5)
  Time,        // as Date, on times
  Modalities,  // ModalitiesInStudy: any of a '\' list
  ReturnOnly,  // counts and derived values: returned, never matched
};

struct IndexedAttribute {
  tag::Tag tag;
  std::string_view keyword;  // DICOM keyword, also the REST JSON field name
  Level level;
  std::string_view column;   // empty for values computed in SQL (see select_expression)
  Match match;
  std::string_view vr;       // value representation, for the DICOM JSON model
  // The sequence whose (first) item holds the attribute, for the nested matching keys of
  // PS3.18 Table 10.6.1-5 (RequestAttributesSequence > RequestedProcedureID); 0: top level.
  tag::Tag sequence = 0;
};

[[nodiscard]] std::span<const IndexedAttribute> indexed_attributes();
[[nodiscard]] const IndexedAttribute* find_attribute(tag::Tag t, tag::Tag sequence = 0);
// The attributes stored in `level`'s own table and read from the file at ingest.
[[nodiscard]] std::vector<const IndexedAttribute*> stored_attributes(Level level);
// Every top-level tag ingest reads from a file.
[[nodiscard]] std::vector<tag::Tag> ingest_tags();
// Every (sequence, tag) ingest reads from the first item of a sequence.
[[nodiscard]] std::vector<std::pair<tag::Tag, tag::Tag>> ingest_nested_tags();
// The SQL expression that yields the attribute (alias.column).
[[nodiscard]] std::string select_expression(const IndexedAttribute& a);

// Values as they go into the index: legacy dates "YYYY.MM.DD" and times "HH:MM:SS" lose
// their separators so that ranges compare as strings.
[[nodiscard]] std::string normalize_for_index(const IndexedAttribute& a, std::string value);
// The normalised person-name form stored beside a PN column (and applied to queries).
[[nodiscard]] std::string person_name_key(std::string_view value);

}  // namespace vireo::archive
