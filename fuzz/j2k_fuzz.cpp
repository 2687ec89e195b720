// Fuzz target for the JPEG 2000 decoder (dicom/j2k_codec.cpp, OpenJPEG underneath): bytes
// from outside (a modality, a STOW client) reach it whenever a frame is rendered or sent
// uncompressed. The first input byte picks the image the dataset describes, the rest is the
// frame's bitstream, encapsulated as DICOM does and decoded as the archive decodes frames.
// Whatever the bytes, decoding must end (an image or an error), without a crash.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dicom/codecs.hpp"

namespace {
struct Layout {
  Uint16 rows, columns, samples, bits;
  const char* photometric;
};
constexpr Layout kLayouts[] = {
    {64, 64, 1, 16, "MONOCHROME2"}, {32, 48, 3, 8, "YBR_RCT"}, {16, 16, 1, 8, "MONOCHROME1"}, {8, 8, 3, 16, "RGB"}};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool registered = (vireo::dicom::register_codecs(), true);
  (void)registered;
  if (size < 1) return 0;
  const Layout& l = kLayouts[data[0] % std::size(kLayouts)];
  DcmDataset ds;
  (void)ds.putAndInsertUint16(DCM_Rows, l.rows);
  (void)ds.putAndInsertUint16(DCM_Columns, l.columns);
  (void)ds.putAndInsertUint16(DCM_SamplesPerPixel, l.samples);
  (void)ds.putAndInsertUint16(DCM_BitsAllocated, l.bits);
  (void)ds.putAndInsertUint16(DCM_BitsStored, l.bits);
  (void)ds.putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(l.bits - 1));
  (void)ds.putAndInsertUint16(DCM_PixelRepresentation, 0);
  (void)ds.putAndInsertString(DCM_PhotometricInterpretation, l.photometric);
  auto* seq = new DcmPixelSequence(DCM_PixelSequenceTag);
  (void)seq->insert(new DcmPixelItem(DCM_PixelItemTag));  // empty Basic Offset Table
  auto* fragment = new DcmPixelItem(DCM_PixelItemTag);
  std::vector<Uint8> bits(data + 1, data + size);
  if (bits.size() % 2) bits.push_back(0);  // fragments have even length
  (void)fragment->putUint8Array(bits.data(), static_cast<unsigned long>(bits.size()));
  (void)seq->insert(fragment);
  auto* pixels = new DcmPixelData(DCM_PixelData);
  pixels->putOriginalRepresentation(EXS_JPEG2000LosslessOnly, nullptr, seq);
  (void)ds.insert(pixels);
  std::vector<Uint8> out(size_t{l.rows} * l.columns * l.samples * (l.bits / 8));
  Uint32 start = 0;
  OFString color;
  (void)pixels->getUncompressedFrame(&ds, 0, start, out.data(), static_cast<Uint32>(out.size()), color);
  return 0;
}
