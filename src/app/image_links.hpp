// The RIS's side of a study's arrival: the consumer of study.received that reads what the
// archive's index holds of the study and links it to its order (ris::ImageLinks), or puts it on
// the list of studies to reconcile.
#pragma once

#include "archive/archive.hpp"
#include "events/dispatcher.hpp"
#include "ris/image_links.hpp"

namespace vireo::app {

inline constexpr const char* kImageLinksConsumer = "ris.image-links";

// Idempotent; a study deleted before its delivery is nothing to link.
[[nodiscard]] events::Handler image_links(archive::Archive& archive, ris::ImageLinks& links);

}  // namespace vireo::app
