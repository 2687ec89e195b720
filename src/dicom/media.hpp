// A study to take away, as IHE Portable Data for Imaging does it on a USB stick: one ZIP with
// the DICOM files under DICOM/, a DICOMDIR that indexes them (patient, study, series, image)
// and a README; or the images as JPEGs for people without a DICOM viewer.
//
// Thread-safety: each call is independent (its own working folder).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace vireo::dicom {

enum class MediaKind { Dicom, Jpeg };

struct MediaSummary {
  size_t files = 0;     // DICOM files (Dicom) or pictures (Jpeg) in the ZIP
  size_t left_out = 0;  // instances that could not be indexed (Dicom) or drawn (Jpeg)
};

// Writes `zip` from the Part 10 `files`, using `work` (an empty folder, removed by the caller)
// for the media's layout. `readme`: the README.TXT's text.
[[nodiscard]] Result<MediaSummary> write_media_zip(const std::vector<std::filesystem::path>& files, MediaKind kind,
                                                   const std::filesystem::path& work, const std::filesystem::path& zip,
                                                   const std::string& readme);

}  // namespace vireo::dicom
