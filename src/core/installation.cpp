#include "core/installation.hpp"

namespace vireo {

std::filesystem::path installation_root() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path(ec) : exe.parent_path().parent_path();
}

}  // namespace vireo
