// Small string utilities shared by every layer: trimming, splitting, case folding and the
// person-name normalisation used by the archive index (upper case, Latin accents folded).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vireo {

[[nodiscard]] std::string_view trim(std::string_view s);
// At most `max` bytes of UTF-8 text, never cutting a character in two.
[[nodiscard]] std::string utf8_prefix(std::string_view s, size_t max);
[[nodiscard]] std::vector<std::string> split(std::string_view s, char sep);
[[nodiscard]] std::string join(const std::vector<std::string>& parts, char sep);
[[nodiscard]] std::string to_upper_ascii(std::string_view s);
[[nodiscard]] std::string to_lower_ascii(std::string_view s);
// Text for XML content and attribute values: & < > " ' escaped, control characters that
// XML 1.0 forbids replaced by spaces.
[[nodiscard]] std::string xml_escape(std::string_view s);
[[nodiscard]] bool starts_with(std::string_view s, std::string_view prefix);
// Text from outside (an AE title, a character set name) as it may go into the log: printable
// ASCII kept, every other byte as \xHH, at most `max` bytes of it, so that no sender can
// start a forged log line.
[[nodiscard]] std::string log_safe(std::string_view s, size_t max = 64);

// Upper-cases ASCII and folds Latin-1 / Latin Extended-A letters to their base letter
// ("Müller^José" -> "MULLER^JOSE") so that person-name search is case- and
// accent-insensitive through an ordinary index. Other scripts pass through unchanged.
[[nodiscard]] std::string normalize_person_name(std::string_view utf8);

// A DICOM UID: 1-64 chars of digits and dots (PS3.5 9.1). Also what makes a UID safe as a
// file name component.
[[nodiscard]] bool is_valid_uid(std::string_view uid);

// RFC 3986: every byte but the unreserved ones (letters, digits, - . _ ~) as %HH.
[[nodiscard]] std::string percent_encode(std::string_view s);
// %HH sequences back to bytes (a malformed one is kept as it is); `plus_is_space` for form
// encoding (application/x-www-form-urlencoded).
[[nodiscard]] std::string percent_decode(std::string_view s, bool plus_is_space = false);

[[nodiscard]] std::string hex_encode(const unsigned char* data, size_t size);

// Appends `text` to `out` with every `from` replaced by `to` (`from` not empty).
void append_replacing(std::string& out, std::string_view text, std::string_view from, std::string_view to);
[[nodiscard]] std::string replace_all(std::string_view text, std::string_view from, std::string_view to);

}  // namespace vireo
