// Internal to net/dimse: DCMTK-facing helpers shared by the server's handlers.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcostrmf.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>

#include <filesystem>
#include <string>

#include "archive/archive.hpp"
#include "net/dimse/dimse_options.hpp"

namespace vireo::net {

enum class QueryModel { PatientRoot, StudyRoot };

// C-FIND/C-MOVE/C-GET identifier -> archive query. Fails with InvalidQuery where the
// level is missing or not valid for the information model.
[[nodiscard]] Result<archive::FindQuery> query_from_identifier(DcmDataset& identifier, QueryModel model);
// Whether the identifier names the unique key of its level (needed by C-MOVE/C-GET).
[[nodiscard]] Status check_retrieve_keys(const archive::FindQuery& query);
// One C-FIND match -> response identifier holding the requested keys (and the unique keys).
[[nodiscard]] DcmDataset* response_identifier(DcmDataset& request, const archive::FindRow& row,
                                              const std::string& level, const std::string& aet);

// Sends one stored instance over an association on which a storage context for its SOP
// class was accepted: the stored bytes as they are when the accepted transfer syntax is
// the stored one, else decompressed to the accepted uncompressed syntax.
struct SubOperation {
  T_ASC_Association* assoc;
  std::string move_originator_aet;  // empty for C-GET
  DIC_US move_originator_msg_id = 0;
  int dimse_timeout_s = 60;
};
// Returns the C-STORE response status, or an error if the instance could not be sent.
[[nodiscard]] Result<DIC_US> send_instance(const SubOperation& op, const archive::StoredInstance& inst,
                                           const std::filesystem::path& file, DIC_US message_id);

// Opens an association to a C-MOVE destination with storage contexts for `instances`.
[[nodiscard]] Result<T_ASC_Association*> open_store_association(T_ASC_Network* net, const std::string& our_aet,
                                                                const DicomPeer& peer,
                                                                const std::vector<archive::StoredInstance>& instances,
                                                                uint32_t max_pdu);
void release_association(T_ASC_Association* assoc);

}  // namespace vireo::net
