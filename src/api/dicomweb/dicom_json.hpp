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

}  // namespace vireo::api::dicomweb
