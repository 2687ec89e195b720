// New DICOM UIDs, for what Vireo names before any modality does (the Study Instance UID a
// worklist entry hands to the scanner): "2.25." and a 128-bit number in decimal (PS3.5 B.2, a
// UUID-derived UID), so no registered root is needed and nodes never collide.
#pragma once

#include <string>
#include <string_view>

namespace vireo {

// A random (version 4) UUID's UID.
[[nodiscard]] std::string new_uid();

// The same UID for the same name, every time and on every node (a name-based UUID, RFC 9562
// version 8, from the name's SHA-256): for objects made again from what they record, so that
// making them twice makes the same object. The name must be unique to what it names (it holds
// a hash of the content, or a UID of its own).
[[nodiscard]] std::string name_uid(std::string_view name);

}  // namespace vireo
