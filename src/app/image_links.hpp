// The RIS's side of a study's arrival: the consumer of study.received that reads what the
// archive's index holds of the study and links it to its order (ris::ImageLinks), or puts it on
// the list of studies to reconcile.
#pragma once

#include "archive/archive.hpp"
#include "audit/audit_log.hpp"
#include "events/dispatcher.hpp"
#include "ris/image_links.hpp"

namespace vireo::app {

inline constexpr const char* kImageLinksConsumer = "ris.image-links";

// Delivers study.received (the study linked, or listed to reconcile) and kStudyReconciled (staff's
// decision carried out: the study's files rewritten to name the order's patient and accession,
// the change audited and recorded as the study's move, then the study linked). Idempotent; a
// study deleted before its delivery is nothing to do.
[[nodiscard]] events::Handler image_links(archive::Archive& archive, ris::ImageLinks& links, audit::AuditLog& trail);

}  // namespace vireo::app
