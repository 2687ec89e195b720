// The shape of one AI finding as engines send it and the viewer's AI layer draws it
// (docs/VIEWER.md, "AI findings"). The viewer reads findings by the same rule
// (web/src/viewer/ai.ts); tests/fixtures/ai_findings.json holds the cases both are tested
// against, so that the archive never keeps a finding the viewer would not draw.
#pragma once

#include <nlohmann/json_fwd.hpp>

namespace vireo::api {

bool is_ai_finding(const nlohmann::json& finding);

}  // namespace vireo::api
