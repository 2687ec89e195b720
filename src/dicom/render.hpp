// Rendering a frame to a consumer image (PS3.18 8.3.5 "rendered" resources, thumbnails,
// WADO-URI): VOI windowing (the request's, else the instance's first stored window, else
// min/max), optional scaling to fit a viewport, JPEG or PNG. DCMTK's dcmimage; only this
// file includes it.
//
// Thread-safety: each call is independent.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace vireo::dicom {

struct RenderOptions {
  uint32_t frame = 1;                          // from 1
  std::optional<double> window_center, window_width;
  int quality = 90;                            // JPEG quality 1-100
  uint32_t max_columns = 0, max_rows = 0;      // viewport; 0: original size
  bool png = false;
};

// InvalidArgument for frames that do not exist or images DCMTK cannot render.
[[nodiscard]] Result<std::string> render(const std::filesystem::path& path, const RenderOptions& options);

}  // namespace vireo::dicom
