#include "api/dicomweb/dicom_json.hpp"

#include <charconv>

#include <fmt/format.h>

#include "core/strings.hpp"

namespace vireo::api::dicomweb {

using nlohmann::json;

std::string tag_key(tag::Tag t) { return fmt::format("{:08X}", t); }

json attribute_json(std::string_view vr, const std::string& value) {
  json out = {{"vr", std::string(vr)}};
  if (value.empty()) return out;
  json values = json::array();
  for (const auto& raw : split(value, '\\')) {
    std::string v(trim(raw));
    if (vr == "PN") {
      // PS3.18 F.2.2: one object per name, with its component groups.
      auto groups = split(v, '=');
      json pn = json::object();
      const char* names[] = {"Alphabetic", "Ideographic", "Phonetic"};
      for (size_t g = 0; g < groups.size() && g < 3; ++g)
        if (!groups[g].empty()) pn[names[g]] = groups[g];
      values.push_back(pn);
    } else if (vr == "IS" || vr == "US" || vr == "UL" || vr == "SS" || vr == "SL") {
      int64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec == std::errc() && p == v.data() + v.size()) values.push_back(n);
      else if (v.empty()) values.push_back(nullptr);
      else values.push_back(v);  // a malformed number stays readable rather than lost
    } else if (vr == "DS" || vr == "FL" || vr == "FD") {
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (!v.empty() && end == v.c_str() + v.size()) values.push_back(d);
      else values.push_back(v.empty() ? json(nullptr) : json(v));
    } else {
      values.push_back(v.empty() ? json(nullptr) : json(v));
    }
  }
  out["Value"] = values;
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  bool plain = true;
  for (unsigned char c : s)
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) {
      plain = false;
      break;
    }
  if (!plain) {  // rare in indexed values: let the library escape and check UTF-8
    out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

void append_attribute_json(std::string& out, std::string_view vr, std::string_view value) {
  if (value.empty()) {
    out += "{\"vr\":";
    append_json_string(out, vr);
    out += '}';
    return;
  }
  out += "{\"Value\":[";
  bool first = true;
  for (const auto& raw : split(value, '\\')) {
    if (!first) out += ',';
    first = false;
    std::string_view v = trim(raw);
    if (vr == "PN") {
      auto groups = split(v, '=');
      const char* names[] = {"Alphabetic", "Ideographic", "Phonetic"};
      out += '{';
      bool any = false;
      for (size_t g = 0; g < groups.size() && g < 3; ++g) {
        if (groups[g].empty()) continue;
        if (any) out += ',';
        any = true;
        out += '"';
        out += names[g];
        out += "\":";
        append_json_string(out, groups[g]);
      }
      out += '}';
    } else if (vr == "IS" || vr == "US" || vr == "UL" || vr == "SS" || vr == "SL") {
      int64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec == std::errc() && p == v.data() + v.size()) out += std::to_string(n);
      else if (v.empty()) out += "null";
      else append_json_string(out, v);
    } else if (vr == "DS" || vr == "FL" || vr == "FD") {
      std::string text(v);
      char* end = nullptr;
      double d = std::strtod(text.c_str(), &end);
      if (!text.empty() && end == text.c_str() + text.size()) out += json(d).dump();
      else if (text.empty()) out += "null";
      else append_json_string(out, v);
    } else if (v.empty()) {
      out += "null";
    } else {
      append_json_string(out, v);
    }
  }
  out += "],\"vr\":";
  append_json_string(out, vr);
  out += '}';
}

}  // namespace vireo::api::dicomweb
