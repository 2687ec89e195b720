#include "store/blob_store.hpp"

#include "core/sha256.hpp"

namespace vireo {

std::string blob_key(const std::string& name, const std::string& group, const std::string& sha256) {
  return sha256_hex(group).substr(0, 4) + "/" + name + "-" + sha256.substr(0, 16);
}

bool is_valid_blob_name(const std::string& name) {
  if (name.empty() || name.size() > 200 || name.front() == '.') return false;
  for (char c : name) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_valid_blob_key(const std::string& key) {
  if (key.size() < 6 || key[4] != '/') return false;
  for (size_t i = 0; i < 4; ++i) {
    char c = key[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return is_valid_blob_name(key.substr(5));
}

}  // namespace vireo
