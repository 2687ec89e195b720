// Standard base64 (RFC 4648 section 4, with padding), by OpenSSL's EVP encoder: binary kept
// where only text is stored or sent (a signed PDF in a text column, HTTP Basic credentials).
// Thread-safe: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vireo {

[[nodiscard]] std::string base64_encode(std::string_view bytes);
// nullopt for text that is not base64 (a length not a multiple of 4, another character).
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace vireo
