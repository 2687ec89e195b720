// New DICOM UIDs, for what Vireo names before any modality does (the Study Instance UID a
// worklist entry hands to the scanner): "2.25." and a random 128-bit number in decimal (PS3.5
// B.2, a UUID-derived UID), so no registered root is needed and nodes never collide.
#pragma once

#include <string>

namespace vireo {

[[nodiscard]] std::string new_uid();

}  // namespace vireo
