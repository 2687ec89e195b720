// The archive's side of a report's key images: each drawn as the PDF prints it (PNG, in the window
// the radiologist chose it in, fitted to a print cell), with the numbers the modality gave its
// series and instance; and each as the SR refers to it (its SOP class).
#pragma once

#include "archive/archive.hpp"
#include "dicom/report_objects.hpp"
#include "reporting/signer.hpp"

namespace vireo::app {

// Two to a row on A4 at about 150 dpi: sharp in print, a few hundred kB in the PDF.
inline constexpr uint32_t kKeyImagePixels = 560;

// NotFound when the image is not (or no longer) in that study and series.
[[nodiscard]] reporting::KeyImageSource key_image_source(archive::Archive& archive);

// The key images of `study_uid` as the SR refers to them; those no longer in it are left out.
[[nodiscard]] Result<std::vector<dicom::ImageReference>> key_image_references(
    archive::Archive& archive, const std::string& study_uid, const std::vector<reporting::KeyImage>& images);

}  // namespace vireo::app
