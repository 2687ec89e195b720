// WADO-RS retrieval of whole instances (PS3.18 10.4): a study, a series or one instance as
// multipart/related; type="application/dicom", streamed file by file. Files go out as stored
// when the client accepts that transfer syntax (transfer-syntax=* or the stored one), else
// they are converted first (decompression; PS3.18 8.7.3.5.2: no parameter means Explicit VR
// Little Endian).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "api/dicomweb/accept.hpp"
#include "api/dicomweb/multipart.hpp"
#include "api/dicomweb/reading_order.hpp"
#include "api/dicomweb/routes.hpp"
#include "api/path_uids.hpp"
#include "access/scope.hpp"
#include "core/log.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"
#include "dicom/dicom_file.hpp"

namespace vireo::api::dicomweb {

namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr const char* kExplicitLittleEndian = "1.2.840.10008.1.2.1";

// The transfer syntax the client wants ("*": as stored), or nullopt when nothing it
// accepts is multipart/related of application/dicom.
std::optional<std::string> wanted_syntax(const HttpRequest& r) {
  auto it = r.headers.find("accept");
  if (it == r.headers.end() || trim(it->second).empty()) return kExplicitLittleEndian;
  for (const auto& m : parse_accept(it->second)) {
    bool dicom_parts = m.type == "multipart/related" &&
                       (!m.params.contains("type") || to_lower_ascii(m.params.at("type")) == "application/dicom");
    if (!dicom_parts && m.type != "*/*" && m.type != "multipart/*") continue;
    auto ts = m.params.find("transfer-syntax");
    return ts == m.params.end() ? std::string(kExplicitLittleEndian) : ts->second;
  }
  return std::nullopt;
}


// PS3.18 10.4.1.1.2: the metadata of every instance, bulk data as BulkDataURIs.
HttpResponse metadata(archive::Archive& archive, const HttpRequest& r, const Options& options) {
  if (auto accept = r.headers.find("accept");
      accept != r.headers.end() && !accepts_dicom_json(accept->second))
    return http::problem(406, "Not Acceptable", "metadata is answered as application/dicom+json");
  auto instances = instances_at(archive, r);
  if (!instances) return http::problem(instances.error());
  const std::string root = service_root(r, options);
  // Kept at ingest, so no file is opened; instances from before that are read from disk.
  auto kept = archive.metadata(*instances);
  if (!kept) return http::problem(kept.error());
  std::string body = "[";
  for (size_t i = 0; i < instances->size(); ++i) {
    const auto& inst = (*instances)[i];
    std::string base = root + "/studies/" + inst.study_uid + "/series/" + inst.series_uid + "/instances/" +
                       inst.sop_instance_uid + "/bulkdata/";
    if (body.size() > 1) body += ",";
    if ((*kept)[i]) {
      append_replacing(body, *(*kept)[i], dicom::kBulkDataPlaceholder, base);
      continue;
    }
    auto path = archive.instance_file(inst, archive::Archive::HashCheck::Skip);  // metadata: no pixel data
    if (!path) return http::problem(path.error());
    auto json = dicom::json_metadata(*path, [&](std::string_view address) { return base + std::string(address); });
    if (!json) return http::problem(json.error());
    body += *json;
  }
  body += "]";
  HttpResponse res = http::json_response(200, std::move(body));
  res.content_type = "application/dicom+json";
  return res;
}

// The media type of a frame in a transfer syntax (PS3.18 Table 8.7.3-2).
std::string frame_media_type(const std::string& ts) {
  if (ts == "1.2.840.10008.1.2.4.50" || ts == "1.2.840.10008.1.2.4.51" || ts == "1.2.840.10008.1.2.4.57" ||
      ts == "1.2.840.10008.1.2.4.70")
    return "image/jpeg";
  if (ts == "1.2.840.10008.1.2.4.80" || ts == "1.2.840.10008.1.2.4.81") return "image/jls";
  if (ts == "1.2.840.10008.1.2.4.90" || ts == "1.2.840.10008.1.2.4.91") return "image/jp2";
  if (ts.starts_with("1.2.840.10008.1.2.4.20")) return "image/jphc";
  if (ts == "1.2.840.10008.1.2.5") return "image/dicom-rle";
  if (ts == "1.2.840.10008.1.2.4.100" || ts == "1.2.840.10008.1.2.4.101") return "video/mpeg";
  if (ts >= "1.2.840.10008.1.2.4.102" && ts <= "1.2.840.10008.1.2.4.106" && ts.size() == 23) return "video/mp4";
  if (ts == "1.2.840.10008.1.2.4.107" || ts == "1.2.840.10008.1.2.4.108") return "video/H265";
  return "application/octet-stream";
}

// How the frames go out: as stored or decoded to uncompressed, and whether as a single part
// payload (PS3.18 8.6: only for exactly one item; it spares the client looking for the
// closing boundary through the whole frame).
struct FramePackaging {
  bool as_stored = false;
  bool single_part = false;
};

// What the client accepts for `count` frames stored in `stored_ts`, in the order it lists
// them; nullopt when it takes neither the stored encoding nor uncompressed octet-stream.
// PS3.18 8.7.3.5: no Accept, or */*, means application/octet-stream in Explicit VR Little
// Endian. For a part's type, transfer-syntax=* means "as stored", whatever its media type.
std::optional<FramePackaging> frame_packaging(const HttpRequest& r, const std::string& stored_ts, size_t count) {
  const std::string stored_type = frame_media_type(stored_ts);
  const bool stored_uncompressed = dicom::is_uncompressed(stored_ts);
  auto it = r.headers.find("accept");
  if (it == r.headers.end() || trim(it->second).empty()) return FramePackaging{stored_uncompressed, false};
  for (const auto& m : parse_accept(it->second)) {
    if (m.type == "*/*" || m.type == "multipart/*") return FramePackaging{stored_uncompressed, false};
    const bool multipart = m.type == "multipart/related";
    if (!multipart && count != 1) continue;
    std::string type = !multipart ? m.type
                       : m.params.contains("type") ? to_lower_ascii(m.params.at("type"))
                                                   : "application/octet-stream";
    // Names from before PS3.18 registered them, still sent by dicomweb-client 0.11.
    if (type == "image/x-jls") type = "image/jls";
    if (type == "image/x-dicom-rle") type = "image/dicom-rle";
    auto ts = m.params.find("transfer-syntax");
    // A single part's media type is the body's own: transfer-syntax=* widens only the types
    // a frame can be (octet-stream for "as stored, whatever it is", or the stored type).
    bool any = ts != m.params.end() && ts->second == "*" &&
               (multipart || type == "application/octet-stream" || type == stored_type);
    if (any || (type == stored_type && (ts == m.params.end() || ts->second == stored_ts)))
      return FramePackaging{true, !multipart};
    if (type == "application/octet-stream" && (ts == m.params.end() || ts->second == kExplicitLittleEndian))
      return FramePackaging{stored_uncompressed, !multipart};
  }
  return std::nullopt;
}

// The parts of a multipart/related body of byte strings (frames, bulk data).
HttpResponse multipart_of(const std::vector<dicom::Frame>& parts, const std::string& location_base,
                          const std::vector<uint32_t>& numbers) {
  const std::string type = frame_media_type(parts.front().transfer_syntax);
  std::vector<OutPart> out;
  for (size_t i = 0; i < parts.size(); ++i)
    out.push_back({type + "; transfer-syntax=" + parts[i].transfer_syntax,
                   i < numbers.size() ? location_base + std::to_string(numbers[i]) : "", parts[i].bytes});
  return multipart_response(type, out);
}

// One frame as the whole payload, its media type and transfer syntax in the Content-Type.
HttpResponse single_part_of(dicom::Frame&& frame) {
  HttpResponse res;
  res.status = 200;
  res.content_type = frame_media_type(frame.transfer_syntax) + "; transfer-syntax=" + frame.transfer_syntax;
  res.body = std::move(frame.bytes);
  return res;
}

// The frames as stored by byte range where the archive can (one frame of a multi-frame object on
// an object store, without fetching the whole object), else read from the instance's file.
Result<std::vector<dicom::Frame>> stored_or_decoded_frames(archive::Archive& archive,
                                                           const archive::StoredInstance& inst,
                                                           const std::vector<uint32_t>& numbers, bool decompress) {
  if (!decompress) {
    auto ranged = archive.frames_by_range(inst, numbers);
    if (!ranged) return std::unexpected(ranged.error());
    if (*ranged) return std::move(**ranged);
  }
  auto path = archive.instance_file(inst, archive::Archive::HashCheck::Once);
  if (!path) return std::unexpected(path.error());
  return dicom::read_frames(*path, numbers, decompress);
}

// PS3.18 10.4.1.1.4: frames of one instance, each a part of multipart/related, or one frame
// as a single part when the client asks for that.
HttpResponse frames(archive::Archive& archive, const HttpRequest& r) {
  std::vector<uint32_t> numbers;
  for (const auto& item : split(r.param("frames"), ',')) {
    std::string t(trim(item));
    uint32_t n = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc() || p != t.data() + t.size() || n == 0 || numbers.size() >= 10000)
      return http::problem(Error{ErrorCode::InvalidArgument, "frames are a comma-separated list of numbers from 1"});
    numbers.push_back(n);
  }
  auto instances = instances_at(archive, r);
  if (!instances) return http::problem(instances.error());
  const auto& inst = instances->front();
  auto packaging = frame_packaging(r, inst.transfer_syntax, numbers.size());
  if (!packaging)
    return http::problem(406, "Not Acceptable",
                         "frames are sent as multipart/related of application/octet-stream (uncompressed) or of " +
                             frame_media_type(inst.transfer_syntax) +
                             " (as stored); one frame also as a single part of either type");
  if (!packaging->as_stored && !dicom::can_decompress(inst.transfer_syntax))
    return http::problem(406, "Not Acceptable",
                         "the instance is stored in " + inst.transfer_syntax +
                             ", which the archive cannot decode; ask for transfer-syntax=* to get its frames as stored");
  auto got = stored_or_decoded_frames(archive, inst, numbers, !packaging->as_stored);
  if (!got) return http::problem(got.error());
  if (packaging->single_part) return single_part_of(std::move(got->front()));
  return multipart_of(*got, r.path.substr(0, r.path.rfind('/') + 1), numbers);
}

// PS3.18 10.4.1.1.6: the pixel data of every image of a study, series or instance in one
// answer, one part per frame, each series in reading order (reading_order.hpp), each part
// named by its frame's address (Content-Location …/instances/{uid}/frames/{n}) so that a
// viewer knows which image it is: a series costs one request instead of one per image.
// Frames are read from their file only when the stream reaches them; instances without pixel data are left out. A file
// found damaged or unreadable on the way cuts the connection (the header is long gone), so
// a client never takes a short answer for a whole one.
HttpResponse pixel_data(archive::Archive& archive, const HttpRequest& r, const Options& options) {
  auto found = instances_at(archive, r);
  if (!found) return http::problem(found.error());
  // Images only, known from the metadata kept at ingest (no file opened); an instance stored
  // before metadata was kept is read to find out.
  auto kept = archive.metadata(*found);
  if (!kept) return http::problem(kept.error());
  std::vector<archive::StoredInstance> unordered;
  std::vector<ImagePlace> places;
  for (size_t i = 0; i < found->size(); ++i) {
    const auto& meta = (*kept)[i];
    if (meta && meta->find("\"7FE00010\"") == std::string::npos) continue;
    unordered.push_back((*found)[i]);
    places.push_back({(*found)[i].series_uid, meta ? &*meta : nullptr});
  }
  if (unordered.empty())
    return http::problem(Error{ErrorCode::NotFound, "no instance under this path has pixel data (they are not images)"});
  std::vector<archive::StoredInstance> images;
  for (size_t i : reading_order(places)) images.push_back(std::move(unordered[i]));
  std::vector<bool> as_stored;
  for (const auto& inst : images) {
    auto packaging = frame_packaging(r, inst.transfer_syntax, 2);  // always multipart
    if (!packaging)
      return http::problem(406, "Not Acceptable",
                           "pixel data is sent as multipart/related of application/octet-stream (uncompressed), or "
                           "with transfer-syntax=* as stored");
    if (!packaging->as_stored && !dicom::can_decompress(inst.transfer_syntax))
      return http::problem(406, "Not Acceptable",
                           "instance " + inst.sop_instance_uid + " is stored in " + inst.transfer_syntax +
                               ", which the archive cannot decode; ask with transfer-syntax=* to get it as stored");
    as_stored.push_back(packaging->as_stored);
  }
  const std::string boundary = new_boundary();
  const std::string root = service_root(r, options);
  HttpResponse res;
  res.content_type = "multipart/related; type=\"application/octet-stream\"; boundary=" + boundary;
  auto first = std::make_shared<bool>(true);  // segments are made in order, one at a time
  for (size_t i = 0; i < images.size(); ++i) {
    http::BodySegment part;
    part.make = [&archive, inst = images[i], decompress = !as_stored[i], boundary, root,
                 first]() -> Result<std::string> {
      auto path = archive.instance_file(inst, archive::Archive::HashCheck::Once);
      if (!path) return std::unexpected(path.error());
      auto got = dicom::read_frames(*path, {}, decompress);
      if (!got && got.error().code == ErrorCode::NotFound) return std::string();  // no pixel data
      if (!got) return std::unexpected(got.error());
      const std::string location = root + "/studies/" + inst.study_uid + "/series/" + inst.series_uid +
                                   "/instances/" + inst.sop_instance_uid + "/frames/";
      std::string out;
      for (size_t f = 0; f < got->size(); ++f) {
        const auto& frame = (*got)[f];
        append_part(out, boundary,
                    {frame_media_type(frame.transfer_syntax) + "; transfer-syntax=" + frame.transfer_syntax,
                     location + std::to_string(f + 1), frame.bytes},
                    *first);
        *first = false;
      }
      return out;
    };
    res.segments.push_back(std::move(part));
  }
  res.segments.push_back(http::BodySegment::literal(closing_delimiter(boundary)));
  return res;
}

// PS3.18 10.4.1.1.5: the value behind a BulkDataURI of the metadata.
HttpResponse bulkdata(archive::Archive& archive, const HttpRequest& r) {
  if (!dicom::valid_bulk_address(r.param("tag")))
    return http::problem(Error{ErrorCode::NotFound,
                               "bulk data is addressed by an eight-digit hex tag (within a sequence: "
                               "sequence tag, item index, tag, joined by dots)"});
  auto instances = instances_at(archive, r);
  if (!instances) return http::problem(instances.error());
  auto path = archive.instance_file(instances->front(), archive::Archive::HashCheck::Once);
  if (!path) return http::problem(path.error());
  auto parts = dicom::read_bulk(*path, r.param("tag"));
  if (!parts) return http::problem(parts.error());
  return multipart_of(*parts, "", {});
}

// An instance's file read from the shared store in ranges as the stream reaches them, its SHA-256
// checked at the end (a mismatch cuts the connection, as for a local file): the first bytes go
// out at once instead of after the whole object has come down, and the node keeps no copy of
// every instance a peer retrieves.
std::vector<http::BodySegment> streamed_from_store(archive::Archive& archive, const archive::StoredInstance& inst) {
  constexpr uint64_t kChunk = uint64_t{8} << 20;
  const auto size = static_cast<uint64_t>(inst.size);
  auto hash = std::make_shared<Sha256>();
  std::vector<http::BodySegment> out;
  for (uint64_t at = 0; at < size; at += kChunk) {
    http::BodySegment part;
    part.make = [&archive, inst, hash, at, length = std::min(kChunk, size - at), size]() -> Result<std::string> {
      auto bytes = archive.read_part(inst, at, length);
      if (!bytes) return std::unexpected(bytes.error());
      hash->update(bytes->data(), bytes->size());
      if (at + length == size && hash->hex_digest() != inst.sha256) {
        spdlog::error("instance {}: the stored object does not match its hash", inst.sop_instance_uid);
        return fail(ErrorCode::IntegrityError, "hash mismatch for instance " + inst.sop_instance_uid);
      }
      return bytes;
    };
    out.push_back(std::move(part));
  }
  return out;
}

HttpResponse retrieve(archive::Archive& archive, const HttpRequest& r) {
  auto want = wanted_syntax(r);
  if (!want)
    return http::problem(406, "Not Acceptable",
                         "instances are sent as multipart/related; type=\"application/dicom\" (add transfer-syntax=* "
                         "to get them as stored)");
  auto instances = instances_at(archive, r);
  if (!instances) return http::problem(instances.error());

  const std::string boundary = new_boundary();
  HttpResponse res;
  res.content_type = "multipart/related; type=\"application/dicom\"; boundary=" + boundary;
  bool first = true;
  for (const auto& inst : *instances) {
    bool as_stored = *want == "*" || *want == inst.transfer_syntax;
    http::BodySegment file;
    const bool from_store = as_stored && !archive.is_local(inst);
    if (from_store) {
      // read from the store in ranges as the stream reaches it (streamed_from_store)
    } else if (as_stored) {
      auto path = archive.instance_file(inst, archive::Archive::HashCheck::Skip);  // checked as it is sent
      if (!path) return http::problem(path.error());
      file.file = *path;
      file.sha256 = inst.sha256;
      file.known_size = inst.size;
    } else {
      auto path = archive.instance_file(inst, archive::Archive::HashCheck::Once);
      if (!path) return http::problem(path.error());
      file.file = archive.temp_path();
      file.remove_after = true;
      if (auto s = dicom::transcode(*path, file.file, *want); !s) {
        ::unlink(file.file.c_str());
        for (const auto& seg : res.segments)
          if (seg.remove_after) ::unlink(seg.file.c_str());
        return http::problem(406, "Not Acceptable",
                             "instance " + inst.sop_instance_uid + ": " + s.error().detail +
                                 "; ask with transfer-syntax=* to get it as stored (" + inst.transfer_syntax + ")");
      }
    }
    std::string ts = as_stored ? inst.transfer_syntax : *want;
    res.segments.push_back(http::BodySegment::literal(std::string(first ? "" : "\r\n") + "--" + boundary +
                                                      "\r\nContent-Type: application/dicom; transfer-syntax=" + ts +
                                                      "\r\n\r\n"));
    if (from_store) {
      for (auto& part : streamed_from_store(archive, inst)) res.segments.push_back(std::move(part));
    } else {
      res.segments.push_back(std::move(file));
    }
    first = false;
  }
  res.segments.push_back(http::BodySegment::literal(closing_delimiter(boundary)));
  return res;
}

}  // namespace

// The instances under the path's UIDs, in the caller's scope; NotFound when none.
Result<std::vector<archive::StoredInstance>> instances_at(archive::Archive& archive, const HttpRequest& r) {
  archive::FindQuery q;
  q.level = archive::Level::Instance;
  q.scope = access::scope_for(r.principal);
  if (auto s = add_path_uids(r, q); !s) return std::unexpected(s.error());
  auto instances = archive.locate(q);
  if (!instances) return std::unexpected(instances.error());
  if (instances->empty()) return fail(ErrorCode::NotFound, "nothing stored under this path");
  r.audit.patient_id = instances->front().patient_id;
  r.audit.study_uid = instances->front().study_uid;
  r.audit.detail = std::to_string(instances->size()) + " instances";
  return instances;
}

void register_wado_routes(http::Router& router, archive::Archive& archive, const Options& options) {
  auto& a = archive;
  const Options o = options;
  for (std::string path : {"/dicom-web/studies/{study}", "/dicom-web/studies/{study}/series/{series}",
                           "/dicom-web/studies/{study}/series/{series}/instances/{instance}"}) {
    router.add("GET", path, "archive.export", [&a](const HttpRequest& r) { return retrieve(a, r); });
    router.add("GET", path + "/metadata", "archive.read", [&a, o](const HttpRequest& r) { return metadata(a, r, o); });
    router.add("GET", path + "/pixeldata", "archive.read", [&a, o](const HttpRequest& r) { return pixel_data(a, r, o); });
  }
  router.add("GET", "/dicom-web/studies/{study}/series/{series}/instances/{instance}/frames/{frames}", "archive.read",
             [&a](const HttpRequest& r) { return frames(a, r); });
  router.add("GET", "/dicom-web/studies/{study}/series/{series}/instances/{instance}/bulkdata/{tag}", "archive.read",
             [&a](const HttpRequest& r) { return bulkdata(a, r); });
}

}  // namespace vireo::api::dicomweb
