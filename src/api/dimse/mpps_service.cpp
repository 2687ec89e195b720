// The Modality Performed Procedure Step SCP (PS3.4 F.7): N-CREATE and N-SET from the scanner
// become PerformedSteps reports; refusals get the N-service statuses of Tables F.7.2-1/F.7.2-2
// with an Error Comment, and change nothing.
#include "api/dimse/ris_services.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "core/uid.hpp"
#include "dicom/charset.hpp"

namespace vireo::api::dimse {

namespace {

using net::Association;
using Refusal = ris::PerformedOutcome::Refusal;

std::string text(DcmItem& item, const DcmTagKey& tag) {
  OFString v;
  item.findAndGetOFStringArray(tag, v);
  return std::string(trim(std::string_view(v.c_str(), v.size())));
}

// The report an N-CREATE or N-SET data set makes. A data set may leave out what it does not
// change (N-SET); `created` says which one it is.
ris::PerformedReport report_of(DcmDataset& d, bool created) {
  ris::PerformedReport r;
  r.status = text(d, DCM_PerformedProcedureStepStatus);
  r.station_aet = text(d, DCM_PerformedStationAETitle);
  r.patient_id = text(d, DCM_PatientID);
  DcmItem* scheduled = nullptr;
  if (created && d.findAndGetSequenceItem(DCM_ScheduledStepAttributesSequence, scheduled, 0).good() && scheduled) {
    r.step_id = text(*scheduled, DCM_ScheduledProcedureStepID);
    r.accession_number = text(*scheduled, DCM_AccessionNumber);
    r.study_instance_uid = text(*scheduled, DCM_StudyInstanceUID);
    if (r.accession_number.empty()) r.accession_number = text(*scheduled, DCM_RequestedProcedureID);
  }
  const std::string modality = text(d, DCM_Modality);
  DcmSequenceOfItems* series = nullptr;
  if (d.findAndGetSequence(DCM_PerformedSeriesSequence, series).good() && series) {
    r.series_given = true;
    for (unsigned long i = 0; i < series->card(); ++i) {
      DcmItem* item = series->getItem(i);
      DcmSequenceOfItems* images = nullptr;
      int count = 0;
      if (item->findAndGetSequence(DCM_ReferencedImageSequence, images).good() && images)
        count = static_cast<int>(images->card());
      r.series.push_back({text(*item, DCM_SeriesInstanceUID), modality, text(*item, DCM_SeriesDescription), count});
    }
  }
  DcmItem* reason = nullptr;
  if (d.findAndGetSequenceItem(DCM_PerformedProcedureStepDiscontinuationReasonCodeSequence, reason, 0).good() &&
      reason)
    r.discontinued_reason = text(*reason, DCM_CodeMeaning);
  return r;
}

DIC_US status_of(Refusal r) {
  switch (r) {
    case Refusal::None: return STATUS_N_Success;
    case Refusal::Duplicate: return STATUS_N_DuplicateSOPInstance;
    case Refusal::NoSuchStep: return STATUS_N_NoSuchSOPInstance;
    case Refusal::InvalidValue: return STATUS_N_InvalidAttributeValue;
    // PS3.4 F.7.2.2.2: "Performed Procedure Step Object may no longer be updated" is a
    // processing failure (0110), as is a step the order's state does not allow.
    case Refusal::NoLongerUpdatable: return STATUS_N_ProcessingFailure;
    case Refusal::WrongMoment: return STATUS_N_ProcessingFailure;
  }
  return STATUS_N_ProcessingFailure;
}

class PerformedStepService final : public net::DimseService {
 public:
  explicit PerformedStepService(ris::PerformedSteps& steps) : steps_(steps) {}

  bool answers(std::string_view sop_class) const override {
    return sop_class == UID_ModalityPerformedProcedureStepSOPClass;
  }
  const char* name() const override { return "mpps"; }

  OFCondition handle(Association& a, T_DIMSE_Message& msg, T_ASC_PresentationContextID pres,
                     const std::string&) override {
    if (msg.CommandField != DIMSE_N_CREATE_RQ && msg.CommandField != DIMSE_N_SET_RQ) return DIMSE_BADCOMMANDTYPE;
    const bool create = msg.CommandField == DIMSE_N_CREATE_RQ;
    std::unique_ptr<DcmDataset> data;
    const bool has_data = create ? msg.msg.NCreateRQ.DataSetType != DIMSE_DATASET_NULL
                                 : msg.msg.NSetRQ.DataSetType != DIMSE_DATASET_NULL;
    if (has_data) {
      OFCondition cond = a.receive_dataset(pres, data);
      if (cond.bad()) return cond;
    }
    std::string uid = create ? (msg.msg.NCreateRQ.opts & O_NCREATE_AFFECTEDSOPINSTANCEUID
                                    ? std::string(msg.msg.NCreateRQ.AffectedSOPInstanceUID)
                                    : new_uid())
                             : std::string(msg.msg.NSetRQ.RequestedSOPInstanceUID);

    DIC_US status = STATUS_N_Success;
    Error error{ErrorCode::InvalidArgument, ""};
    ris::PerformedOutcome outcome;
    if (!data) {
      status = STATUS_N_MissingAttribute;
      error.detail = "the request carries no attributes";
    } else {
      dicom::convert_item_to_utf8(*data);
      ris::PerformedReport report = report_of(*data, create);
      if (create && report.status.empty()) {
        status = STATUS_N_MissingAttribute;
        error.detail = "Performed Procedure Step Status (0040,0252) is missing";
      } else {
        auto done = create ? steps_.create(uid, report, a.calling_aet) : steps_.update(uid, report, a.calling_aet);
        if (!done) {
          status = STATUS_N_ProcessingFailure;
          error = done.error();
        } else {
          outcome = *done;
          status = status_of(outcome.refusal);
          error.detail = outcome.why;
        }
      }
    }
    const bool ok = status == STATUS_N_Success;
    if (!ok)
      spdlog::warn("MPPS {} from {} refused: {}", create ? "N-CREATE" : "N-SET", log_safe(a.calling_aet),
                   log_safe(error.detail, 256));
    a.count(ok ? "procedure steps reported" : "refused");
    auto event = a.event(create ? "dicom-mpps-create" : "dicom-mpps-set", ok ? "success" : "failure");
    event.resource = std::string(create ? "N-CREATE" : "N-SET") + " MPPS " + uid.substr(0, 64);
    event.patient_id = outcome.patient_id;
    event.study_uid = outcome.study_instance_uid;
    event.detail = ok ? "order " + std::to_string(outcome.order_id) + " (accession " + outcome.accession_number +
                            "): " + outcome.status
                      : "refused: " + error.detail;
    a.record(std::move(event));

    T_DIMSE_Message rsp{};
    std::unique_ptr<DcmDataset> detail(ok ? nullptr : net::error_comment(error));
    if (create) {
      rsp.CommandField = DIMSE_N_CREATE_RSP;
      auto& r = rsp.msg.NCreateRSP;
      r.MessageIDBeingRespondedTo = msg.msg.NCreateRQ.MessageID;
      OFStandard::strlcpy(r.AffectedSOPClassUID, msg.msg.NCreateRQ.AffectedSOPClassUID, sizeof r.AffectedSOPClassUID);
      OFStandard::strlcpy(r.AffectedSOPInstanceUID, uid.c_str(), sizeof r.AffectedSOPInstanceUID);
      r.DimseStatus = status;
      r.DataSetType = DIMSE_DATASET_NULL;
      r.opts = O_NCREATE_AFFECTEDSOPCLASSUID | O_NCREATE_AFFECTEDSOPINSTANCEUID;
    } else {
      rsp.CommandField = DIMSE_N_SET_RSP;
      auto& r = rsp.msg.NSetRSP;
      r.MessageIDBeingRespondedTo = msg.msg.NSetRQ.MessageID;
      OFStandard::strlcpy(r.AffectedSOPClassUID, msg.msg.NSetRQ.RequestedSOPClassUID, sizeof r.AffectedSOPClassUID);
      OFStandard::strlcpy(r.AffectedSOPInstanceUID, uid.c_str(), sizeof r.AffectedSOPInstanceUID);
      r.DimseStatus = status;
      r.DataSetType = DIMSE_DATASET_NULL;
      r.opts = O_NSET_AFFECTEDSOPCLASSUID | O_NSET_AFFECTEDSOPINSTANCEUID;
    }
    return DIMSE_sendMessageUsingMemoryData(a.assoc, pres, &rsp, detail.get(), nullptr, nullptr, nullptr);
  }

 private:
  ris::PerformedSteps& steps_;
};

}  // namespace

std::unique_ptr<net::DimseService> performed_step_service(ris::PerformedSteps& steps) {
  return std::make_unique<PerformedStepService>(steps);
}

}  // namespace vireo::api::dimse
