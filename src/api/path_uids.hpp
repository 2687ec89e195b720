// The UIDs a resource path names — {study}, {series}, {instance} in REST and DICOMweb
// routes — as unique keys of an archive query. Other path parameters ({frames}, {tag}) are
// not UIDs and are left to their handlers.
#pragma once

#include "archive/query.hpp"
#include "net/http/http_types.hpp"

namespace vireo::api {

// Fails with `invalid` (and changes nothing) when a named UID is not a valid UID; notes the
// study for the audit trail.
[[nodiscard]] Status add_path_uids(const http::HttpRequest& r, archive::FindQuery& query,
                                   ErrorCode invalid = ErrorCode::InvalidArgument);

}  // namespace vireo::api
