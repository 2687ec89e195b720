#include "dicom/dicom_file.hpp"

#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmf.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmdata/dcjson.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/oflog/oflog.h>

#include <fcntl.h>

#include <fmt/format.h>

#include <sstream>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <set>
#include <fstream>
#include <vector>

#include "core/log.hpp"
#include "dicom/charset.hpp"
#include "dicom/codecs.hpp"
#include "dicom/frame_map.hpp"
#include "dicom/pixel_sequence.hpp"
#include "core/strings.hpp"

namespace fs = std::filesystem;

namespace vireo::dicom {

namespace {

constexpr std::array<const char*, 21> kTransferSyntaxes = {
    UID_LittleEndianExplicitTransferSyntax,
    UID_LittleEndianImplicitTransferSyntax,
    UID_BigEndianExplicitTransferSyntax,
    UID_DeflatedExplicitVRLittleEndianTransferSyntax,
    UID_JPEGProcess1TransferSyntax,
    UID_JPEGProcess2_4TransferSyntax,
    UID_JPEGProcess14TransferSyntax,
    UID_JPEGProcess14SV1TransferSyntax,
    UID_JPEGLSLosslessTransferSyntax,
    UID_JPEGLSLossyTransferSyntax,
    UID_JPEG2000LosslessOnlyTransferSyntax,
    UID_JPEG2000TransferSyntax,
    UID_JPEG2000Part2MulticomponentImageCompressionLosslessOnlyTransferSyntax,
    UID_JPEG2000Part2MulticomponentImageCompressionTransferSyntax,
    UID_RLELosslessTransferSyntax,
    UID_MPEG2MainProfileAtMainLevelTransferSyntax,
    UID_MPEG2MainProfileAtHighLevelTransferSyntax,
    UID_MPEG4HighProfileLevel4_1TransferSyntax,
    UID_MPEG4BDcompatibleHighProfileLevel4_1TransferSyntax,
    UID_MPEG4HighProfileLevel4_2_For2DVideoTransferSyntax,
    UID_MPEG4HighProfileLevel4_2_For3DVideoTransferSyntax,
};

std::string clean(const OFString& s) {
  // Trailing spaces (and NUL padding for UIDs) are padding, not value (PS3.5 6.2).
  std::string out(s.c_str(), s.size());
  while (!out.empty() && (out.back() == ' ' || out.back() == '\0')) out.pop_back();
  size_t b = 0;
  while (b < out.size() && out[b] == ' ') ++b;
  return out.substr(b);
}

Error malformed(const std::string& what) { return Error{ErrorCode::MalformedDicom, what}; }

// Values over 4 KiB stay on disk (lazy), so pixel data is never read here.
OFCondition load(DcmFileFormat& ff, const fs::path& path) {
  return ff.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
}

}  // namespace

std::span<const char* const> accepted_transfer_syntaxes() { return kTransferSyntaxes; }

bool is_uncompressed(const std::string& ts) {
  return ts == UID_LittleEndianExplicitTransferSyntax || ts == UID_LittleEndianImplicitTransferSyntax ||
         ts == UID_BigEndianExplicitTransferSyntax || ts == UID_DeflatedExplicitVRLittleEndianTransferSyntax;
}

bool can_decompress(const std::string& ts) {
  // The decoders register_codecs() installs: JPEG (baseline, extended, lossless), JPEG-LS, RLE,
  // JPEG 2000 (Part 1).
  static const std::set<std::string, std::less<>> decoded = {
      UID_JPEGProcess1TransferSyntax,     UID_JPEGProcess2_4TransferSyntax, UID_JPEGProcess14TransferSyntax,
      UID_JPEGProcess14SV1TransferSyntax, UID_JPEGLSLosslessTransferSyntax, UID_JPEGLSLossyTransferSyntax,
      UID_RLELosslessTransferSyntax,      UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEG2000TransferSyntax};
  return is_uncompressed(ts) || decoded.contains(ts);
}

void initialize(const std::string& log_level) {
  // DCMTK logs two INFO lines per C-STORE by default; its warnings go to our log level.
  // Its parse errors are reported by us, once, with the reason.
  OFLog::configure(log_level == "trace" || log_level == "debug" ? OFLogger::INFO_LOG_LEVEL
                                                                : OFLogger::FATAL_LOG_LEVEL);
  register_codecs();
  if (!dcmDataDict.isDictionaryLoaded()) {
    spdlog::error("DICOM data dictionary not loaded: install the dcmtk data package (libdcmtk17) or set DCMDICTPATH");
  }
}

namespace {
// Values worth a separate request: pixel data, waveforms, overlays, documents, audio.
bool is_bulk(const DcmTagKey& t) {
  if (t == DCM_PixelData || t == DCM_FloatPixelData || t == DCM_DoubleFloatPixelData ||
      t == DCM_EncapsulatedDocument || t == DCM_WaveformData || t == DCM_SpectroscopyData ||
      t == DCM_RETIRED_AudioSampleData)
    return true;
  return (t.getGroup() & 0xFF00) == 0x6000 && t.getElement() == 0x3000;  // Overlay Data
}

std::string hex_tag(const DcmTagKey& t) { return fmt::format("{:04X}{:04X}", t.getGroup(), t.getElement()); }

// The address of every bulk value in `item`, in the order the JSON writer meets them (elements
// in order, each sequence's items where the sequence stands): "54000100.0.54001010".
void bulk_addresses(DcmItem& item, const std::string& prefix, std::deque<std::pair<DcmTagKey, std::string>>& out) {
  for (unsigned long i = 0; i < item.card(); ++i) {
    DcmElement* e = item.getElement(i);
    // An empty value is written without a BulkDataURI (DCMTK asks only for values with a length).
    if (is_bulk(e->getTag()) && e->getLengthField() > 0) out.emplace_back(e->getTag(), prefix + hex_tag(e->getTag()));
    if (e->ident() != EVR_SQ) continue;
    auto* seq = static_cast<DcmSequenceOfItems*>(e);
    for (unsigned long k = 0; k < seq->card(); ++k)
      bulk_addresses(*seq->getItem(k), prefix + hex_tag(e->getTag()) + "." + std::to_string(k) + ".", out);
  }
}

// DCMTK's writer names only the tag of a bulk value; a value inside a sequence item (each
// waveform of an ECG) needs its place too, or two would share one address.
struct BulkJson : DcmJsonFormatCompact {
  const std::function<std::string(std::string_view)>& uri_of;
  std::deque<std::pair<DcmTagKey, std::string>> addresses;
  BulkJson(const std::function<std::string(std::string_view)>& f, DcmItem& item) : DcmJsonFormatCompact(OFFalse), uri_of(f) {
    bulk_addresses(item, "", addresses);
  }
  OFBool asBulkDataURI(const DcmTagKey& tag, OFString& uri) override {
    if (!is_bulk(tag)) return OFFalse;
    std::string address = hex_tag(tag);
    auto next = std::find_if(addresses.begin(), addresses.end(), [&](const auto& a) { return a.first == tag; });
    if (next != addresses.end()) {
      address = next->second;
      addresses.erase(addresses.begin(), next + 1);  // in the writer's order: what came before was passed
    }
    uri = uri_of(address).c_str();
    return OFTrue;
  }
};

// DcmDataset::writeJson writes the members only; the object's braces are ours.
Result<std::string> dataset_json(DcmDataset* ds, const std::function<std::string(std::string_view)>& bulk_uri) {
  std::ostringstream out;
  BulkJson format(bulk_uri, *ds);
  OFCondition cond = ds->writeJson(out, format);
  if (cond.bad()) return fail(ErrorCode::IntegrityError, std::string("cannot encode metadata: ") + cond.text());
  std::string members = out.str();
  while (!members.empty() && std::isspace(static_cast<unsigned char>(members.back()))) members.pop_back();
  return members.starts_with("{") ? members : "{" + members + "}";
}
}  // namespace

Result<ParsedInstance> read_instance(const fs::path& path, std::span<const tag::Tag> tags,
                                     std::span<const std::pair<tag::Tag, tag::Tag>> nested) {
  std::error_code ec;
  auto file_size = fs::file_size(path, ec);
  if (ec) return std::unexpected(Error{ErrorCode::NotFound, "cannot read file: " + ec.message()});
  if (file_size == 0) return std::unexpected(malformed("empty file"));

  DcmFileFormat ff;
  OFCondition cond = load(ff, path);
  if (cond.bad()) return std::unexpected(malformed(std::string("parse failed: ") + cond.text()));

  DcmDataset* ds = ff.getDataset();
  DcmMetaInfo* meta = ff.getMetaInfo();
  ParsedInstance out;
  out.has_file_meta = meta && meta->card() > 0;

  OFString ts;
  if (out.has_file_meta) {
    if (meta->findAndGetOFString(DCM_TransferSyntaxUID, ts).bad() || clean(ts).empty())
      return std::unexpected(malformed("File Meta Information has no Transfer Syntax UID (0002,0010)"));
    out.transfer_syntax_uid = clean(ts);
    // A meta header that names a syntax other than the one the dataset is encoded in.
    DcmXfer declared(out.transfer_syntax_uid.c_str());
    if (declared.getXfer() != EXS_Unknown && ds->getOriginalXfer() != EXS_Unknown &&
        declared.getXfer() != ds->getOriginalXfer() && !declared.isEncapsulated() &&
        declared.getXfer() != EXS_DeflatedLittleEndianExplicit) {
      return std::unexpected(malformed("dataset encoding does not match the meta header's transfer syntax"));
    }
  } else {
    out.transfer_syntax_uid = DcmXfer(ds->getOriginalXfer()).getXferID();
  }

  // Everything in the file must have been parsed: a value cut short by the end of the file
  // (lazily loaded, so not yet read) shows as an element that claims more bytes than exist.
  // (A deflated dataset legitimately holds more bytes than the file.)
  DcmStack stack;
  bool deflated = out.transfer_syntax_uid == UID_DeflatedExplicitVRLittleEndianTransferSyntax;
  while (!deflated && ds->nextObject(stack, OFTrue).good()) {
    auto* obj = stack.top();
    if (obj->isLeaf() && obj->getLength() != DCM_UndefinedLength && obj->getLength() > file_size) {
      return std::unexpected(malformed("element " + std::string(obj->getTag().toString().c_str()) +
                                       " is longer than the file"));
    }
  }

  convert_item_to_utf8(*ds);  // charset.hpp: every character set, code extensions included

  OFString v;
  for (tag::Tag t : tags) {
    DcmTagKey key(tag::group(t), tag::element(t));
    if (ds->findAndGetOFStringArray(key, v).good()) {
      std::string c = clean(v);
      if (!c.empty()) out.values[t] = std::move(c);
    }
  }
  for (const auto& [seq, t] : nested) {
    DcmItem* item = nullptr;
    if (ds->findAndGetSequenceItem(DcmTagKey(tag::group(seq), tag::element(seq)), item, 0).bad() || !item) continue;
    if (item->findAndGetOFStringArray(DcmTagKey(tag::group(t), tag::element(t)), v).good()) {
      std::string c = clean(v);
      if (!c.empty()) out.nested_values[{seq, t}] = std::move(c);
    }
  }
  out.sop_instance_uid = out.value(tag::kSOPInstanceUID);
  out.sop_class_uid = out.value(tag::kSOPClassUID);
  if (out.sop_class_uid.empty() && ds->findAndGetOFString(DCM_SOPClassUID, v).good()) out.sop_class_uid = clean(v);
  if (out.sop_instance_uid.empty() && ds->findAndGetOFString(DCM_SOPInstanceUID, v).good())
    out.sop_instance_uid = clean(v);

  struct Required { const char* name; std::string value; };
  for (const auto& r : {Required{"SOP Instance UID (0008,0018)", out.sop_instance_uid},
                        Required{"SOP Class UID (0008,0016)", out.sop_class_uid},
                        Required{"Study Instance UID (0020,000D)", out.value(tag::kStudyInstanceUID)},
                        Required{"Series Instance UID (0020,000E)", out.value(tag::kSeriesInstanceUID)}}) {
    if (r.value.empty()) return std::unexpected(Error{ErrorCode::MissingAttribute, std::string(r.name) + " is missing"});
    if (!is_valid_uid(r.value))
      return std::unexpected(Error{ErrorCode::MissingAttribute, std::string(r.name) + " is not a valid UID"});
  }
  auto json = dataset_json(ds, [](std::string_view address) { return std::string(kBulkDataPlaceholder) + std::string(address); });
  if (!json) return std::unexpected(malformed(json.error().detail));
  out.metadata_json = std::move(*json);
  return out;
}

Result<size_t> dataset_offset(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 132> head{};
  if (!in.read(head.data(), head.size()) || std::memcmp(head.data() + 128, "DICM", 4) != 0) return size_t{0};
  size_t pos = 132;
  // The meta group is always Explicit VR Little Endian (PS3.10 7.1).
  while (true) {
    std::array<unsigned char, 8> el{};
    if (!in.read(reinterpret_cast<char*>(el.data()), el.size())) return pos;
    uint16_t group = static_cast<uint16_t>(el[0] | (el[1] << 8));
    if (group != 0x0002) return pos;
    std::string vr(reinterpret_cast<char*>(el.data()) + 4, 2);
    uint32_t len;
    size_t header = 8;
    if (vr == "OB" || vr == "OW" || vr == "UN" || vr == "SQ" || vr == "UT" || vr == "UC" || vr == "UR") {
      std::array<unsigned char, 4> l{};
      if (!in.read(reinterpret_cast<char*>(l.data()), 4)) return std::unexpected(malformed("truncated meta header"));
      len = l[0] | (l[1] << 8) | (l[2] << 16) | (static_cast<uint32_t>(l[3]) << 24);
      header = 12;
    } else {
      len = el[6] | (el[7] << 8);
    }
    pos += header + len;
    in.seekg(static_cast<std::streamoff>(pos));
  }
}

Status write_part10(const fs::path& src, const fs::path& dst, const std::string& source_aet) {
  auto copy_bytes = [](const fs::path& from, std::ofstream& to, size_t offset) -> Status {
    std::ifstream in(from, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::vector<char> buf(1 << 16);
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      to.write(buf.data(), in.gcount());
    }
    if (!to) return fail(ErrorCode::OutOfResources, "cannot write the blob file");
    return {};
  };

  auto offset = dataset_offset(src);
  if (!offset) return std::unexpected(offset.error());
  if (*offset > 0) {
    std::ofstream out(dst, std::ios::binary | std::ios::trunc);
    if (!out) return fail(ErrorCode::OutOfResources, "cannot create the blob file");
    return copy_bytes(src, out, 0);
  }

  // No meta header: let DCMTK build one (it knows the dataset's syntax), then put the
  // original dataset bytes behind it instead of DCMTK's re-encoding.
  DcmFileFormat ff;
  OFCondition cond = load(ff, src);
  if (cond.bad()) return fail(ErrorCode::MalformedDicom, std::string("parse failed: ") + cond.text());
  E_TransferSyntax xfer = ff.getDataset()->getOriginalXfer();
  if (xfer == EXS_Unknown) xfer = EXS_LittleEndianImplicit;
  fs::path header_tmp = dst;
  header_tmp += ".meta";
  ff.getMetaInfo()->putAndInsertString(DCM_SourceApplicationEntityTitle, source_aet.c_str());
  cond = ff.saveFile(header_tmp.c_str(), xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_createNewMeta);
  if (cond.bad()) {
    ::unlink(header_tmp.c_str());
    return fail(ErrorCode::MalformedDicom, std::string("cannot add a meta header: ") + cond.text());
  }
  auto meta_end = dataset_offset(header_tmp);
  if (!meta_end || *meta_end == 0) {
    ::unlink(header_tmp.c_str());
    return fail(ErrorCode::Internal, "meta header not written");
  }
  std::ofstream out(dst, std::ios::binary | std::ios::trunc);
  if (!out) return fail(ErrorCode::OutOfResources, "cannot create the blob file");
  {
    std::ifstream meta_in(header_tmp, std::ios::binary);
    std::vector<char> meta_bytes(*meta_end);
    meta_in.read(meta_bytes.data(), static_cast<std::streamsize>(meta_bytes.size()));
    out.write(meta_bytes.data(), static_cast<std::streamsize>(meta_bytes.size()));
  }
  ::unlink(header_tmp.c_str());
  return copy_bytes(src, out, 0);
}

Status transcode(const std::filesystem::path& src, const std::filesystem::path& dst,
                 const std::string& transfer_syntax_uid) {
  DcmXfer target_xfer(transfer_syntax_uid.c_str());
  E_TransferSyntax target = target_xfer.getXfer();
  if (target == EXS_Unknown) return fail(ErrorCode::InvalidArgument, "unknown transfer syntax " + transfer_syntax_uid);
  register_codecs();
  DcmFileFormat file;
  OFCondition cond = file.loadFile(src.c_str());
  if (cond.good()) cond = file.loadAllDataIntoMemory();
  if (cond.bad()) return fail(ErrorCode::IntegrityError, std::string("cannot read a stored file: ") + cond.text());
  DcmDataset* ds = file.getDataset();
  cond = ds->chooseRepresentation(target, nullptr);
  if (cond.bad() || !ds->canWriteXfer(target))
    return fail(ErrorCode::InvalidArgument, std::string("cannot convert ") + DcmXfer(ds->getOriginalXfer()).getXferName() +
                                                " to " + target_xfer.getXferName() +
                                                (cond.bad() ? std::string(": ") + cond.text() : std::string()));
  cond = file.saveFile(dst.c_str(), target, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_updateMeta);
  if (cond.bad()) return fail(ErrorCode::OutOfResources, std::string("cannot write a converted file: ") + cond.text());
  return {};
}

Result<std::string> json_metadata(const std::filesystem::path& path,
                                  const std::function<std::string(std::string_view)>& bulk_uri) {
  DcmFileFormat file;
  // Large values stay on disk: bulk data is never read for metadata.
  OFCondition cond = file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 4096);
  if (cond.bad()) return fail(ErrorCode::IntegrityError, std::string("cannot read a stored file: ") + cond.text());
  DcmDataset* ds = file.getDataset();
  // Text in other character sets becomes UTF-8, as the JSON model requires (PS3.18 F.2.1).
  convert_item_to_utf8(*ds);
  return dataset_json(ds, bulk_uri);
}

Status check_frame_number(uint32_t n, uint64_t frames) {
  if (n >= 1 && n <= frames) return {};
  return fail(ErrorCode::InvalidArgument, "frame " + std::to_string(n) + " does not exist; the instance has " +
                                              std::to_string(frames) + (frames == 1 ? " frame" : " frames"));
}

namespace {
// Encapsulated transfer syntaxes newer than DCMTK 3.6.7: HTJ2K (three), Deflated Image Frame
// Compression, JPEG XL (three). DCMTK parses these files but does not take their pixel data for
// encapsulated.
bool newer_encapsulated_syntax(const std::string& uid) {
  static constexpr const char* kNewer[] = {"1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
                                           "1.2.840.10008.1.2.4.203", "1.2.840.10008.1.2.8.1",
                                           "1.2.840.10008.1.2.4.110", "1.2.840.10008.1.2.4.111",
                                           "1.2.840.10008.1.2.4.112"};
  return std::find(std::begin(kNewer), std::end(kNewer), uid) != std::end(kNewer);
}

// The frames as stored of a file in one of those syntaxes: where our own walk of the file finds
// them (frame_map.hpp).
Result<std::vector<Frame>> frames_by_layout(const std::filesystem::path& path, const std::vector<uint32_t>& wanted,
                                            const std::string& syntax) {
  auto map = map_frames(path, FrameHashes::Skip);
  if (!map || !map->encapsulated)
    return fail(ErrorCode::InvalidArgument, "the frames of this " + syntax +
                                                " image cannot be located without decoding it, which the archive "
                                                "cannot do; retrieve the whole instance instead");
  std::vector<uint32_t> numbers = wanted;
  if (numbers.empty())
    for (uint32_t n = 1; n <= map->frames.size(); ++n) numbers.push_back(n);
  std::vector<Frame> out;
  for (uint32_t n : numbers) {
    if (auto s = check_frame_number(n, map->frames.size()); !s) return std::unexpected(s.error());
    auto bytes = read_frame(path, map->frames[n - 1]);
    if (!bytes) return fail(ErrorCode::IntegrityError, "cannot read frame " + std::to_string(n) + " of a stored file");
    out.push_back({std::move(*bytes), syntax});
  }
  return out;
}
}  // namespace

Result<std::vector<Frame>> read_frames(const std::filesystem::path& path, const std::vector<uint32_t>& wanted,
                                       bool decompress) {
  register_codecs();
  DcmFileFormat file;
  OFCondition cond = file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 4096);  // pixel data stays on disk
  if (cond.bad()) return fail(ErrorCode::IntegrityError, std::string("cannot read a stored file: ") + cond.text());
  DcmDataset* ds = file.getDataset();
  DcmElement* element = nullptr;
  if (ds->findAndGetElement(DCM_PixelData, element).bad() || !element)
    return fail(ErrorCode::NotFound, "the instance has no pixel data (it is not an image)");
  OFString declared;
  if (!decompress && file.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, declared).good() &&
      DcmXfer(declared.c_str()).getXfer() == EXS_Unknown && newer_encapsulated_syntax(clean(declared)))
    return frames_by_layout(path, wanted, clean(declared));
  auto* pixels = static_cast<DcmPixelData*>(element);
  Sint32 frames = 1;
  (void)ds->findAndGetSint32(DCM_NumberOfFrames, frames);
  if (frames < 1) frames = 1;
  std::vector<uint32_t> numbers = wanted;
  if (numbers.empty())
    for (Sint32 n = 1; n <= frames; ++n) numbers.push_back(static_cast<uint32_t>(n));
  for (uint32_t n : numbers)
    if (auto s = check_frame_number(n, static_cast<uint64_t>(frames)); !s) return std::unexpected(s.error());
  E_TransferSyntax xfer = ds->getOriginalXfer();
  DcmXfer stored(xfer);
  std::vector<Frame> out;
  if (!stored.isEncapsulated() || decompress) {
    if (!can_decompress(stored.getXferID()))
      return fail(ErrorCode::InvalidArgument, std::string("the archive cannot decode ") + stored.getXferName());
    Uint32 size = 0;
    if (pixels->getUncompressedFrameSize(ds, size).bad() || size == 0)
      return fail(ErrorCode::IntegrityError, "cannot size the frames of this image");
    Uint32 start_fragment = 0;
    for (uint32_t n : numbers) {
      std::string buf(size + (size & 1), '\0');
      OFString color;
      start_fragment = 0;  // random access: let DCMTK find each frame's first fragment
      cond = pixels->getUncompressedFrame(ds, n - 1, start_fragment, buf.data(), static_cast<Uint32>(buf.size()), color);
      if (cond.bad())  // a syntax we decode, so the stored bitstream is damaged
        return fail(ErrorCode::IntegrityError, "frame " + std::to_string(n) + " (" + stored.getXferName() +
                                                   ") cannot be decoded: " + cond.text());
      buf.resize(size);
      out.push_back({std::move(buf), UID_LittleEndianExplicitTransferSyntax});
    }
    return out;
  }
  DcmPixelSequence* seq = nullptr;
  if (pixels->getEncapsulatedRepresentation(xfer, nullptr, seq).bad() || !seq)
    return fail(ErrorCode::IntegrityError, "the compressed pixel data cannot be read");
  for (uint32_t n : numbers) {
    auto bytes = frame_bitstream(*seq, n - 1, frames);
    if (!bytes) return fail(ErrorCode::IntegrityError, "cannot locate frame " + std::to_string(n) + " in the pixel data");
    out.push_back({std::move(*bytes), stored.getXferID()});
  }
  return out;
}

bool dcmtk_reads_the_same_frames(const std::filesystem::path& path, const FrameMap& map) {
  if (map.frames.empty()) return false;
  const auto last = static_cast<uint32_t>(map.frames.size());
  auto theirs = read_frames(path, {1, last}, false);
  if (!theirs || theirs->size() != 2) return false;
  auto first = read_frame(path, map.frames.front());
  auto final = read_frame(path, map.frames.back());
  return first && final && *first == (*theirs)[0].bytes && *final == (*theirs)[1].bytes;
}

namespace {
// "7FE00010" or "54000100.1.54001010": the item the value is in (a sequence's item, by index,
// as often as needed) and its tag. Null when the address is not written so.
std::optional<std::pair<std::vector<std::pair<DcmTagKey, unsigned long>>, DcmTagKey>> parse_bulk_address(std::string_view a) {
  auto parts = split(a, '.');
  if (parts.size() % 2 == 0 || parts.size() > 17) return std::nullopt;
  auto tag_of = [](const std::string& h) -> std::optional<DcmTagKey> {
    if (h.size() != 8 || h.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return std::nullopt;
    auto v = std::stoul(h, nullptr, 16);
    return DcmTagKey(static_cast<Uint16>(v >> 16), static_cast<Uint16>(v & 0xFFFF));
  };
  std::vector<std::pair<DcmTagKey, unsigned long>> path;
  for (size_t i = 0; i + 1 < parts.size(); i += 2) {
    auto seq = tag_of(parts[i]);
    if (!seq || parts[i + 1].empty() || parts[i + 1].size() > 6 ||
        parts[i + 1].find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    path.emplace_back(*seq, std::stoul(parts[i + 1]));
  }
  auto last = tag_of(parts.back());
  if (!last) return std::nullopt;
  return std::pair{path, *last};
}
}  // namespace

bool valid_bulk_address(std::string_view address) { return parse_bulk_address(address).has_value(); }

Result<std::vector<Frame>> read_bulk(const std::filesystem::path& path, std::string_view address) {
  auto parsed = parse_bulk_address(address);
  if (!parsed) return fail(ErrorCode::NotFound, "bulk data is addressed by an eight-digit hex tag");
  const auto& [items, key] = *parsed;
  if (key == DCM_PixelData && items.empty()) {
    DcmFileFormat probe;
    if (probe.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 4096).bad())
      return fail(ErrorCode::IntegrityError, "cannot read a stored file");
    Sint32 frames = 1;
    (void)probe.getDataset()->findAndGetSint32(DCM_NumberOfFrames, frames);
    std::vector<uint32_t> all;
    for (Sint32 i = 1; i <= std::max<Sint32>(frames, 1); ++i) all.push_back(static_cast<uint32_t>(i));
    if (DcmXfer(probe.getDataset()->getOriginalXfer()).isEncapsulated()) return read_frames(path, all, false);
  }
  DcmFileFormat file;
  if (file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 4096).bad())
    return fail(ErrorCode::IntegrityError, "cannot read a stored file");
  DcmItem* item = file.getDataset();
  for (const auto& [sequence, index] : items) {
    DcmItem* inner = nullptr;
    if (item->findAndGetSequenceItem(sequence, inner, static_cast<signed long>(index)).bad() || !inner)
      return fail(ErrorCode::NotFound, "the instance has no such bulk data");
    item = inner;
  }
  DcmElement* element = nullptr;
  // A bare tag also finds a value inside a sequence: metadata kept before values there had
  // their own addresses named them so.
  if (item->findAndGetElement(key, element, OFFalse).bad() || !element) {
    if (!items.empty() || item->findAndGetElement(key, element, OFTrue).bad() || !element)
      return fail(ErrorCode::NotFound, "the instance has no such bulk data");
  }
  Uint32 length = element->getLength();
  std::string bytes(length, '\0');
  if (length > 0 && element->getPartialValue(bytes.data(), 0, length, nullptr, EBO_LittleEndian).bad())
    return fail(ErrorCode::IntegrityError, "the value cannot be read");
  return std::vector<Frame>{{std::move(bytes), UID_LittleEndianExplicitTransferSyntax}};
}

std::optional<tag::Tag> tag_for_keyword(std::string_view name) {
  if (name.size() == 8 && name.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos)
    return static_cast<tag::Tag>(std::stoul(std::string(name), nullptr, 16));
  if (name.empty() || name.size() > 64) return std::nullopt;
  DcmTag found;
  if (DcmTag::findTagFromName(std::string(name).c_str(), found).bad()) return std::nullopt;
  return (static_cast<tag::Tag>(found.getGroup()) << 16) | found.getElement();
}

}  // namespace vireo::dicom
