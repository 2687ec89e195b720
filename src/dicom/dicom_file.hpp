// Reading DICOM files for the archive: the header attributes that the index needs, decoded
// to UTF-8, with the checks that keep malformed objects out. Pixel data is never loaded.
//
// Thread-safety: every function may be called concurrently (DCMTK's dictionary and codec
// registry are internally locked); call dicom::initialize() once first.
// Usage:
//   auto inst = dicom::read_instance(path, archive_index_tags());
//   if (!inst) reject(inst.error());       // MalformedDicom or MissingAttribute
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "dicom/tags.hpp"

namespace vireo::dicom {

struct FrameMap;  // frame_map.hpp

// Registers the codecs, quiets DCMTK's own logger, checks the data dictionary.
void initialize(const std::string& log_level);

struct ParsedInstance {
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string transfer_syntax_uid;
  bool has_file_meta = false;
  // The requested attributes that are present: UTF-8, trailing padding removed,
  // multiple values joined with '\'.
  std::map<tag::Tag, std::string> values;
  // Requested attributes of the first item of a sequence, by (sequence, tag), likewise.
  std::map<std::pair<tag::Tag, tag::Tag>, std::string> nested_values;
  // The whole dataset in the DICOM JSON model (as json_metadata writes it), each BulkDataURI
  // being kBulkDataPlaceholder + the tag in hex, for the reader to put its own URL in front.
  std::string metadata_json;

  [[nodiscard]] std::string value(tag::Tag t) const {
    auto it = values.find(t);
    return it == values.end() ? std::string() : it->second;
  }
  [[nodiscard]] std::string value(tag::Tag t, tag::Tag sequence) const {
    if (sequence == 0) return value(t);
    auto it = nested_values.find({sequence, t});
    return it == nested_values.end() ? std::string() : it->second;
  }
};

inline constexpr std::string_view kBulkDataPlaceholder = "vireo-bulkdata:";

// Parses a Part 10 file (or a bare dataset) and checks that it is complete and that the
// SOP Instance, SOP Class, Study and Series Instance UIDs are present and valid.
[[nodiscard]] Result<ParsedInstance> read_instance(const std::filesystem::path& path,
                                                   std::span<const tag::Tag> tags,
                                                   std::span<const std::pair<tag::Tag, tag::Tag>> nested = {});

// Writes `dst` as a Part 10 file holding `src`'s dataset bytes unchanged: a copy when `src`
// has a File Meta Information header, else a new header (PS3.10 7.1) before the bytes.
[[nodiscard]] Status write_part10(const std::filesystem::path& src, const std::filesystem::path& dst,
                                  const std::string& source_aet);

// Offset of the first dataset byte in a Part 10 file (after preamble and group 0002), or 0.
[[nodiscard]] Result<size_t> dataset_offset(const std::filesystem::path& path);

// UIDs of transfer syntaxes the archive accepts, in order of preference.
[[nodiscard]] std::span<const char* const> accepted_transfer_syntaxes();
[[nodiscard]] bool is_uncompressed(const std::string& transfer_syntax_uid);
// Whether frames stored in this syntax can be decoded to raw pixel values (uncompressed, JPEG,
// JPEG-LS, RLE, JPEG 2000; not video or HTJ2K).
[[nodiscard]] bool can_decompress(const std::string& transfer_syntax_uid);

// Writes `src` to `dst` in another transfer syntax (decompressing JPEG, JPEG-LS, RLE, JPEG
// 2000; between uncompressed syntaxes). Fails with InvalidArgument, naming the codec's reason,
// when it cannot be produced (video sources, compressed targets other than the source's).
[[nodiscard]] Status transcode(const std::filesystem::path& src, const std::filesystem::path& dst,
                               const std::string& transfer_syntax_uid);

// The instance's attributes in the DICOM JSON model (PS3.18 F.2), text converted to UTF-8,
// with pixel data and other bulk values given as BulkDataURI `bulk_uri(address)` (as read_bulk
// takes it) instead of inline (they are not even read from disk).
[[nodiscard]] Result<std::string> json_metadata(const std::filesystem::path& path,
                                                const std::function<std::string(std::string_view)>& bulk_uri);

// Frames of an image instance (PS3.18 10.4.1.1.4). `decompress`: raw little-endian pixel
// values (decoding JPEG, JPEG-LS, RLE, JPEG 2000 as needed; another compressed syntax is
// InvalidArgument, a bitstream that fails to decode IntegrityError); otherwise as stored
// (the compressed bitstream of each frame, or the raw bytes of an uncompressed image).
// Frame numbers start at 1; none: every frame; a number beyond the instance's frames is
// InvalidArgument.
struct Frame {
  std::string bytes;
  std::string transfer_syntax;  // of `bytes`
};
// Whether frame `n` (from 1) is one of `frames`; InvalidArgument naming how many there are.
[[nodiscard]] Status check_frame_number(uint32_t n, uint64_t frames);
[[nodiscard]] Result<std::vector<Frame>> read_frames(const std::filesystem::path& path, const std::vector<uint32_t>& numbers,
                                                    bool decompress);

// Whether DCMTK reads the first and the last frame of the file at `path` where `map` (our own walk
// of it, frame_map.hpp) says they are: the check before a layout is kept, so that a file the
// two read differently is read whole, by DCMTK, and never by range.
[[nodiscard]] bool dcmtk_reads_the_same_frames(const std::filesystem::path& path, const FrameMap& map);

// The value of a bulk data attribute (the BulkDataURIs of json_metadata), by its address: its
// tag in hex ("7FE00010"), preceded for a value inside a sequence item by each sequence's tag
// and item index ("54000100.1.54001010"). Raw bytes, little endian; for encapsulated Pixel
// Data, each frame's bitstream as stored. NotFound when there is no such value (or the
// address is not one).
[[nodiscard]] Result<std::vector<Frame>> read_bulk(const std::filesystem::path& path, std::string_view address);
[[nodiscard]] bool valid_bulk_address(std::string_view address);

// The tag of a DICOM keyword ("PatientName") or of eight hex digits ("00100010") from the
// standard data dictionary; nullopt when it names no attribute.
[[nodiscard]] std::optional<tag::Tag> tag_for_keyword(std::string_view keyword_or_hex);

}  // namespace vireo::dicom
