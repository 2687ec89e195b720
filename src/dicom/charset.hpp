// Text in any character set the standard defines, to UTF-8 (PS3.5 6.1, PS3.3 C.12.1.1.2).
//
// DCMTK converts single character sets through the C library's iconv, but refuses the ISO 2022
// code extensions there (Japanese ISO 2022 IR 87/13/159, and e.g. "ISO 2022 IR 100"), which
// then reach the index and the DICOM JSON as raw bytes and escape sequences. This decoder
// follows the escape sequences itself and hands each run of text to iconv in the plain
// encoding it is (EUC-JP, EUC-KR, GB2312, ISO 8859-x).
//
// Thread-safety: every function may be called concurrently once set_default_character_set()
// has run (at start-up, before any thread).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

class DcmItem;

namespace vireo::dicom {

// The Specific Character Set assumed for files that declare none but whose text is not ASCII
// (e.g. "ISO_IR 100", the usual one in European sites). Empty: such text is kept as it is
// when it is valid UTF-8, else its bytes above 127 are replaced.
void set_default_character_set(std::string defined_term);
[[nodiscard]] const std::string& default_character_set();

// Whether the defined term (a value of Specific Character Set) is one this decoder knows.
[[nodiscard]] bool known_character_set(std::string_view defined_term);

// One value (all of it: several values joined with '\', a person name's component groups)
// decoded under the item's Specific Character Set values, to UTF-8. Null when a byte or an
// escape sequence cannot be read.
[[nodiscard]] std::optional<std::string> decode_to_utf8(std::string_view bytes,
                                                        const std::vector<std::string>& character_sets);

// Every text value of `item` and its sequences' items to UTF-8 (each item under its own
// Specific Character Set where it has one, else its parent's), and (0008,0005) set to
// ISO_IR 192 where it was given. Values that cannot be decoded keep their ASCII and have
// their other bytes replaced with U+FFFD: never invalid UTF-8 in an answer.
void convert_item_to_utf8(DcmItem& item);

}  // namespace vireo::dicom
