// The DICOM JSON model (PS3.18 F.2): attributes keyed by eight upper-case hex digits, each
// with its VR and a Value array (numbers for IS/DS/US..., PN as Alphabetic/Ideographic/
// Phonetic groups, multi-values split on '\').
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "dicom/tags.hpp"

namespace vireo::api::dicomweb {

[[nodiscard]] std::string tag_key(tag::Tag t);  // "0020000D"
// {"vr": vr, "Value": [...]} for a value as the index stores it; no "Value" when empty.
[[nodiscard]] nlohmann::json attribute_json(std::string_view vr, const std::string& value);
// The same text as attribute_json(vr, value).dump(), appended to `out` without building
// json objects (QIDO-RS writes thousands per answer; the objects cost most of its time).
void append_attribute_json(std::string& out, std::string_view vr, std::string_view value);
// A JSON string literal (quotes, escapes; invalid UTF-8 replaced), as nlohmann::json dumps it.
void append_json_string(std::string& out, std::string_view s);

}  // namespace vireo::api::dicomweb
