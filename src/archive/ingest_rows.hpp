// The archive's own pieces of indexing, shared by ingest and by the moves that rewrite stored
// instances (a patient merged): not part of the archive's public header.
#pragma once

#include <optional>
#include <string>

#include "archive/query.hpp"
#include "dicom/dicom_file.hpp"
#include "store/blob_store.hpp"
#include "store/database.hpp"

namespace vireo::archive::detail {

// What one ingest job decided, committed with the index change.
enum class Decision { Inserted, Duplicate, ConflictKept, Overwritten };
struct IndexOutcome {
  Decision decision = Decision::Inserted;
  std::string replaced_blob_key;  // Overwritten: the old blob to remove after commit
};

// A file parsed, checked and in the blob store, not yet indexed.
struct PreparedInstance {
  dicom::ParsedInstance parsed;
  BlobInfo blob;
  std::string source;
  std::string frame_map;  // dicom::FrameMap::encode() of a multi-frame image; "" otherwise
  // A file that named a patient merged into another, rewritten at ingest: the merge (its link's
  // change) and the patient it named, for the record that lets an undoing bring its study back.
  std::string corrected_by;
  std::string corrected_from_id, corrected_from_issuer;
};

// An instance's file rewritten for a move (archive/patient_move.cpp), not yet committed.
struct Rewritten {
  int64_t instance_pk = 0;
  std::string old_key;
  PreparedInstance prepared;
};

// Inserts the level's row: `extra_values` for the level's own columns (patient: none; study:
// patient_fk, created_at; ...), then the attributes read from the file.
[[nodiscard]] Result<int64_t> insert_row(Connection& c, Level level,
                                         std::vector<SqlValue> extra_values,
                                         const dicom::ParsedInstance& p);
[[nodiscard]] Result<std::optional<int64_t>> find_id(Connection& c, const std::string& sql,
                                                     std::initializer_list<SqlValue> params);
[[nodiscard]] Status insert_metadata(Connection& c, int64_t instance_pk, const PreparedInstance& r);

}  // namespace vireo::archive::detail
