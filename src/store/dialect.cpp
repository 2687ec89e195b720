#include "store/database.hpp"

namespace vireo {

// SQLite's GLOB takes `*` and `?` as DICOM does; `[` opens a class, so `[` and `]` are
// written as classes of one. PostgreSQL's LIKE takes `%` and `_`, escaped with `\`.
std::string Dialect::wildcard_condition(const std::string& column) const {
  return column + (name == "sqlite" ? " GLOB ?" : " LIKE ?");
}

std::string Dialect::wildcard_parameter(std::string_view dicom_pattern) const {
  std::string out;
  out.reserve(dicom_pattern.size() + 8);
  for (char c : dicom_pattern) {
    if (name == "sqlite") {
      if (c == '[') out += "[[]";
      else if (c == ']') out += "[]]";
      else out.push_back(c);
    } else {
      if (c == '*') out.push_back('%');
      else if (c == '?') out.push_back('_');
      else if (c == '%' || c == '_' || c == '\\') out += std::string("\\") + c;
      else out.push_back(c);
    }
  }
  return out;
}

}  // namespace vireo
