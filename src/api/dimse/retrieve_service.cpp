// C-MOVE (to a configured peer, over a new association) and C-GET (back over the caller's
// own): the instances the identifier names, each file's hash checked before it is sent by a
// helper thread that runs ahead of the sender, pending responses every 8 instances, a C-CANCEL
// looked for every 8; every retrieve audited with what was sent and what failed.
#include <atomic>
#include <future>
#include <thread>

#include "api/dimse/archive_services.hpp"
#include "api/dimse/query_identifier.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "net/dimse/store_sender.hpp"

namespace vireo::api::dimse {

namespace {

using net::Association;

class RetrieveService final : public net::DimseService {
 public:
  explicit RetrieveService(archive::Archive& archive) : archive_(archive) {}

  bool answers(std::string_view sop_class) const override { return model_of(sop_class).has_value(); }
  const char* name() const override { return "retrieve"; }

  OFCondition handle(Association& a, T_DIMSE_Message& msg, T_ASC_PresentationContextID pres,
                     const std::string& sop_class) override {
    const bool is_move = msg.CommandField == DIMSE_C_MOVE_RQ;
    if (!is_move && msg.CommandField != DIMSE_C_GET_RQ) return DIMSE_BADCOMMANDTYPE;
    T_ASC_Association* assoc = a.assoc;
    DIC_US message_id = is_move ? msg.msg.CMoveRQ.MessageID : msg.msg.CGetRQ.MessageID;
    std::unique_ptr<DcmDataset> identifier;
    OFCondition cond = a.receive_dataset(pres, identifier);
    if (cond.bad()) return cond;

    int remaining = 0, completed = 0, failed = 0, warning = 0;
    OFString failed_uids;
    auto respond = [&](DIC_US status, DcmDataset* detail, bool final) -> OFCondition {
      DcmDataset* ids = nullptr;
      std::unique_ptr<DcmDataset> owned_ids;
      if (final && !failed_uids.empty()) {
        owned_ids = std::make_unique<DcmDataset>();
        owned_ids->putAndInsertString(DCM_FailedSOPInstanceUIDList, failed_uids.c_str());
        ids = owned_ids.get();
      }
      // C-MOVE and C-GET responses carry the same fields under different types and option bits.
      auto fill = [&](auto& rsp, const char* affected) {
        rsp.MessageIDBeingRespondedTo = message_id;
        OFStandard::strlcpy(rsp.AffectedSOPClassUID, affected, sizeof(rsp.AffectedSOPClassUID));
        rsp.DimseStatus = status;
        rsp.DataSetType = ids ? DIMSE_DATASET_PRESENT : DIMSE_DATASET_NULL;
        rsp.NumberOfRemainingSubOperations = static_cast<DIC_US>(remaining);
        rsp.NumberOfCompletedSubOperations = static_cast<DIC_US>(completed);
        rsp.NumberOfFailedSubOperations = static_cast<DIC_US>(failed);
        rsp.NumberOfWarningSubOperations = static_cast<DIC_US>(warning);
      };
      if (is_move) {
        T_DIMSE_C_MoveRSP rsp{};
        fill(rsp, msg.msg.CMoveRQ.AffectedSOPClassUID);
        rsp.opts = O_MOVE_AFFECTEDSOPCLASSUID | O_MOVE_NUMBEROFCOMPLETEDSUBOPERATIONS |
                   O_MOVE_NUMBEROFFAILEDSUBOPERATIONS | O_MOVE_NUMBEROFWARNINGSUBOPERATIONS;
        if (!final) rsp.opts |= O_MOVE_NUMBEROFREMAININGSUBOPERATIONS;
        return DIMSE_sendMoveResponse(assoc, pres, &msg.msg.CMoveRQ, &rsp, ids, detail);
      }
      T_DIMSE_C_GetRSP rsp{};
      fill(rsp, msg.msg.CGetRQ.AffectedSOPClassUID);
      rsp.opts = O_GET_AFFECTEDSOPCLASSUID | O_GET_NUMBEROFCOMPLETEDSUBOPERATIONS | O_GET_NUMBEROFFAILEDSUBOPERATIONS |
                 O_GET_NUMBEROFWARNINGSUBOPERATIONS;
      if (!final) rsp.opts |= O_GET_NUMBEROFREMAININGSUBOPERATIONS;
      return DIMSE_sendGetResponse(assoc, pres, &msg.msg.CGetRQ, &rsp, ids, detail);
    };
    a.count("retrieves");
    std::string destination = is_move ? std::string(msg.msg.CMoveRQ.MoveDestination) : a.calling_aet;
    auto audit_retrieve = [&](const std::string& outcome, const std::string& what, const std::string& patient,
                              const std::string& study) {
      auto e = a.event(is_move ? "dicom-move" : "dicom-get", outcome);
      e.resource = is_move ? "C-MOVE" : "C-GET";
      std::string keys_patient, keys_study;
      e.detail = net::identifier_text(*identifier, keys_patient, keys_study) + "; " + what;
      e.patient_id = patient.empty() ? keys_patient : patient;
      e.study_uid = study.empty() ? keys_study : study;
      a.record(std::move(e));
    };
    auto refuse = [&](const Error& e) {
      audit_retrieve("failure", "refused: " + e.message(), "", "");
      spdlog::warn("{} from {} refused: {}", is_move ? "C-MOVE" : "C-GET", log_safe(a.calling_aet), log_safe(e.message(), 256));
      std::unique_ptr<DcmDataset> detail(net::error_comment(e));
      return respond(dicom_status(e.code), detail.get(), true);
    };

    auto query = query_from_identifier(*identifier, *model_of(sop_class));
    if (!query) return refuse(query.error());
    if (auto s = check_retrieve_keys(*query); !s) return refuse(s.error());
    const net::DicomPeer* peer = nullptr;
    if (is_move) {
      std::string dest = msg.msg.CMoveRQ.MoveDestination;
      peer = a.options.find_peer(dest);
      if (!peer) return refuse(Error{ErrorCode::UnknownMoveDestination, "'" + dest + "'"});
    }
    auto instances = archive_.locate(*query);
    if (!instances) return refuse(instances.error());
    remaining = static_cast<int>(instances->size());
    if (instances->empty()) return respond(STATUS_Success, nullptr, true);
    std::vector<net::InstanceToSend> to_send;
    to_send.reserve(instances->size());
    for (const auto& i : *instances) to_send.push_back({i.sop_class_uid, i.sop_instance_uid, i.transfer_syntax});

    T_ASC_Network* out_net = nullptr;
    T_ASC_Association* target = assoc;
    if (is_move) {
      if (ASC_initializeNetwork(NET_REQUESTOR, 0, a.options.acse_timeout_s, &out_net).bad())
        return refuse(Error{ErrorCode::Internal, "cannot open an outgoing network"});
      auto opened = net::open_store_association(out_net, a.options.aet, *peer, to_send, a.options.max_pdu);
      if (!opened) {
        ASC_dropNetwork(&out_net);
        return refuse(opened.error());
      }
      target = *opened;
    }
    net::SubOperation op{target, is_move ? a.calling_aet : std::string(), message_id, a.options.dimse_timeout_s};
    DIC_US next_id = 1;
    bool cancelled = false;
    OFCondition net = EC_Normal;
    // Each file's hash is checked (a damaged file is never sent) by one helper thread that
    // runs ahead of the sender, so hashing and sending overlap on two cores.
    const size_t n = instances->size();
    std::vector<std::promise<Result<std::filesystem::path>>> checked(n);
    std::vector<std::future<Result<std::filesystem::path>>> files;
    for (auto& p : checked) files.push_back(p.get_future());
    std::atomic<bool> stop_checking{false};
    std::thread checker([&] {
      for (size_t k = 0; k < n; ++k) {
        if (stop_checking) {
          checked[k].set_value(std::unexpected(Error{ErrorCode::Unavailable, "retrieve ended"}));
          continue;
        }
        checked[k].set_value(archive_.instance_file((*instances)[k], archive::Archive::HashCheck::EveryRead));
      }
    });
    struct JoinChecker {
      std::atomic<bool>& stop;
      std::thread& t;
      ~JoinChecker() {
        stop = true;
        t.join();
      }
    } join_checker{stop_checking, checker};
    for (size_t k = 0; k < n; ++k) {
      const auto& inst = (*instances)[k];
      auto file = files[k].get();
      // A cancel is looked for every few instances: each check costs a system call. A server
      // that stops ends the retrieve as if cancelled.
      if (a.stopping() || (k % 8 == 0 && DIMSE_checkForCancelRQ(assoc, pres, message_id).good())) {
        cancelled = true;
        break;
      }
      Result<DIC_US> status = file ? net::send_instance(op, to_send[k], *file, next_id++) : Result<DIC_US>(std::unexpected(file.error()));
      --remaining;
      if (!status) {
        ++failed;
        failed_uids += failed_uids.empty() ? inst.sop_instance_uid : "\\" + inst.sop_instance_uid;
        spdlog::warn("sub-operation for {} failed: {}", inst.sop_instance_uid, status.error().message());
        if (status.error().code == ErrorCode::PeerUnreachable && is_move) {
          // The destination dropped the association: the rest cannot be sent either.
          failed += remaining;
          remaining = 0;
          break;
        }
      } else if (*status == STATUS_Success) {
        ++completed;
      } else if ((*status & 0xF000) == 0xB000) {
        ++warning;
      } else {
        ++failed;
        failed_uids += failed_uids.empty() ? inst.sop_instance_uid : "\\" + inst.sop_instance_uid;
      }
      // Pending responses are optional (PS3.4 C.4.2.3.1): one every 8 instances keeps the
      // requestor's progress current without a message per instance.
      if (remaining > 0 && remaining % 8 == 0) {
        net = respond(STATUS_Pending, nullptr, false);
        if (net.bad()) break;
      }
    }
    if (is_move) {
      net::release_association(target);
      ASC_dropNetwork(&out_net);
    }
    audit_retrieve(completed + warning > 0 || failed == 0 ? "success" : "failure",
                   std::to_string(n) + " instances to " + destination + ": " + std::to_string(completed + warning) +
                       " sent, " + std::to_string(failed) + " failed" + (cancelled ? ", cancelled" : ""),
                   (*instances)[0].patient_id, (*instances)[0].study_uid);
    if (net.bad()) return net;
    DIC_US final_status = STATUS_Success;
    if (cancelled) final_status = STATUS_MOVE_Cancel_SubOperationsTerminatedDueToCancelIndication;
    else if (failed > 0 && completed + warning == 0) final_status = dicom_status(ErrorCode::SubOperationsFailed);
    else if (failed > 0 || warning > 0) final_status = STATUS_MOVE_Warning_SubOperationsCompleteOneOrMoreFailures;
    return respond(final_status, nullptr, true);
  }

 private:
  static std::optional<QueryModel> model_of(std::string_view uid) {
    if (uid == UID_MOVEPatientRootQueryRetrieveInformationModel || uid == UID_GETPatientRootQueryRetrieveInformationModel)
      return QueryModel::PatientRoot;
    if (uid == UID_MOVEStudyRootQueryRetrieveInformationModel || uid == UID_GETStudyRootQueryRetrieveInformationModel)
      return QueryModel::StudyRoot;
    return std::nullopt;
  }
  archive::Archive& archive_;
};

}  // namespace

std::unique_ptr<net::DimseService> retrieve_service(archive::Archive& archive) {
  return std::make_unique<RetrieveService>(archive);
}

}  // namespace vireo::api::dimse
