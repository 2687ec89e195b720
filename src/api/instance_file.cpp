#include "api/instance_file.hpp"

namespace vireo::api {

http::HttpResponse instance_file_response(archive::Archive& archive,
                                          const archive::StoredInstance& inst, bool attachment) {
  auto path = archive.instance_file(inst, archive::Archive::HashCheck::EveryRead);
  if (!path) return http::problem(path.error());
  http::HttpResponse res;
  res.content_type = "application/dicom";
  res.file = *path;
  if (attachment)
    res.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"" + inst.sop_instance_uid + ".dcm\"");
  res.headers.emplace_back("ETag", "\"" + inst.sha256 + "\"");
  return res;
}

}  // namespace vireo::api
