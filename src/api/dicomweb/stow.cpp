// STOW-RS (PS3.18 10.5): instances posted as multipart/related; type="application/dicom",
// each stored with the same durability contract as C-STORE, answered with the Store
// Instances Response Module (PS3.18 10.5.3) in the DICOM JSON model.
#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "api/dicomweb/dicom_json.hpp"
#include "api/dicomweb/multipart.hpp"
#include "api/dicomweb/routes.hpp"
#include "core/strings.hpp"

namespace vireo::api::dicomweb {

namespace {

using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;

constexpr tag::Tag kRetrieveURL = 0x00081190, kFailedSOPSequence = 0x00081198, kReferencedSOPSequence = 0x00081199,
                   kReferencedSOPClassUID = 0x00081150, kReferencedSOPInstanceUID = 0x00081155,
                   kFailureReason = 0x00081197;
constexpr uint16_t kCannotUnderstand = 0xC000;

Status write_file(const std::filesystem::path& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(ErrorCode::OutOfResources, "cannot write a received instance");
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      ::unlink(path.c_str());
      return fail(ErrorCode::OutOfResources, "the blob store is full or not writable");
    }
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  return {};
}

json item(std::initializer_list<std::pair<tag::Tag, json>> attributes) {
  json out = json::object();
  for (const auto& [t, v] : attributes) out[tag_key(t)] = v;
  return out;
}

HttpResponse stow(archive::Archive& archive, const HttpRequest& r, const Options& options) {
  auto ct = r.headers.find("content-type");
  std::string type = ct == r.headers.end() ? "" : to_lower_ascii(std::string(trim(split(ct->second, ';')[0])));
  auto part_type = ct == r.headers.end() ? std::nullopt : header_parameter(ct->second, "type");
  if (type != "multipart/related" || (part_type && to_lower_ascii(*part_type) != "application/dicom"))
    return http::problem(415, "Unsupported Media Type",
                         "send multipart/related; type=\"application/dicom\" (DICOM JSON + bulk data is not supported)");
  auto boundary = header_parameter(ct->second, "boundary");
  if (!boundary) return http::problem(Error{ErrorCode::InvalidArgument, "the Content-Type has no boundary"});
  auto parts = parse_multipart(r.body, *boundary);
  if (!parts) return http::problem(parts.error());
  if (parts->empty()) return http::problem(Error{ErrorCode::InvalidArgument, "the body holds no instances"});
  if (auto room = archive.check_free_space(); !room) return http::problem(room.error());

  const std::string root = service_root(r, options);
  const std::string expected_study = r.param("study");
  if (!expected_study.empty() && !is_valid_uid(expected_study))
    return http::problem(Error{ErrorCode::InvalidArgument, "'" + expected_study + "' is not a UID"});
  json referenced = json::array(), failed = json::array();
  std::string first_study;
  for (const auto& part : *parts) {
    auto pt = part.headers.find("content-type");
    if (pt != part.headers.end() && to_lower_ascii(std::string(trim(split(pt->second, ';')[0]))) != "application/dicom") {
      failed.push_back(item({{kFailureReason, attribute_json("US", std::to_string(kCannotUnderstand))}}));
      continue;
    }
    auto tmp = archive.temp_path();
    Result<archive::StoreResult> stored = std::unexpected(Error{});
    if (auto w = write_file(tmp, part.body); !w) stored = std::unexpected(w.error());
    else
      stored = archive.store_file(tmp, {"stow:" + r.principal.username, "", "", expected_study});
    if (!stored) {
      failed.push_back(item({{kFailureReason, attribute_json("US", std::to_string(dicom_status(stored.error().code)))}}));
      continue;
    }
    if (first_study.empty()) {
      first_study = stored->study_instance_uid;
      r.audit.patient_id = stored->patient_id;
      r.audit.study_uid = stored->study_instance_uid;
    }
    referenced.push_back(item({{kReferencedSOPClassUID, attribute_json("UI", stored->sop_class_uid)},
                               {kReferencedSOPInstanceUID, attribute_json("UI", stored->sop_instance_uid)},
                               {kRetrieveURL, attribute_json("UR", root + "/studies/" + stored->study_instance_uid +
                                                                       "/instances/" + stored->sop_instance_uid)}}));
  }
  r.audit.detail = std::to_string(referenced.size()) + " stored, " + std::to_string(failed.size()) + " failed";
  json out = json::object();
  if (!first_study.empty()) out[tag_key(kRetrieveURL)] = attribute_json("UR", root + "/studies/" + first_study);
  if (!referenced.empty()) out[tag_key(kReferencedSOPSequence)] = {{"vr", "SQ"}, {"Value", referenced}};
  if (!failed.empty()) out[tag_key(kFailedSOPSequence)] = {{"vr", "SQ"}, {"Value", failed}};
  // PS3.18 10.5.3: 200 all stored, 202 some failed, 409 none stored.
  int status = failed.empty() ? 200 : referenced.empty() ? 409 : 202;
  HttpResponse res = http::json_response(status, out.dump(-1, ' ', false, json::error_handler_t::replace));
  res.content_type = "application/dicom+json";
  return res;
}

}  // namespace

void register_stow_routes(http::Router& router, archive::Archive& archive, const Options& options) {
  auto& a = archive;
  const Options o = options;
  for (const char* path : {"/dicom-web/studies", "/dicom-web/studies/{study}"})
    router.add("POST", path, "archive.store", [&a, o](const HttpRequest& r) { return stow(a, r, o); });
}

}  // namespace vireo::api::dicomweb
