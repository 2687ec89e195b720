// Which transfer syntax the archive accepts for a storage presentation context.
//
// A scanner that proposes JPEG Lossless (or JPEG-LS, JPEG 2000) and uncompressed in one context
// would rather send compressed: answering uncompressed makes it decompress, and the archive then
// stores several times the bytes. So, by default, the proposer's own order decides: its first
// syntax the archive stores. A site may put its own order first (`dicom_storage_transfer_syntaxes`).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace vireo::net {

// Whether a transfer syntax loses information (JPEG baseline and extended, JPEG-LS near-lossless,
// JPEG 2000 and HTJ2K lossy, the video syntaxes).
[[nodiscard]] bool is_lossy(std::string_view uid);

// `proposed`: the context's syntaxes in the proposer's order; a lossy one only when nothing
// lossless that the archive stores is offered. `stored`: what the archive accepts.
// `preferred`: the site's order (UIDs), tried first; then the proposer's. Null: none is stored.
[[nodiscard]] const char* choose_storage_syntax(std::span<const std::string> proposed,
                                                std::span<const char* const> stored,
                                                std::span<const std::string> preferred);

}  // namespace vireo::net
