#include "app/key_images.hpp"

#include <nlohmann/json.hpp>

#include "dicom/render.hpp"

namespace vireo::app {

namespace {

Result<archive::StoredInstance> instance_in(archive::Archive& archive, const std::string& study_uid,
                                            const reporting::KeyImage& image) {
  auto found = archive.instance(image.sop_uid, access::Scope::everything());
  if (!found) return std::unexpected(found.error());
  if (found->study_uid != study_uid || found->series_uid != image.series_uid)
    return fail(ErrorCode::NotFound, "key image " + image.sop_uid + " is not in study " + study_uid);
  return found;
}

// A number the image's attributes (DICOM JSON, as kept at ingest) give: "" when absent.
std::string number_in(const nlohmann::json& ds, const char* tag) {
  if (!ds.is_object()) return {};
  auto it = ds.find(tag);
  if (it == ds.end() || !it->is_object()) return {};
  auto values = it->find("Value");
  if (values == it->end() || !values->is_array() || values->empty()) return {};
  const auto& v = (*values)[0];
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return v.is_string() ? v.get<std::string>() : std::string();
}

// The instance's attributes as kept at ingest (DICOM JSON); null when they cannot be read.
nlohmann::json attributes_of(archive::Archive& archive, const archive::StoredInstance& inst) {
  auto metadata = archive.metadata({inst});
  if (!metadata || metadata->empty() || !(*metadata)[0]) return nullptr;
  auto ds = nlohmann::json::parse(*(*metadata)[0], nullptr, false);
  return ds.is_object() ? ds : nullptr;
}

int64_t frames_in(const nlohmann::json& ds) {
  const std::string n = ds.is_object() ? number_in(ds, "00280008") : std::string();
  return std::max<int64_t>(1, n.empty() ? 1 : std::atoll(n.c_str()));
}

}  // namespace

reporting::KeyImageSource key_image_source(archive::Archive& archive) {
  return [&archive](const std::string& study_uid,
                    const reporting::KeyImage& image) -> Result<reporting::KeyImagePicture> {
    auto inst = instance_in(archive, study_uid, image);
    if (!inst) return std::unexpected(inst.error());
    auto path = archive.instance_file(*inst, archive::Archive::HashCheck::Once);
    if (!path) return std::unexpected(path.error());
    dicom::RenderOptions how;
    how.frame = static_cast<uint32_t>(image.frame);
    how.window_center = image.window_center;
    how.window_width = image.window_width;
    how.max_columns = how.max_rows = kKeyImagePixels;
    how.png = true;
    reporting::KeyImagePicture out;
    auto png = dicom::render(*path, how);
    if (!png) return std::unexpected(png.error());
    out.png = std::move(*png);
    auto ds = attributes_of(archive, *inst);
    out.series_number = number_in(ds, "00200011");
    out.instance_number = number_in(ds, "00200013");
    out.frames = frames_in(ds);
    return out;
  };
}

Result<std::vector<dicom::ImageReference>> key_image_references(archive::Archive& archive,
                                                                 const std::string& study_uid,
                                                                 const std::vector<reporting::KeyImage>& images) {
  std::vector<dicom::ImageReference> out;
  for (const auto& k : images) {
    auto inst = instance_in(archive, study_uid, k);
    if (!inst) {
      if (inst.error().code == ErrorCode::NotFound) continue;
      return std::unexpected(inst.error());
    }
    out.push_back({{study_uid, k.series_uid, inst->sop_class_uid, k.sop_uid}, k.frame, k.caption,
                   frames_in(attributes_of(archive, *inst))});
  }
  return out;
}

}  // namespace vireo::app
