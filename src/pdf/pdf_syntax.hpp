// Just enough of the PDF syntax (ISO 32000-1 section 7) to add a signature to a report
// as an incremental update and to find it again: the lexer's objects as spans of the
// file's text, dictionaries' entries, and classic cross-reference tables with their
// /Prev chain. Internal to src/pdf/.
//
// Reports come from cairo restricted to PDF 1.4 (pdf/report_layout.cpp), which writes a
// classic cross-reference table; files whose newest section is a cross-reference
// stream (PDF 1.5 compression) get a clear InvalidArgument instead of a guess.
//
// Thread-safety: pure functions over the caller's bytes.
// Usage:
//   auto xref = read_cross_reference(pdf);
//   auto catalog = resolve(pdf, *xref, *dictionary_value(xref->trailer, "Root"));
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace vireo::pdf::detail {

struct DictionaryEntry {
  std::string_view key;    // without the slash
  std::string_view value;  // the value's text, a view into the dictionary
};

struct Reference {
  int number = 0;
  int generation = 0;
};

// The entries of a dictionary whose text starts with "<<"; InvalidArgument on malformed
// text. Values keep their source text (nested dictionaries, arrays, strings, references).
[[nodiscard]] Result<std::vector<DictionaryEntry>> dictionary_entries(std::string_view dictionary);
// One entry's value; nullopt when absent or when the dictionary is malformed.
[[nodiscard]] std::optional<std::string_view> dictionary_value(std::string_view dictionary, std::string_view key);
// The dictionary with key set to value (replaced where present, added before ">>" where not).
[[nodiscard]] Result<std::string> with_entry(std::string_view dictionary, std::string_view key, std::string_view value);
// The top-level items of an array "[ ... ]"; "4 0 R" is one item.
[[nodiscard]] Result<std::vector<std::string_view>> array_items(std::string_view array);
[[nodiscard]] std::optional<Reference> as_reference(std::string_view value);
[[nodiscard]] std::optional<long long> as_integer(std::string_view value);
// A literal "(...)" or hex "<...>" string's bytes.
[[nodiscard]] std::optional<std::string> as_string(std::string_view value);
// A name "/Foo" without its slash (#xx escapes decoded).
[[nodiscard]] std::optional<std::string> as_name(std::string_view value);

struct CrossReference {
  struct Entry {
    size_t offset = 0;
    int generation = 0;
  };
  std::map<int, Entry> objects;  // objects in use, as the newest revision has them
  std::string_view trailer;      // the newest trailer dictionary
  size_t startxref = 0;          // where the newest section starts (the update's /Prev)
  int size = 0;                  // the newest trailer's /Size
};

// The cross-reference tables of the whole /Prev chain, newest entries winning.
[[nodiscard]] Result<CrossReference> read_cross_reference(std::string_view pdf);
// The value of an object (a dictionary's text, an array...), without "obj" and without a
// stream's data; NotFound for an object not in the table.
[[nodiscard]] Result<std::string_view> object_value(std::string_view pdf, const CrossReference& xref, int number);
// value itself, or the value of the object it refers to.
[[nodiscard]] Result<std::string_view> resolve(std::string_view pdf, const CrossReference& xref, std::string_view value);

}  // namespace vireo::pdf::detail
