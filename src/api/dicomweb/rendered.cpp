// Rendered images (PS3.18 10.4.1.1.3 "rendered", 10.4.1.1.5 thumbnails) and WADO-URI
// (PS3.18 9): a frame as JPEG or PNG for consumer applications, reports and worklists.
#include <fmt/format.h>

#include <charconv>

#include "api/dicomweb/accept.hpp"
#include "api/dicomweb/multipart.hpp"
#include "api/dicomweb/routes.hpp"
#include "api/instance_file.hpp"
#include "access/scope.hpp"
#include "core/strings.hpp"
#include "dicom/render.hpp"

namespace vireo::api::dicomweb {

namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr uint32_t kThumbnailSize = 128;

Result<double> number(const std::string& name, std::string_view v) {
  std::string s(trim(v));
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) return fail(ErrorCode::InvalidArgument, name + " must be a number");
  return d;
}

Result<uint32_t> count(const std::string& name, std::string_view v, uint32_t max) {
  std::string s(trim(v));
  uint32_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size() || n < 1 || n > max)
    return fail(ErrorCode::InvalidArgument, name + " must be a whole number from 1 to " + std::to_string(max));
  return n;
}

// image/jpeg (the default), image/png, or nullopt when the client takes neither. When it
// takes both, its preference decides: the first range, by q, naming PNG or covering JPEG.
std::optional<bool> wants_png(const std::string& accept) {
  const bool jpeg = accepts(accept, "image/jpeg");
  const bool png = accepts(accept, "image/png");
  if (!jpeg && !png) return std::nullopt;
  if (jpeg != png) return png;
  for (const auto& m : parse_accept(accept)) {
    if (m.type == "image/png") return true;
    if (m.type == "image/jpeg" || m.type == "image/*" || m.type == "*/*") return false;
  }
  return false;
}

// Everything that changes the rendered bytes, as the name of a cache entry.
std::string cache_name(const dicom::RenderOptions& o) {
  return fmt::format("v1 f{} c{} w{} q{} {}x{} {}", o.frame, o.window_center.value_or(NAN), o.window_width.value_or(NAN),
                     o.quality, o.max_columns, o.max_rows, o.png ? "png" : "jpeg");
}

// The rendered bytes, from the cache (entries grouped by the instance's blob, which changes
// whenever the instance's content does) or rendered and kept there.
Result<std::string> render_cached(archive::Archive& archive, FileCache* cache, const archive::StoredInstance& inst,
                                  const dicom::RenderOptions& o) {
  const std::string name = cache_name(o);
  if (cache)
    if (auto hit = cache->get(inst.blob_key, name)) return std::move(*hit);
  auto path = archive.instance_file(inst, archive::Archive::HashCheck::Once);
  if (!path) return std::unexpected(path.error());
  auto bytes = dicom::render(*path, o);
  if (!bytes) return std::unexpected(bytes.error());
  if (cache) cache->put(inst.blob_key, name, *bytes);
  return bytes;
}

HttpResponse encode(archive::Archive& archive, FileCache* cache, const archive::StoredInstance& inst,
                    const dicom::RenderOptions& o) {
  auto bytes = render_cached(archive, cache, inst, o);
  if (!bytes) return http::problem(bytes.error());
  HttpResponse res;
  res.content_type = o.png ? "image/png" : "image/jpeg";
  res.body = std::move(*bytes);
  return res;
}

// The one instance a path or WADO-URI request names, in the caller's scope.
Result<archive::StoredInstance> one_instance(archive::Archive& archive, const HttpRequest& r, const std::string& study,
                                             const std::string& series, const std::string& instance) {
  archive::FindQuery q;
  q.level = archive::Level::Instance;
  q.scope = access::scope_for(r.principal);
  for (const auto& [t, v] : {std::pair{tag::kStudyInstanceUID, study}, std::pair{tag::kSeriesInstanceUID, series},
                             std::pair{tag::kSOPInstanceUID, instance}}) {
    if (v.empty()) continue;
    if (!is_valid_uid(v)) return fail(ErrorCode::InvalidArgument, "'" + v + "' is not a UID");
    q.keys.push_back({t, v});
  }
  auto found = archive.locate(q);
  if (!found) return std::unexpected(found.error());
  if (found->empty()) return fail(ErrorCode::NotFound, "no such instance");
  // A series' thumbnail shows its middle instance, the usual representative slice.
  auto inst = instance.empty() ? (*found)[found->size() / 2] : found->front();
  r.audit.patient_id = inst.patient_id;
  r.audit.study_uid = inst.study_uid;
  return inst;
}

// PS3.18 8.3.5.1: window=center,width[,function], quality=1..100, viewport=vw,vh.
Result<dicom::RenderOptions> render_options(const HttpRequest& r, bool thumbnail) {
  dicom::RenderOptions o;
  auto png = wants_png(r.headers.contains("accept") ? r.headers.at("accept") : "");
  if (!png) return fail(ErrorCode::InvalidArgument, "406");
  o.png = *png;
  if (thumbnail) o.max_columns = o.max_rows = kThumbnailSize;
  if (auto w = r.query_value("window")) {
    auto parts = split(*w, ',');
    if (parts.size() < 2) return fail(ErrorCode::InvalidArgument, "window is center,width[,function]");
    auto c = number("window center", parts[0]);
    auto wd = number("window width", parts[1]);
    if (!c) return std::unexpected(c.error());
    if (!wd || *wd < 1) return fail(ErrorCode::InvalidArgument, "window width must be a number of at least 1");
    o.window_center = *c;
    o.window_width = *wd;
  }
  if (auto q = r.query_value("quality")) {
    auto n = count("quality", *q, 100);
    if (!n) return std::unexpected(n.error());
    o.quality = static_cast<int>(*n);
  }
  if (auto v = r.query_value("viewport")) {
    auto parts = split(*v, ',');
    auto vw = count("viewport width", parts[0], 8192);
    auto vh = parts.size() > 1 ? count("viewport height", parts[1], 8192) : vw;
    if (!vw) return std::unexpected(vw.error());
    if (!vh) return std::unexpected(vh.error());
    o.max_columns = *vw;
    o.max_rows = *vh;
  }
  if (r.params.contains("frame")) {
    auto f = count("frame", r.param("frame"), 1u << 20);
    if (!f) return std::unexpected(f.error());
    o.frame = *f;
  }
  return o;
}

HttpResponse rendered(archive::Archive& archive, FileCache* cache, const HttpRequest& r, bool thumbnail) {
  auto o = render_options(r, thumbnail);
  if (!o) {
    if (o.error().detail == "406") return http::problem(406, "Not Acceptable", "rendered images are image/jpeg or image/png");
    return http::problem(o.error());
  }
  auto inst = one_instance(archive, r, r.param("study"), r.param("series"), r.param("instance"));
  if (!inst) return http::problem(inst.error());
  return encode(archive, cache, *inst, *o);
}

// PS3.18 10.4.1.1.3 rendered study and series: every instance rendered (its first frame),
// each a part of multipart/related, in the order of the index.
HttpResponse rendered_many(archive::Archive& archive, FileCache* cache, const HttpRequest& r) {
  auto o = render_options(r, false);
  if (!o) {
    if (o.error().detail == "406") return http::problem(406, "Not Acceptable", "rendered images are image/jpeg or image/png");
    return http::problem(o.error());
  }
  auto found = instances_at(archive, r);
  if (!found) return http::problem(found.error());
  std::vector<std::string> images;
  std::vector<OutPart> parts;
  images.reserve(found->size());
  const std::string type = o->png ? "image/png" : "image/jpeg";
  const std::string root = r.path.substr(0, r.path.size() - std::string_view("/rendered").size());
  for (const auto& inst : *found) {
    auto bytes = render_cached(archive, cache, inst, *o);
    // Not an image (a report, a presentation state): nothing to render. A damaged or missing
    // file is an error, never silently left out.
    if (!bytes && bytes.error().code == ErrorCode::IntegrityError) return http::problem(bytes.error());
    if (!bytes) continue;
    images.push_back(std::move(*bytes));
    parts.push_back({type, "", images.back()});
  }
  if (parts.empty()) return http::problem(Error{ErrorCode::NotFound, "nothing in it can be rendered"});
  return multipart_response(type, parts);
}

// PS3.18 9: /wado?requestType=WADO&studyUID=&seriesUID=&objectUID=[&contentType=]...
HttpResponse wado_uri(archive::Archive& archive, FileCache* cache, const HttpRequest& r) {
  auto q = [&](const char* k) { return r.query_value(k).value_or(""); };
  if (q("requestType") != "WADO")
    return http::problem(Error{ErrorCode::InvalidArgument, "requestType must be WADO"});
  if (q("studyUID").empty() || q("seriesUID").empty() || q("objectUID").empty())
    return http::problem(Error{ErrorCode::InvalidArgument, "studyUID, seriesUID and objectUID are required"});
  auto inst = one_instance(archive, r, q("studyUID"), q("seriesUID"), q("objectUID"));
  if (!inst) return http::problem(inst.error());
  std::string type = q("contentType").empty() ? "image/jpeg" : std::string(trim(split(q("contentType"), ',')[0]));
  if (type == "application/dicom") {
    if (!r.principal.may("archive.export"))
      return http::problem(Error{ErrorCode::Forbidden, "your role does not allow this (archive.export)"});
    return instance_file_response(archive, *inst, false);
  }
  if (type != "image/jpeg" && type != "image/png")
    return http::problem(406, "Not Acceptable", "contentType is application/dicom, image/jpeg or image/png");
  dicom::RenderOptions o;
  o.png = type == "image/png";
  if (!q("frameNumber").empty()) {
    auto f = count("frameNumber", q("frameNumber"), 1u << 20);
    if (!f) return http::problem(f.error());
    o.frame = *f;
  }
  if (!q("windowCenter").empty() || !q("windowWidth").empty()) {
    auto c = number("windowCenter", q("windowCenter"));
    auto w = number("windowWidth", q("windowWidth"));
    if (!c || !w || *w < 1) return http::problem(Error{ErrorCode::InvalidArgument, "windowCenter and windowWidth go together"});
    o.window_center = *c;
    o.window_width = *w;
  }
  for (auto [key, target] : {std::pair{"rows", &o.max_rows}, std::pair{"columns", &o.max_columns}}) {
    if (q(key).empty()) continue;
    auto n = count(key, q(key), 8192);
    if (!n) return http::problem(n.error());
    *target = *n;
  }
  if (!q("imageQuality").empty()) {
    auto n = count("imageQuality", q("imageQuality"), 100);
    if (!n) return http::problem(n.error());
    o.quality = static_cast<int>(*n);
  }
  return encode(archive, cache, *inst, o);
}

}  // namespace

void register_rendered_routes(http::Router& router, archive::Archive& archive, FileCache* cache) {
  auto& a = archive;
  const std::string series = "/dicom-web/studies/{study}/series/{series}";
  const std::string instance = series + "/instances/{instance}";
  auto one = [&a, cache](bool thumbnail) {
    return [&a, cache, thumbnail](const HttpRequest& r) { return rendered(a, cache, r, thumbnail); };
  };
  router.add("GET", instance + "/rendered", "archive.read", one(false));
  router.add("GET", instance + "/frames/{frame}/rendered", "archive.read", one(false));
  router.add("GET", instance + "/thumbnail", "archive.read", one(true));
  router.add("GET", instance + "/frames/{frame}/thumbnail", "archive.read", one(true));
  router.add("GET", series + "/thumbnail", "archive.read", one(true));
  router.add("GET", "/dicom-web/studies/{study}/thumbnail", "archive.read", one(true));
  for (const auto& path : {series + "/rendered", std::string("/dicom-web/studies/{study}/rendered")})
    router.add("GET", path, "archive.read", [&a, cache](const HttpRequest& r) { return rendered_many(a, cache, r); });
  router.add("GET", "/wado", "archive.read", [&a, cache](const HttpRequest& r) { return wado_uri(a, cache, r); });
}

}  // namespace vireo::api::dicomweb
