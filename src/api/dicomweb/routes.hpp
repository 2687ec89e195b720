// DICOMweb (PS3.18) under /dicom-web: QIDO-RS, WADO-RS (instances, metadata, frames, bulk
// data, rendered), STOW-RS, WADO-URI and the capabilities resource (docs/CONFORMANCE.md).
// Thin handlers over the archive domain, which applies the caller's row scope.
#pragma once

#include <string>

#include "archive/archive.hpp"
#include "net/http/http_types.hpp"
#include "ris/schedule.hpp"
#include "ris/workitems.hpp"
#include "store/file_cache.hpp"

namespace vireo::api::dicomweb {

struct Options {
  // The externally visible root of the service ("https://pacs.example.org/dicom-web"),
  // for RetrieveURL behind a reverse proxy; empty: built from the request's Host header.
  std::string public_url;
  std::string scheme = "https";  // of the HTTP listener, for roots built from Host
  uint64_t stow_max_bytes = 8ull << 30;       // one STOW-RS request (413 above)
  uint64_t stow_max_part_bytes = 4ull << 30;  // one instance in it (413 above)
};

// The service root for URLs in answers: Options::public_url, else <scheme>://<Host>/dicom-web.
[[nodiscard]] std::string service_root(const http::HttpRequest& r, const Options& options);

// The instances under the request's {study}/{series}/{instance} UIDs, in the caller's
// scope (noted for the audit trail); NotFound when none, InvalidArgument for a bad UID.
[[nodiscard]] Result<std::vector<archive::StoredInstance>> instances_at(archive::Archive& archive,
                                                                      const http::HttpRequest& r);

void register_qido_routes(http::Router& router, archive::Archive& archive, const Options& options);
// WADO-RS: studies, series and instances as multipart/related DICOM, their metadata,
// frames and bulk data.
void register_wado_routes(http::Router& router, archive::Archive& archive, const Options& options);
// STOW-RS: POST /studies and /studies/{study}.
void register_stow_routes(http::Router& router, archive::Archive& archive, const Options& options);
class WorkitemEvents;
// UPS-RS, the Worklist Service (PS3.18 11): the RIS's bookings as workitems, and the event
// channels of `events`.
// A cancellation asked for by one who keeps the schedule cancels a booked workitem's booking
// through `schedule`.
void register_ups_routes(http::Router& router, ris::Workitems& items, ris::Schedule& schedule, WorkitemEvents& events,
                         const Options& options);
// OPTIONS /dicom-web: the capabilities (WADL) of every /dicom-web route registered before.
void register_capabilities_route(http::Router& router, const Options& options);
// Rendered frames and thumbnails (JPEG, PNG) and WADO-URI (/wado).
// `cache` (may be null) keeps rendered frames on disk.
void register_rendered_routes(http::Router& router, archive::Archive& archive, FileCache* cache);

}  // namespace vireo::api::dicomweb
