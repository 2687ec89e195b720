// C-FIND on the patient-root and study-root query/retrieve models: the archive's index answers,
// one pending response per match, a C-CANCEL looked for every 32 matches; every query audited
// with its keys and the number of matches.
#include <cstring>

#include "api/dimse/archive_services.hpp"
#include "api/dimse/query_identifier.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"

namespace vireo::api::dimse {

namespace {

using net::Association;

class FindService final : public net::DimseService {
 public:
  explicit FindService(archive::Archive& archive) : archive_(archive) {}

  bool answers(std::string_view sop_class) const override { return model_of(sop_class).has_value(); }
  const char* name() const override { return "find"; }

  OFCondition handle(Association& a, T_DIMSE_Message& msg, T_ASC_PresentationContextID pres,
                     const std::string& sop_class) override {
    if (msg.CommandField != DIMSE_C_FIND_RQ) return DIMSE_BADCOMMANDTYPE;
    T_DIMSE_C_FindRQ& req = msg.msg.CFindRQ;
    std::unique_ptr<DcmDataset> identifier;
    OFCondition cond = a.receive_dataset(pres, identifier);
    if (cond.bad()) return cond;
    T_DIMSE_C_FindRSP rsp = net::find_response_to(req);

    OFString level_text;
    identifier->findAndGetOFString(DCM_QueryRetrieveLevel, level_text);
    auto query = query_from_identifier(*identifier, *model_of(sop_class));
    bool cancelled = false;
    int sent = 0;
    OFCondition net = EC_Normal;
    // (Built in one expression: assigning a std::expected is avoided, see WriteQueue::run_all.)
    Status result = [&]() -> Status {
      auto corked = a.corked();  // the pending responses in full packets
      return !query ? Status(std::unexpected(query.error()))
                           : archive_.find(*query, [&](const archive::FindRow& row) {
                               if (++sent % 32 == 0 && DIMSE_checkForCancelRQ(a.assoc, pres, req.MessageID).good()) {
                                 cancelled = true;
                                 return false;
                               }
                               std::unique_ptr<DcmDataset> out(
                                   response_identifier(*identifier, row, level_text.c_str(), a.options.aet));
                               rsp.DimseStatus = STATUS_FIND_Pending_MatchesAreContinuing;
                               rsp.DataSetType = DIMSE_DATASET_PRESENT;
                               net = DIMSE_sendFindResponse(a.assoc, pres, &req, &rsp, out.get(), nullptr);
                               return net.good();
                             });
    }();
    if (net.bad()) return net;
    rsp.DataSetType = DIMSE_DATASET_NULL;
    DcmDataset* detail = nullptr;
    if (cancelled) {
      rsp.DimseStatus = STATUS_FIND_Cancel_MatchingTerminatedDueToCancelRequest;
    } else if (!result) {
      spdlog::warn("C-FIND from {} failed: {}", log_safe(a.calling_aet), log_safe(result.error().message(), 256));
      rsp.DimseStatus = dicom_status(result.error().code);
      detail = net::error_comment(result.error());
    } else {
      rsp.DimseStatus = STATUS_Success;
    }
    a.count("queries");
    auto event = a.event("dicom-find", result ? "success" : "failure");
    event.resource = std::string("C-FIND ") + level_text.c_str();
    event.detail = net::identifier_text(*identifier, event.patient_id, event.study_uid) + "; " +
                   std::to_string(sent) + " matches";
    a.record(std::move(event));
    cond = DIMSE_sendFindResponse(a.assoc, pres, &req, &rsp, nullptr, detail);
    delete detail;
    return cond;
  }

 private:
  static std::optional<QueryModel> model_of(std::string_view uid) {
    if (uid == UID_FINDPatientRootQueryRetrieveInformationModel) return QueryModel::PatientRoot;
    if (uid == UID_FINDStudyRootQueryRetrieveInformationModel) return QueryModel::StudyRoot;
    return std::nullopt;
  }
  archive::Archive& archive_;
};

}  // namespace

std::unique_ptr<net::DimseService> find_service(archive::Archive& archive) {
  return std::make_unique<FindService>(archive);
}

}  // namespace vireo::api::dimse
