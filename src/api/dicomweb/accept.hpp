// The Accept header of a DICOMweb request (RFC 9110 12.5.1), read one way for every resource:
// media ranges with their parameters, ordered by the client's preference (q), a range it
// refuses (q=0) refusing the types it names.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vireo::api::dicomweb {

struct MediaRange {
  std::string type;                           // lower case: "multipart/related", "image/*", "*/*"
  std::map<std::string, std::string> params;  // names lower case, quotes removed, without q
  double q = 1;
};

// The ranges the client accepts, most preferred first (by q, then as listed); those it
// refuses (q=0) are left out.
std::vector<MediaRange> parse_accept(std::string_view header);

// Whether the client takes `type` ("type/subtype"): no header, or the most specific range
// naming it (the type itself, then "type/*", then "*/*") has q > 0.
bool accepts(std::string_view header, std::string_view type);

// Whether a DICOM JSON answer (application/dicom+json) may go to the client: it takes that
// type, or it names application/json, which clients send for it.
bool accepts_dicom_json(std::string_view header);

}  // namespace vireo::api::dicomweb
