// Storage sub-operations for C-MOVE (on a new association to the destination) and C-GET (on
// the requesting association), PS3.4 C.4.2.3 and C.4.3.3: an instance is sent as stored when
// the accepted transfer syntax is the stored one, else decompressed to an accepted uncompressed
// syntax.
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dimse.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "net/dimse/dimse_options.hpp"

namespace vireo::net {

// What the sender needs to know of a stored instance.
struct InstanceToSend {
  std::string sop_class_uid, sop_instance_uid, transfer_syntax;
};

// The association a sub-operation goes over, and the C-MOVE it belongs to.
struct SubOperation {
  T_ASC_Association* assoc;
  std::string move_originator_aet;  // empty for C-GET
  DIC_US move_originator_msg_id = 0;
  int dimse_timeout_s = 60;
};
// Returns the C-STORE response status, or an error if the instance could not be sent.
[[nodiscard]] Result<DIC_US> send_instance(const SubOperation& op, const InstanceToSend& inst,
                                           const std::filesystem::path& file, DIC_US message_id);

// Opens an association to a C-MOVE destination with storage contexts for `instances`.
[[nodiscard]] Result<T_ASC_Association*> open_store_association(T_ASC_Network* net, const std::string& our_aet,
                                                                const DicomPeer& peer,
                                                                const std::vector<InstanceToSend>& instances,
                                                                uint32_t max_pdu);
void release_association(T_ASC_Association* assoc);

}  // namespace vireo::net
