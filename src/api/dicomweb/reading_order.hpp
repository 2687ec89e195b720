// The order a reader scrolls a series, for answers that send a series' images in one go
// (PS3.18 10.4.1.1.6 pixel data): a viewer taking them as they come then has the images next
// to the one on screen first, whichever way the modality numbered them (a feet-first scan
// numbers from the feet). The rule is the Vireo viewer's (web/src/viewer/series.ts): by
// position along the slice normal, highest first, when every image of the series has a
// position and the series an orientation; otherwise by Instance Number. Both are tested
// against the cases in tests/fixtures/reading_order.json, so that they cannot drift apart.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vireo::api::dicomweb {

struct ImagePlace {
  std::string series_uid;
  const std::string* metadata = nullptr;  // the instance's DICOM JSON as kept at ingest; may be null
};

// A permutation of 0..n-1: series in the order they first appear, each series' images in
// reading order (stable for equal keys and for what cannot be placed).
std::vector<size_t> reading_order(const std::vector<ImagePlace>& images);

}  // namespace vireo::api::dicomweb
