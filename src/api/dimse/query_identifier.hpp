// C-FIND, C-MOVE and C-GET identifiers in and out (PS3.4 C.4.1.1.3, C.6.1.1, C.6.2.1): the
// query keys as the archive's query, and a match as the response identifier.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <string>

#include "archive/archive.hpp"

namespace vireo::api::dimse {

enum class QueryModel { PatientRoot, StudyRoot };

// Identifier -> archive query. Fails with InvalidQuery where the level is missing or not valid
// for the information model.
[[nodiscard]] Result<archive::FindQuery> query_from_identifier(DcmDataset& identifier, QueryModel model);
// Whether the identifier names the unique key of its level (needed by C-MOVE/C-GET).
[[nodiscard]] Status check_retrieve_keys(const archive::FindQuery& query);
// One C-FIND match -> response identifier holding the requested keys (and the unique keys);
// the caller owns it.
[[nodiscard]] DcmDataset* response_identifier(DcmDataset& request, const archive::FindRow& row,
                                              const std::string& level, const std::string& aet);

}  // namespace vireo::api::dimse
