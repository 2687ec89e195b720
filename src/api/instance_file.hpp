// An instance's stored Part 10 file as an HTTP answer, the same wherever a client may take
// one away (REST /api/instances/{uid}/file, WADO-URI application/dicom): its hash checked on
// the way out, its SHA-256 as the ETag.
//
// Thread-safety: a pure function over the archive.
#pragma once

#include "archive/archive.hpp"
#include "net/http/http_types.hpp"

namespace vireo::api {

// `attachment`: a browser saves it as <SOP Instance UID>.dcm rather than trying to show it.
[[nodiscard]] http::HttpResponse instance_file_response(archive::Archive& archive,
                                                        const archive::StoredInstance& inst,
                                                        bool attachment);

}  // namespace vireo::api
