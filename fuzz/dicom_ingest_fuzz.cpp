// Fuzz target for the DICOM ingest path: the bytes a modality sends with C-STORE or a client
// posts with STOW-RS, stored as the archive stores them (DCMTK's parser, our checks, the
// blob store and the index; Archive::store_file). Seeds: the shared test data, well-formed
// and malformed. Whatever the bytes: the instance is stored or refused with an ingest error,
// never a crash; a stored one is found again by its UID, in a study with a valid UID.
#include <fstream>
#include <set>

#include "core/strings.hpp"
#include "fuzz/temp_services.hpp"

namespace {
vireo::fuzz::TempServices& services() {
  static vireo::fuzz::TempServices s;
  return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vireo;
  auto& s = services();
  auto file = s.archive->temp_path();
  {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto stored = s.archive->store_file(file, archive::StoreSource::named("FUZZ"));
  std::error_code ec;
  std::filesystem::remove(file, ec);
  if (!stored) {
    static const std::set<ErrorCode> refusals = {ErrorCode::MalformedDicom, ErrorCode::MissingAttribute,
                                                 ErrorCode::InvalidArgument, ErrorCode::DuplicateConflict};
    fuzz::require(refusals.contains(stored.error().code), "a refusal is an ingest error");
    return 0;
  }
  fuzz::require(is_valid_uid(stored->sop_instance_uid) && is_valid_uid(stored->study_instance_uid),
                "a stored instance has valid UIDs");
  auto found = s.archive->instance(stored->sop_instance_uid, access::Scope::everything());
  fuzz::require(found.has_value() && found->study_uid == stored->study_instance_uid, "a stored instance is found");
  return 0;
}
