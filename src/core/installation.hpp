// Where this installation is on disk.
#pragma once

#include <filesystem>

namespace vireo {

// The folder above the one that holds the vireo binary: the source tree after `make run`, or
// the installation's prefix. Defaults that name files (data_dir, web_root) start from it, so
// that `vireo serve` and every other subcommand find the same archive from any folder.
[[nodiscard]] std::filesystem::path installation_root();

}  // namespace vireo
