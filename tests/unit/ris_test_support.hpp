// What the RIS's unit tests share: the rules a result broke for one field.
#pragma once

#include <string>
#include <vector>

#include "access/principal.hpp"
#include "ris/patient.hpp"
#include "store/database.hpp"

namespace vireo::ris::testing_support {

inline std::vector<std::string> rules_of(const std::vector<FieldError>& errors,
                                         const std::string& field) {
  std::vector<std::string> out;
  for (const auto& e : errors)
    if (e.field == field) out.push_back(e.rule);
  return out;
}

// Someone signed in with one role, through a browser session.
inline access::Principal signed_in(const std::string& name, access::Role role) {
  access::Principal p;
  p.username = name;
  p.roles = {role};
  p.via = access::Credential::Session;
  return p;
}

// Each query's rows as text, a line a row: what a refusal must leave as it was.
inline std::string rows_text(Database& db, std::initializer_list<const char*> queries) {
  auto c = db.connect();
  std::string out;
  for (const char* sql : queries) {
    auto rows = (*c)->query(sql, {});
    for (const auto& r : *rows) {
      for (size_t i = 0; i < r.size(); ++i) out += r.text(i) + "|";
      out += "\n";
    }
  }
  return out;
}

}  // namespace vireo::ris::testing_support
