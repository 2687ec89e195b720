// What the archive does with an instance whose SOP Instance UID it stores already, with other
// content (the configuration's duplicate_policy).
#pragma once

namespace vireo::archive {

enum class DuplicatePolicy { KeepFirst, Overwrite };

}  // namespace vireo::archive
