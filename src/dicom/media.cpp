#include "dicom/media.hpp"

#include <dcmtk/dcmdata/dcddirif.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <fmt/format.h>
#include <zip.h>

#include <fstream>
#include <memory>

#include "dicom/render.hpp"

namespace vireo::dicom {

namespace fs = std::filesystem;

namespace {

// File IDs of the media: at most eight upper-case letters and digits per component (PS3.10 8.2).
std::string file_id(size_t n) { return fmt::format("I{:07d}", n); }

Status write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) return fail(ErrorCode::OutOfResources, "cannot write " + p.filename().string());
  return {};
}

uint32_t frames_of(const fs::path& file) {
  DcmFileFormat ff;
  if (ff.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096).bad()) return 0;
  Sint32 n = 1;
  if (ff.getDataset()->findAndGetSint32(DCM_NumberOfFrames, n).bad() || n < 1) n = 1;
  DcmElement* pixels = nullptr;
  if (ff.getDataset()->findAndGetElement(DCM_PixelData, pixels).bad()) return 0;
  return static_cast<uint32_t>(n);
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};

// Adds every file under `root` to the ZIP under its relative name; DICOM and JPEG data are
// mostly compressed already, so they are stored, text is deflated.
Status zip_folder(const fs::path& root, const fs::path& zip_path) {
  int error = 0;
  std::unique_ptr<zip_t, ZipCloser> z(zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error));
  if (!z) return fail(ErrorCode::OutOfResources, "cannot create the ZIP file");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    zip_source_t* src = zip_source_file(z.get(), f.c_str(), 0, -1);
    if (!src) return fail(ErrorCode::OutOfResources, "cannot read " + f.filename().string() + " into the ZIP");
    zip_int64_t idx = zip_file_add(z.get(), fs::relative(f, root).generic_string().c_str(), src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(src);
      return fail(ErrorCode::OutOfResources, "cannot add " + f.filename().string() + " to the ZIP");
    }
    bool text = f.extension() == ".TXT" || f.extension() == ".txt";
    zip_set_file_compression(z.get(), static_cast<zip_uint64_t>(idx), text ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
  }
  if (zip_close(z.get()) != 0) return fail(ErrorCode::OutOfResources, std::string("cannot write the ZIP file: ") + zip_strerror(z.get()));
  (void)z.release();  // zip_close freed it
  return {};
}

Result<MediaSummary> dicom_media(const std::vector<fs::path>& files, const fs::path& work) {
  MediaSummary summary;
  fs::create_directories(work / "DICOM");
  DicomDirInterface dir;
  dir.disableTransferSyntaxCheck(OFFalse);  // the files go as stored, compressed or not
  dir.enableInventMode(OFTrue);             // a missing Study ID or Series Number does not leave a file out
  const fs::path dicomdir = work / "DICOMDIR";
  if (dir.createNewDicomDir(DicomDirInterface::AP_GeneralPurpose, dicomdir.c_str(), "VIREO").bad())
    return fail(ErrorCode::OutOfResources, "cannot start the DICOMDIR");
  for (const auto& f : files) {
    const std::string id = "DICOM/" + file_id(summary.files + summary.left_out + 1);
    std::error_code ec;
    fs::copy_file(f, work / id, ec);
    if (ec) return fail(ErrorCode::OutOfResources, "cannot copy a stored file: " + ec.message());
    if (dir.addDicomFile(id.c_str(), work.c_str()).bad()) {
      fs::remove(work / id, ec);  // an object the DICOMDIR cannot index is left out, and counted
      ++summary.left_out;
      continue;
    }
    ++summary.files;
  }
  if (dir.writeDicomDir().bad()) return fail(ErrorCode::OutOfResources, "cannot write the DICOMDIR");
  return summary;
}

Result<MediaSummary> jpeg_media(const std::vector<fs::path>& files, const fs::path& work) {
  MediaSummary summary;
  fs::create_directories(work / "IMAGES");
  size_t n = 0;
  for (const auto& f : files) {
    uint32_t frames = frames_of(f);
    if (frames == 0) {
      ++summary.left_out;  // a report, a waveform: nothing to draw
      continue;
    }
    for (uint32_t k = 1; k <= frames; ++k) {
      RenderOptions o;
      o.frame = k;
      o.quality = 92;
      auto jpeg = render(f, o);
      if (!jpeg) {
        ++summary.left_out;
        break;
      }
      if (auto s = write_text(work / "IMAGES" / fmt::format("IMAGE{:04d}.JPG", ++n), *jpeg); !s) return std::unexpected(s.error());
      ++summary.files;
    }
  }
  return summary;
}

}  // namespace

Result<MediaSummary> write_media_zip(const std::vector<fs::path>& files, MediaKind kind, const fs::path& work,
                                     const fs::path& zip, const std::string& readme) {
  auto summary = kind == MediaKind::Dicom ? dicom_media(files, work) : jpeg_media(files, work);
  if (!summary) return summary;
  if (auto s = write_text(work / "README.TXT", readme); !s) return std::unexpected(s.error());
  if (auto s = zip_folder(work, zip); !s) return std::unexpected(s.error());
  return summary;
}

}  // namespace vireo::dicom
