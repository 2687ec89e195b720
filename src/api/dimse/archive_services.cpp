#include "api/dimse/archive_services.hpp"

namespace vireo::api::dimse {

void add_archive_services(net::DimseServer& server, archive::Archive& archive, const net::DimseOptions& options) {
  server.add(find_service(archive));
  server.add(retrieve_service(archive));
  server.add(store_service(archive, options));
}

}  // namespace vireo::api::dimse
