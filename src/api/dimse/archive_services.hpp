// The archive's DIMSE services: storage (every storage SOP class, stored as received), C-FIND,
// and C-MOVE and C-GET, on the patient-root and study-root information models.
//
// Usage:
//   net::DimseServer server(options, audit);
//   api::dimse::add_archive_services(server, archive, options);
//   server.start();
#pragma once

#include <memory>

#include "archive/archive.hpp"
#include "net/dimse/dimse_server.hpp"
#include "net/dimse/dimse_service.hpp"

namespace vireo::api::dimse {

// C-STORE of any storage SOP class, including private and future ones (any UID DCMTK does not
// name as another kind of service); the transfer syntax accepted follows the site's order.
[[nodiscard]] std::unique_ptr<net::DimseService> store_service(archive::Archive& archive,
                                                               const net::DimseOptions& options);
// C-FIND on the patient-root and study-root query/retrieve models.
[[nodiscard]] std::unique_ptr<net::DimseService> find_service(archive::Archive& archive);
// C-MOVE (to a configured peer) and C-GET (back on the same association).
[[nodiscard]] std::unique_ptr<net::DimseService> retrieve_service(archive::Archive& archive);

// The three, storage last: it takes every SOP class the others do not name.
void add_archive_services(net::DimseServer& server, archive::Archive& archive, const net::DimseOptions& options);

}  // namespace vireo::api::dimse
