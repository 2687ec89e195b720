#include "net/dimse/store_sender.hpp"

#include <cstring>
#include <map>
#include <set>

#include "core/log.hpp"
#include "dicom/dicom_file.hpp"

namespace vireo::net {

namespace {

const char* const kUncompressed[] = {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax};

// An accepted context for exactly this SOP class and transfer syntax, or 0.
// (ASC_findAcceptedPresentationContextID falls back to any syntax, which is not what we need.)
T_ASC_PresentationContextID accepted_context(T_ASC_Association* assoc, const std::string& sop_class, const char* ts) {
  T_ASC_PresentationContextID id = ASC_findAcceptedPresentationContextID(assoc, sop_class.c_str(), ts);
  if (id == 0) return 0;
  T_ASC_PresentationContext pc;
  if (ASC_findAcceptedPresentationContext(assoc->params, id, &pc).bad()) return 0;
  return std::strcmp(pc.acceptedTransferSyntax, ts) == 0 ? id : 0;
}

}  // namespace

Result<T_ASC_Association*> open_store_association(T_ASC_Network* net, const std::string& our_aet,
                                                  const DicomPeer& peer,
                                                  const std::vector<InstanceToSend>& instances,
                                                  uint32_t max_pdu) {
  T_ASC_Parameters* params = nullptr;
  OFCondition cond = ASC_createAssociationParameters(&params, max_pdu);
  if (cond.bad()) return fail(ErrorCode::Internal, cond.text());
  ASC_setAPTitles(params, our_aet.c_str(), peer.aet.c_str(), nullptr);
  std::string address = peer.host + ":" + std::to_string(peer.port);
  ASC_setPresentationAddresses(params, "localhost", address.c_str());

  // Per SOP class: one context for each stored syntax (sent as is), and one uncompressed
  // fallback context (decompressed on the fly) when the peer refuses the stored syntax.
  std::map<std::string, std::set<std::string>> syntaxes;
  for (const auto& inst : instances) syntaxes[inst.sop_class_uid].insert(inst.transfer_syntax);
  T_ASC_PresentationContextID id = 1;
  for (const auto& [sop_class, stored] : syntaxes) {
    for (const auto& ts : stored) {
      if (id > 253) break;
      const char* one[] = {ts.c_str()};
      ASC_addPresentationContext(params, id, sop_class.c_str(), one, 1);
      id += 2;
    }
    if (id > 253) {
      spdlog::warn("C-MOVE to {}: more than 127 presentation contexts needed; some instances will fail", peer.aet);
      break;
    }
    const char* fallback[] = {kUncompressed[0], kUncompressed[1]};
    ASC_addPresentationContext(params, id, sop_class.c_str(), fallback, 2);
    id += 2;
  }

  T_ASC_Association* assoc = nullptr;
  cond = ASC_requestAssociation(net, params, &assoc);
  if (cond.bad()) {
    if (assoc) {
      ASC_dropAssociation(assoc);
      ASC_destroyAssociation(&assoc);
    } else {
      ASC_destroyAssociationParameters(&params);
    }
    return fail(ErrorCode::PeerUnreachable, peer.aet + " at " + address + ": " + cond.text());
  }
  if (ASC_countAcceptedPresentationContexts(assoc->params) == 0) {
    release_association(assoc);
    return fail(ErrorCode::PeerUnreachable, peer.aet + " accepted no presentation context");
  }
  return assoc;
}

void release_association(T_ASC_Association* assoc) {
  if (!assoc) return;
  if (ASC_releaseAssociation(assoc).bad()) ASC_abortAssociation(assoc);
  ASC_dropAssociation(assoc);
  ASC_destroyAssociation(&assoc);
}

Result<DIC_US> send_instance(const SubOperation& op, const InstanceToSend& inst,
                             const std::filesystem::path& file, DIC_US message_id) {
  T_ASC_PresentationContextID pres = accepted_context(op.assoc, inst.sop_class_uid, inst.transfer_syntax.c_str());
  DcmFileFormat decoded;
  DcmDataset* dataset = nullptr;
  if (pres == 0) {
    // The peer did not accept the stored syntax: decompress to an accepted uncompressed one.
    E_TransferSyntax target = EXS_LittleEndianExplicit;
    for (const char* ts : kUncompressed) {
      pres = accepted_context(op.assoc, inst.sop_class_uid, ts);
      if (pres != 0) {
        target = DcmXfer(ts).getXfer();
        break;
      }
    }
    if (pres == 0)
      return fail(ErrorCode::SubOperationsFailed, "no accepted presentation context for " + inst.sop_class_uid);
    OFCondition cond = decoded.loadFile(file.c_str());
    if (cond.good()) cond = decoded.loadAllDataIntoMemory();
    if (cond.good()) cond = decoded.getDataset()->chooseRepresentation(target, nullptr);
    if (cond.bad() || !decoded.getDataset()->canWriteXfer(target)) {
      return fail(ErrorCode::SubOperationsFailed, "cannot convert " + inst.transfer_syntax +
                                                      " for a peer that accepts only uncompressed data");
    }
    dataset = decoded.getDataset();
  }

  T_DIMSE_C_StoreRQ req{};
  req.MessageID = message_id;
  OFStandard::strlcpy(req.AffectedSOPClassUID, inst.sop_class_uid.c_str(), sizeof(req.AffectedSOPClassUID));
  OFStandard::strlcpy(req.AffectedSOPInstanceUID, inst.sop_instance_uid.c_str(), sizeof(req.AffectedSOPInstanceUID));
  req.DataSetType = DIMSE_DATASET_PRESENT;
  req.Priority = DIMSE_PRIORITY_MEDIUM;
  if (!op.move_originator_aet.empty()) {
    req.opts = O_STORE_MOVEORIGINATORAETITLE | O_STORE_MOVEORIGINATORID;
    OFStandard::strlcpy(req.MoveOriginatorApplicationEntityTitle, op.move_originator_aet.c_str(),
                        sizeof(req.MoveOriginatorApplicationEntityTitle));
    req.MoveOriginatorID = op.move_originator_msg_id;
  }
  T_DIMSE_C_StoreRSP rsp{};
  DcmDataset* detail = nullptr;
  OFCondition cond = DIMSE_storeUser(op.assoc, pres, &req, dataset ? nullptr : file.c_str(), dataset, nullptr,
                                     nullptr, DIMSE_NONBLOCKING, op.dimse_timeout_s, &rsp, &detail);
  delete detail;
  if (cond.bad()) return fail(ErrorCode::PeerUnreachable, std::string("C-STORE sub-operation: ") + cond.text());
  return rsp.DimseStatus;
}

}  // namespace vireo::net
