#include "dicom/j2k_codec.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcstack.h>
#include <dcmtk/dcmdata/dcswap.h>
#include <dcmtk/dcmdata/dcvrpobw.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "dicom/pixel_sequence.hpp"

namespace vireo::dicom {
namespace {

// DCMTK's module number for conditions from codecs outside its own modules.
constexpr unsigned short kModule = OFM_dcmdata;
constexpr unsigned short kCode = 0x0a00;

OFCondition failure(const std::string& text) {
  return makeOFCondition(kModule, kCode, OF_error, ("JPEG 2000: " + text).c_str());
}

// What the dataset says a decoded frame is.
struct Layout {
  Uint16 rows = 0, columns = 0, samples = 1, bits_allocated = 0;
  OFString photometric;
  Sint32 frames = 1;
  size_t bytes_per_sample() const { return bits_allocated / 8; }
  size_t frame_bytes() const { return size_t{rows} * columns * samples * bytes_per_sample(); }
};

std::optional<Layout> layout_of(DcmItem* ds, std::string& why) {
  Layout l;
  if (!ds || ds->findAndGetUint16(DCM_Rows, l.rows).bad() || ds->findAndGetUint16(DCM_Columns, l.columns).bad() ||
      ds->findAndGetUint16(DCM_BitsAllocated, l.bits_allocated).bad() || l.rows == 0 || l.columns == 0) {
    why = "the image has no Rows, Columns or Bits Allocated";
    return std::nullopt;
  }
  (void)ds->findAndGetUint16(DCM_SamplesPerPixel, l.samples);
  (void)ds->findAndGetOFString(DCM_PhotometricInterpretation, l.photometric);
  (void)ds->findAndGetSint32(DCM_NumberOfFrames, l.frames);
  l.frames = std::max<Sint32>(l.frames, 1);
  if (l.bits_allocated != 8 && l.bits_allocated != 16) {
    why = "Bits Allocated " + std::to_string(l.bits_allocated) + " is not supported (8 or 16)";
    return std::nullopt;
  }
  if (l.samples != 1 && l.samples != 3) {
    why = "Samples per Pixel " + std::to_string(l.samples) + " is not supported (1 or 3)";
    return std::nullopt;
  }
  return l;
}

// The JPEG 2000 colour transforms (PS3.5 8.2.4) are undone by the decoder: the result is RGB.
OFString decoded_color_model(const OFString& photometric) {
  return photometric == "YBR_ICT" || photometric == "YBR_RCT" ? OFString("RGB") : photometric;
}

// OpenJPEG reads the bitstream from memory through these.
struct Source {
  const unsigned char* data;
  size_t size;
  size_t pos;
};

OPJ_SIZE_T read_source(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* s = static_cast<Source*>(user);
  if (s->pos >= s->size) return static_cast<OPJ_SIZE_T>(-1);
  n = std::min<OPJ_SIZE_T>(n, s->size - s->pos);
  std::memcpy(buffer, s->data + s->pos, n);
  s->pos += n;
  return n;
}

OPJ_OFF_T skip_source(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<Source*>(user);
  const auto pos = static_cast<OPJ_OFF_T>(s->pos);
  const OPJ_OFF_T to = std::clamp<OPJ_OFF_T>(pos + n, 0, static_cast<OPJ_OFF_T>(s->size));
  s->pos = static_cast<size_t>(to);
  return to - pos;
}

OPJ_BOOL seek_source(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<Source*>(user);
  if (n < 0 || static_cast<size_t>(n) > s->size) return OPJ_FALSE;
  s->pos = static_cast<size_t>(n);
  return OPJ_TRUE;
}

void keep_first_error(const char* message, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (!out->empty() || !message) return;
  *out = message;
  while (!out->empty() && (out->back() == '\n' || out->back() == '\r')) out->pop_back();
}

// One frame's bitstream (a raw codestream, or a JP2 file as some writers wrap it) into
// `out`: samples interleaved, each in Bits Allocated, in local byte order as DCMTK keeps
// uncompressed pixel data.
OFCondition decode_frame(const std::string& bits, const Layout& l, Uint8* out, size_t out_size) {
  const auto* data = reinterpret_cast<const unsigned char*>(bits.data());
  static constexpr unsigned char kJp2Signature[] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
  const bool jp2 = bits.size() >= sizeof kJp2Signature && std::memcmp(data, kJp2Signature, sizeof kJp2Signature) == 0;
  std::unique_ptr<opj_codec_t, decltype(&opj_destroy_codec)> codec(opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K),
                                                                   opj_destroy_codec);
  std::unique_ptr<opj_stream_t, decltype(&opj_stream_destroy)> stream(opj_stream_create(64 * 1024, OPJ_TRUE),
                                                                      opj_stream_destroy);
  if (!codec || !stream) return failure("the decoder cannot be created");
  std::string error;
  opj_set_error_handler(codec.get(), keep_first_error, &error);
  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  if (!opj_setup_decoder(codec.get(), &parameters)) return failure("the decoder cannot be set up");
  Source source{data, bits.size(), 0};
  opj_stream_set_user_data(stream.get(), &source, nullptr);
  opj_stream_set_user_data_length(stream.get(), bits.size());
  opj_stream_set_read_function(stream.get(), read_source);
  opj_stream_set_skip_function(stream.get(), skip_source);
  opj_stream_set_seek_function(stream.get(), seek_source);

  const auto undecodable = [&error] {
    return failure("the bitstream cannot be decoded" + (error.empty() ? "" : ": " + error));
  };
  opj_image_t* raw = nullptr;
  const bool header = opj_read_header(stream.get(), codec.get(), &raw);
  std::unique_ptr<opj_image_t, decltype(&opj_image_destroy)> image(raw, opj_image_destroy);
  if (!header || !image) return undecodable();
  // The header must describe the image the dataset does before anything is decoded: a
  // bitstream claiming a far larger image would otherwise have its memory allocated.
  if (image->numcomps != l.samples)
    return failure("the bitstream has " + std::to_string(image->numcomps) + " components, the dataset says " +
                   std::to_string(l.samples) + " samples per pixel");
  for (OPJ_UINT32 c = 0; c < image->numcomps; ++c) {
    const opj_image_comp_t& comp = image->comps[c];
    if (comp.w != l.columns || comp.h != l.rows || comp.dx != 1 || comp.dy != 1)
      return failure("component " + std::to_string(c) + " is " + std::to_string(comp.w) + "x" + std::to_string(comp.h) +
                     ", the image " + std::to_string(l.columns) + "x" + std::to_string(l.rows));
    if (comp.prec > l.bits_allocated)
      return failure(std::to_string(comp.prec) + "-bit samples do not fit Bits Allocated " +
                     std::to_string(l.bits_allocated));
  }
  if (!opj_decode(codec.get(), stream.get(), image.get()) || !opj_end_decompress(codec.get(), stream.get()))
    return undecodable();
  for (OPJ_UINT32 c = 0; c < image->numcomps; ++c)
    if (!image->comps[c].data) return undecodable();
  if (out_size < l.frame_bytes()) return failure("the frame does not fit the buffer");
  const size_t pixels = size_t{l.rows} * l.columns;
  for (size_t c = 0; c < l.samples; ++c) {
    const OPJ_INT32* in = image->comps[c].data;
    if (l.bits_allocated == 8) {
      for (size_t i = 0; i < pixels; ++i) out[i * l.samples + c] = static_cast<Uint8>(in[i]);
    } else {
      auto* words = reinterpret_cast<Uint16*>(out);  // two's complement for signed samples
      for (size_t i = 0; i < pixels; ++i) words[i * l.samples + c] = static_cast<Uint16>(in[i]);
    }
  }
  return EC_Normal;
}

DcmItem* dataset_of(const DcmStack& objStack) {
  // The stack ends with the pixel data element; below it, the item or dataset holding it.
  DcmStack stack(objStack);
  (void)stack.pop();
  DcmObject* holder = stack.pop();
  if (!holder || (holder->ident() != EVR_dataset && holder->ident() != EVR_item)) return nullptr;
  return static_cast<DcmItem*>(holder);
}

class J2kDecoder final : public DcmCodec {
 public:
  OFCondition decode(const DcmRepresentationParameter*, DcmPixelSequence* pixSeq, DcmPolymorphOBOW& uncompressed,
                     const DcmCodecParameter*, const DcmStack& objStack, OFBool& removeOldRep) const override {
    DcmItem* ds = dataset_of(objStack);
    std::string why;
    auto l = layout_of(ds, why);
    if (!l) return failure(why);
    if (!pixSeq) return failure("no compressed pixel data");
    // Every frame takes at least one fragment (after the offset table): a Number of Frames
    // beyond that is refused before its memory is allocated.
    if (pixSeq->card() < static_cast<unsigned long>(l->frames) + 1)
      return failure("Number of Frames is " + std::to_string(l->frames) + " but the pixel data holds " +
                     std::to_string(pixSeq->card() > 0 ? pixSeq->card() - 1 : 0) + " fragments");
    const size_t frame = l->frame_bytes();
    const size_t total = frame * static_cast<size_t>(l->frames);
    const size_t even = total + (total & 1);
    if (even > 0xFFFFFFFEu) return failure("the decoded image would exceed 4 GB");
    Uint16* words = nullptr;
    OFCondition cond = uncompressed.createUint16Array(static_cast<Uint32>(even / 2), words);
    if (cond.bad()) return cond;
    auto* out = reinterpret_cast<Uint8*>(words);
    for (Sint32 f = 0; f < l->frames; ++f) {
      auto bits = frame_bitstream(*pixSeq, static_cast<Uint32>(f), l->frames);
      if (!bits) return failure("frame " + std::to_string(f + 1) + " cannot be found in the pixel data");
      cond = decode_frame(*bits, *l, out + frame * static_cast<size_t>(f), frame);
      if (cond.bad()) return cond;
    }
    if (even != total) out[total] = 0;
    // 8-bit samples were written as bytes into an array DCMTK reads as 16-bit words.
    if (l->bits_allocated == 8) (void)swapIfNecessary(gLocalByteOrder, EBO_LittleEndian, words, static_cast<Uint32>(even), 2);
    const OFString color = decoded_color_model(l->photometric);
    if (color != l->photometric) {
      cond = ds->putAndInsertString(DCM_PhotometricInterpretation, color.c_str());
      if (cond.bad()) return cond;
      removeOldRep = OFTrue;  // the stored bitstream no longer matches the dataset's colour model
    }
    if (l->samples > 1) return ds->putAndInsertUint16(DCM_PlanarConfiguration, 0);
    return EC_Normal;
  }

  OFCondition decodeFrame(const DcmRepresentationParameter*, DcmPixelSequence* fromPixSeq, const DcmCodecParameter*,
                          DcmItem* dataset, Uint32 frameNo, Uint32&, void* buffer, Uint32 bufSize,
                          OFString& decompressedColorModel) const override {
    std::string why;
    auto l = layout_of(dataset, why);
    if (!l) return failure(why);
    if (!fromPixSeq || !buffer) return failure("no compressed pixel data");
    if (frameNo >= static_cast<Uint32>(l->frames)) return failure("frame " + std::to_string(frameNo + 1) + " does not exist");
    auto bits = frame_bitstream(*fromPixSeq, frameNo, l->frames);
    if (!bits) return failure("frame " + std::to_string(frameNo + 1) + " cannot be found in the pixel data");
    OFCondition cond = decode_frame(*bits, *l, static_cast<Uint8*>(buffer), bufSize);
    if (cond.good()) decompressedColorModel = decoded_color_model(l->photometric);
    return cond;
  }

  OFCondition encode(const Uint16*, const Uint32, const DcmRepresentationParameter*, DcmPixelSequence*&,
                     const DcmCodecParameter*, DcmStack&, OFBool&) const override {
    return EC_IllegalCall;
  }

  OFCondition encode(const E_TransferSyntax, const DcmRepresentationParameter*, DcmPixelSequence*,
                     const DcmRepresentationParameter*, DcmPixelSequence*&, const DcmCodecParameter*, DcmStack&,
                     OFBool&) const override {
    return EC_IllegalCall;
  }

  OFBool canChangeCoding(const E_TransferSyntax from, const E_TransferSyntax to) const override {
    return (from == EXS_JPEG2000LosslessOnly || from == EXS_JPEG2000) && !DcmXfer(to).isEncapsulated();
  }

  OFCondition determineDecompressedColorModel(const DcmRepresentationParameter*, DcmPixelSequence*,
                                              const DcmCodecParameter*, DcmItem* dataset,
                                              OFString& decompressedColorModel) const override {
    OFString photometric;
    if (!dataset || dataset->findAndGetOFString(DCM_PhotometricInterpretation, photometric).bad())
      return failure("the image has no Photometric Interpretation");
    decompressedColorModel = decoded_color_model(photometric);
    return EC_Normal;
  }
};

// DCMTK's codec list wants parameter objects even for a codec that needs none.
class NoCodecParameter final : public DcmCodecParameter {
 public:
  DcmCodecParameter* clone() const override { return new NoCodecParameter; }
  const char* className() const override { return "vireo::NoCodecParameter"; }
};

class NoRepresentationParameter final : public DcmRepresentationParameter {
 public:
  DcmRepresentationParameter* clone() const override { return new NoRepresentationParameter; }
  const char* className() const override { return "vireo::NoRepresentationParameter"; }
  OFBool operator==(const DcmRepresentationParameter& other) const override {
    return std::strcmp(other.className(), className()) == 0;
  }
};

}  // namespace

void register_j2k_decoder() {
  // Registered once for the process' lifetime, as DCMTK's own codecs are.
  static const J2kDecoder codec;
  static const NoRepresentationParameter representation;
  static const NoCodecParameter parameter;
  (void)DcmCodecList::registerCodec(&codec, &representation, &parameter);
}

}  // namespace vireo::dicom
