// Codec registration for DCMTK (decoders for transcoding on retrieve, rendering and frames).
// Registered once at start-up; DCMTK's codec list is internally locked for concurrent use.
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/dcmjpls/djencode.h>

#include "dicom/codecs.hpp"
#include "dicom/j2k_codec.hpp"

namespace vireo::dicom {
void register_codecs() {
  static bool done = [] {
    DJDecoderRegistration::registerCodecs();
    DJEncoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DJLSEncoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
    DcmRLEEncoderRegistration::registerCodecs();
    register_j2k_decoder();
    return true;
  }();
  (void)done;
}
}  // namespace vireo::dicom
