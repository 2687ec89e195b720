// One error type for every protocol edge, and the single table that maps each error to
// its DICOM status, HTTP status and message (modelled on Orthanc's ErrorCode table).
//
// Thread-safety: plain values; the table is immutable.
// Usage:
//   return std::unexpected(Error{ErrorCode::MalformedDicom, "truncated at offset 132"});
//   ... dicom_status(err.code) / http_status(err.code) / err.message()
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace vireo {

// X(name, DICOM status, HTTP status, message). The DICOM statuses are the ones PS3.4
// defines for the storage and query/retrieve services (C.4.1.1.4, C.4.2.1.5, C.4.3.1.4).
#define VIREO_ERROR_TABLE(X)                                                                     \
  X(InvalidArgument, 0xA900, 400, "The request is not valid")                                    \
  X(MalformedDicom, 0xC000, 400, "The data is not a readable DICOM object")                       \
  X(MissingAttribute, 0xA900, 400, "A required DICOM attribute is missing or invalid")            \
  X(InvalidQuery, 0xA900, 400, "The query identifier is not valid for this information model")    \
  X(NotFound, 0xC000, 404, "No such resource")                                                   \
  X(DuplicateConflict, 0x0111, 409,                                                              \
    "An instance with this SOP Instance UID but different content is already stored")            \
  X(UnknownMoveDestination, 0xA801, 400, "The move destination is not a configured DICOM peer")   \
  X(SubOperationsFailed, 0xA702, 502, "Some sub-operations failed")                              \
  X(PeerUnreachable, 0xA702, 502, "The DICOM peer could not be reached")                         \
  X(OutOfResources, 0xA700, 507, "Out of resources: the storage is full or not writable")         \
  X(IntegrityError, 0x0110, 500, "Stored data failed its integrity check")                       \
  X(DatabaseError, 0x0110, 500, "The index database failed")                                     \
  X(Unauthenticated, 0x0124, 401, "Sign-in failed or is required")                               \
  X(Forbidden, 0x0124, 403, "This operation is not allowed")                                     \
  X(TooManyAttempts, 0x0124, 429, "Too many failed attempts: the account is locked for a while")             \
  X(AlreadyExists, 0xA900, 409, "It already exists")                                             \
  X(StateConflict, 0x0110, 409, "This is not possible in the record's present state")             \
  X(CsrfRejected, 0x0124, 403, "The request lacks a valid CSRF token")                            \
  X(PayloadTooLarge, 0xA700, 413, "The request is too large")                                    \
  X(UnsupportedMediaType, 0xA900, 415, "Unsupported Media Type")                                  \
  X(Unavailable, 0xA700, 503, "The service is not available")                                     \
  X(Internal, 0x0110, 500, "Internal error")

enum class ErrorCode {
#define VIREO_ERROR_ENUM(name, dicom, http, text) name,
  VIREO_ERROR_TABLE(VIREO_ERROR_ENUM)
#undef VIREO_ERROR_ENUM
};

[[nodiscard]] uint16_t dicom_status(ErrorCode code);
[[nodiscard]] int http_status(ErrorCode code);
[[nodiscard]] std::string_view error_title(ErrorCode code);
[[nodiscard]] std::string_view error_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string detail;  // never PHI: UIDs and technical facts only

  // "title: detail", for logs and DICOM ErrorComment.
  [[nodiscard]] std::string message() const;
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

[[nodiscard]] inline std::unexpected<Error> fail(ErrorCode code, std::string detail = {}) {
  return std::unexpected(Error{code, std::move(detail)});
}

}  // namespace vireo
