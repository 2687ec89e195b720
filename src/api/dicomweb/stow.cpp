// STOW-RS (PS3.18 10.5): instances posted as multipart/related; type="application/dicom",
// each stored with the same durability contract as C-STORE, answered with the Store
// Instances Response Module (PS3.18 10.5.3) in the DICOM JSON model.
//
// The body streams through a MultipartReader into one temporary file per part as it
// arrives (any size, constant memory), the kernel asked to start writing each part back to
// disk as soon as it is complete (and every MiB of a large one), so that the flush before the
// index commit finds little left to write. Nothing is stored until the body has arrived whole
// and well-formed, so a malformed or cut request changes nothing; then the parts are stored
// together (up to 64 at a time), indexed in one commit behind one flush.
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <optional>

#include <nlohmann/json.hpp>

#include "api/dicomweb/dicom_json.hpp"
#include "api/dicomweb/multipart.hpp"
#include "api/dicomweb/routes.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"

namespace vireo::api::dicomweb {

namespace {

using http::HttpRequest;
using http::HttpResponse;
using nlohmann::json;

using tag::kRetrieveURL;
constexpr tag::Tag kFailedSOPSequence = 0x00081198, kReferencedSOPSequence = 0x00081199,
                   kReferencedSOPClassUID = 0x00081150, kReferencedSOPInstanceUID = 0x00081155,
                   kFailureReason = 0x00081197;
constexpr uint16_t kCannotUnderstand = 0xC000;
constexpr size_t kStoreBatch = 64;
constexpr uint64_t kFreeSpaceCheckBytes = 16ull << 20;
constexpr uint64_t kWritebackBytes = 1ull << 20;

json item(std::initializer_list<std::pair<tag::Tag, json>> attributes) {
  json out = json::object();
  for (const auto& [t, v] : attributes) out[tag_key(t)] = v;
  return out;
}

std::string media_type(const std::string& header) { return to_lower_ascii(std::string(trim(split(header, ';')[0]))); }

class StowSink final : public http::BodySink {
 public:
  StowSink(archive::Archive& archive, const HttpRequest& r, const Options& options)
      : archive_(archive),
        request_(r),
        root_(service_root(r, options)),
        expected_study_(r.param("study")),
        max_part_bytes_(options.stow_max_part_bytes) {}

  Status open(const std::string& boundary) {
    MultipartReader::Events events{[this](const MultipartReader::Headers& h) { return begin_part(h); },
                                   [this](std::string_view data) { return part_data(data); },
                                   [this] { return end_part(); }};
    auto reader = MultipartReader::create(boundary, std::move(events));
    if (!reader) return std::unexpected(reader.error());
    reader_.emplace(std::move(*reader));
    return {};
  }

  ~StowSink() override {
    close_part();
    for (const auto& p : parts_)
      if (!p.file.empty() && !p.taken) ::unlink(p.file.c_str());
  }

  Status write(std::string_view piece) override { return reader_->feed(piece); }

  HttpResponse finish() override {
    if (auto whole = reader_->finish(); !whole) return http::problem(whole.error());
    std::vector<std::optional<Result<archive::StoreResult>>> stored = store_all();
    json referenced = json::array(), failed = json::array();
    std::string first_study;
    bool all_unavailable = true;  // every failure a store that did not answer: try again later
    for (size_t i = 0; i < parts_.size(); ++i) {
      if (parts_[i].file.empty()) {
        all_unavailable = false;
        failed.push_back(item({{kFailureReason, attribute_json("US", std::to_string(kCannotUnderstand))}}));
        continue;
      }
      const auto& s = *stored[i];
      if (!s) {
        all_unavailable = all_unavailable && s.error().code == ErrorCode::Unavailable;
        failed.push_back(item({{kFailureReason, attribute_json("US", std::to_string(dicom_status(s.error().code)))}}));
        continue;
      }
      if (first_study.empty()) {
        first_study = s->study_instance_uid;
        request_.audit.patient_id = s->patient_id;
        request_.audit.study_uid = s->study_instance_uid;
      }
      referenced.push_back(item({{kReferencedSOPClassUID, attribute_json("UI", s->sop_class_uid)},
                                 {kReferencedSOPInstanceUID, attribute_json("UI", s->sop_instance_uid)},
                                 {kRetrieveURL, attribute_json("UR", root_ + "/studies/" + s->study_instance_uid +
                                                                         "/instances/" + s->sop_instance_uid)}}));
    }
    request_.audit.detail = std::to_string(referenced.size()) + " stored, " + std::to_string(failed.size()) + " failed";
    json out = json::object();
    if (!first_study.empty()) out[tag_key(kRetrieveURL)] = attribute_json("UR", root_ + "/studies/" + first_study);
    if (!referenced.empty()) out[tag_key(kReferencedSOPSequence)] = {{"vr", "SQ"}, {"Value", referenced}};
    if (!failed.empty()) out[tag_key(kFailedSOPSequence)] = {{"vr", "SQ"}, {"Value", failed}};
    // PS3.18 10.5.3: 200 all stored, 202 some failed, 409 none stored; 503 when nothing was
    // stored only because the database or the object store did not answer: the same request
    // succeeds later.
    int status = failed.empty() ? 200 : !referenced.empty() ? 202 : all_unavailable ? 503 : 409;
    HttpResponse res = http::json_response(status, out.dump(-1, ' ', false, json::error_handler_t::replace));
    res.content_type = "application/dicom+json";
    if (status == 503) res.headers.emplace_back("Retry-After", http::kRetryAfterSeconds);
    return res;
  }

 private:
  Status part_too_large() const {
    return fail(ErrorCode::PayloadTooLarge,
                "an instance in the request exceeds stow_max_part_bytes (" + std::to_string(max_part_bytes_) + " bytes)");
  }

  struct Received {
    std::filesystem::path file;  // empty: a part that is not application/dicom
    std::string sha256;          // of the file, computed as it was written
    bool taken = false;          // handed to the archive, which owns it from then on
  };

  Status begin_part(const MultipartReader::Headers& headers) {
    part_bytes_ = 0;
    // A part that declares its size (as dicomweb-client and our own answers do) is refused
    // before any of its bytes are written.
    if (auto cl = headers.find("content-length"); cl != headers.end()) {
      uint64_t declared = 0;
      auto [end, ec] = std::from_chars(cl->second.data(), cl->second.data() + cl->second.size(), declared);
      if (ec == std::errc() && end == cl->second.data() + cl->second.size() && declared > max_part_bytes_)
        return part_too_large();
    }
    auto ct = headers.find("content-type");
    if (ct != headers.end() && media_type(ct->second) != "application/dicom") {
      parts_.push_back({});
      return {};
    }
    if (auto room = archive_.check_free_space(); !room) return room;
    parts_.push_back({archive_.temp_path(), "", false});
    hash_.emplace();
    written_ = flushed_ = 0;
    fd_ = ::open(parts_.back().file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return fail(ErrorCode::OutOfResources, "cannot write a received instance");
    return {};
  }

  Status part_data(std::string_view data) {
    // Counted for every part (a refused one's bytes too): one part may not take the whole disk.
    part_bytes_ += data.size();
    if (part_bytes_ > max_part_bytes_) return part_too_large();
    if (fd_ < 0) return {};  // a refused part's bytes are skipped
    // A part of any size must not run the disk below its floor: look again every 16 MiB.
    unchecked_ += data.size();
    if (unchecked_ >= kFreeSpaceCheckBytes) {
      unchecked_ = 0;
      if (auto room = archive_.check_free_space(); !room) return room;
    }
    hash_->update(data.data(), data.size());
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n <= 0) return fail(ErrorCode::OutOfResources, "the blob store is full or not writable");
      data.remove_prefix(static_cast<size_t>(n));
      written_ += static_cast<uint64_t>(n);
    }
    if (written_ - flushed_ >= kWritebackBytes) start_writeback();
    return {};
  }

  Status end_part() {
    if (fd_ >= 0) {
      parts_.back().sha256 = hash_->hex_digest();
      start_writeback();
    }
    close_part();
    return {};
  }

  // Asynchronous: the pages written since the last call are queued for the disk.
  void start_writeback() {
    (void)::sync_file_range(fd_, static_cast<off_t>(flushed_), static_cast<off_t>(written_ - flushed_),
                            SYNC_FILE_RANGE_WRITE);
    flushed_ = written_;
  }

  void close_part() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // One result per part; nullopt for parts that were not application/dicom.
  std::vector<std::optional<Result<archive::StoreResult>>> store_all() {
    std::vector<std::optional<Result<archive::StoreResult>>> stored(parts_.size());
    std::vector<archive::Archive::StoreItem> items;
    std::vector<size_t> index;
    auto flush = [&] {
      auto results = archive_.store_files(items);
      for (size_t k = 0; k < results.size(); ++k) stored[index[k]].emplace(std::move(results[k]));
      items.clear();
      index.clear();
    };
    for (size_t i = 0; i < parts_.size(); ++i) {
      if (parts_[i].file.empty()) continue;
      parts_[i].taken = true;
      auto source = archive::StoreSource::named("stow:" + request_.principal.username);
      source.expected_study_instance_uid = expected_study_;
      source.file_sha256 = parts_[i].sha256;
      items.push_back({parts_[i].file, std::move(source)});
      index.push_back(i);
      if (items.size() == kStoreBatch) flush();
    }
    if (!items.empty()) flush();
    return stored;
  }

  archive::Archive& archive_;
  const HttpRequest& request_;
  std::string root_, expected_study_;
  uint64_t max_part_bytes_;
  uint64_t part_bytes_ = 0;  // of the current part
  std::optional<MultipartReader> reader_;
  std::vector<Received> parts_;
  int fd_ = -1;
  std::optional<Sha256> hash_;
  uint64_t unchecked_ = 0;  // bytes written since the last free-space check
  uint64_t written_ = 0, flushed_ = 0;  // of the current part: bytes written, and queued for the disk
};

Result<std::unique_ptr<http::BodySink>> open_stow(archive::Archive& archive, const HttpRequest& r, const Options& options) {
  auto ct = r.headers.find("content-type");
  std::string type = ct == r.headers.end() ? "" : media_type(ct->second);
  auto part_type = ct == r.headers.end() ? std::nullopt : header_parameter(ct->second, "type");
  if (type != "multipart/related" || (part_type && to_lower_ascii(*part_type) != "application/dicom"))
    return fail(ErrorCode::UnsupportedMediaType,
                "send multipart/related; type=\"application/dicom\" (DICOM JSON + bulk data is not supported)");
  auto boundary = header_parameter(ct->second, "boundary");
  if (!boundary) return fail(ErrorCode::InvalidArgument, "the Content-Type has no boundary");
  const std::string study = r.param("study");
  if (!study.empty() && !is_valid_uid(study)) return fail(ErrorCode::InvalidArgument, "'" + study + "' is not a UID");
  if (auto room = archive.check_free_space(); !room) return std::unexpected(room.error());
  auto sink = std::make_unique<StowSink>(archive, r, options);
  if (auto s = sink->open(*boundary); !s) return std::unexpected(s.error());
  return sink;
}

}  // namespace

void register_stow_routes(http::Router& router, archive::Archive& archive, const Options& options) {
  auto& a = archive;
  const Options o = options;
  for (const char* path : {"/dicom-web/studies", "/dicom-web/studies/{study}"})
    router.add_upload("POST", path, "archive.store", o.stow_max_bytes,
                      [&a, o](const HttpRequest& r) { return open_stow(a, r, o); });
}

}  // namespace vireo::api::dicomweb
