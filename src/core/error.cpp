#include "core/error.hpp"

namespace vireo {
namespace {
struct ErrorInfo {
  std::string_view name;
  uint16_t dicom;
  int http;
  std::string_view text;
};
constexpr ErrorInfo kErrors[] = {
#define VIREO_ERROR_ROW(name, dicom, http, text) {#name, dicom, http, text},
    VIREO_ERROR_TABLE(VIREO_ERROR_ROW)
#undef VIREO_ERROR_ROW
};
const ErrorInfo& info(ErrorCode code) { return kErrors[static_cast<size_t>(code)]; }
}  // namespace

uint16_t dicom_status(ErrorCode code) { return info(code).dicom; }
int http_status(ErrorCode code) { return info(code).http; }
std::string_view error_title(ErrorCode code) { return info(code).text; }
std::string_view error_name(ErrorCode code) { return info(code).name; }

std::string Error::message() const {
  std::string out(error_title(code));
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

}  // namespace vireo
