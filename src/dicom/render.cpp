#include "dicom/render.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmimage/diregist.h>  // color images
#include <dcmtk/dcmimage/dipipng.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/dipijpeg.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "dicom/codecs.hpp"

namespace vireo::dicom {

Result<std::string> render(const std::filesystem::path& path, const RenderOptions& o) {
  register_codecs();
  DcmFileFormat file;
  // Pixel data stays on disk: DicomImage reads only the requested frame of it.
  if (file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 4096).bad())
    return fail(ErrorCode::IntegrityError, "cannot read a stored file");
  Sint32 frames = 1;
  (void)file.getDataset()->findAndGetSint32(DCM_NumberOfFrames, frames);
  if (frames < 1) frames = 1;
  if (o.frame < 1 || o.frame > static_cast<uint32_t>(frames))
    return fail(ErrorCode::InvalidArgument, "frame " + std::to_string(o.frame) + " does not exist; the instance has " +
                                                std::to_string(frames));
  // Only the requested frame is decoded.
  DicomImage image(&file, file.getDataset()->getOriginalXfer(), CIF_UsePartialAccessToPixelData, o.frame - 1, 1);
  if (image.getStatus() != EIS_Normal)
    return fail(ErrorCode::InvalidArgument, std::string("this instance cannot be rendered: ") +
                                                DicomImage::getString(image.getStatus()));
  if (image.isMonochrome()) {
    if (o.window_center && o.window_width) image.setWindow(*o.window_center, *o.window_width);
    else if (image.getWindowCount() > 0) image.setWindow(0);
    else image.setMinMaxWindow();
  }
  std::unique_ptr<DicomImage> scaled;
  DicomImage* out = &image;
  if ((o.max_columns && image.getWidth() > o.max_columns) || (o.max_rows && image.getHeight() > o.max_rows)) {
    double sx = o.max_columns ? static_cast<double>(o.max_columns) / image.getWidth() : 1e9;
    double sy = o.max_rows ? static_cast<double>(o.max_rows) / image.getHeight() : 1e9;
    double s = std::min(sx, sy);
    scaled.reset(image.createScaledImage(std::max(1UL, static_cast<unsigned long>(image.getWidth() * s)),
                                         std::max(1UL, static_cast<unsigned long>(image.getHeight() * s)), 1, 0));
    if (!scaled || scaled->getStatus() != EIS_Normal) return fail(ErrorCode::Internal, "cannot scale the image");
    out = scaled.get();
  }
  char* buffer = nullptr;
  size_t size = 0;
  FILE* stream = ::open_memstream(&buffer, &size);
  if (!stream) return fail(ErrorCode::OutOfResources, "no memory to render");
  int ok = 0;
  if (o.png) {
    DiPNGPlugin plugin;
    plugin.setInterlaceType(E_pngInterlaceNone);
    ok = out->writePluginFormat(&plugin, stream, 0);
  } else {
    DiJPEGPlugin plugin;
    plugin.setQuality(static_cast<unsigned int>(std::clamp(o.quality, 1, 100)));
    plugin.setSampling(ESS_422);
    ok = out->writePluginFormat(&plugin, stream, 0);
  }
  std::fclose(stream);
  std::string bytes(buffer ? buffer : "", size);
  std::free(buffer);
  if (!ok || bytes.empty()) return fail(ErrorCode::Internal, "the image could not be encoded");
  return bytes;
}

}  // namespace vireo::dicom
