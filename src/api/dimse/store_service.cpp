// C-STORE: the data set is written to a temporary file as it arrives (after a new meta header,
// bit-preserving), then handed to the archive, which checks, indexes and keeps it; the sender
// hears success only once it is durable.
#include <unistd.h>

#include <dcmtk/dcmdata/dcostrmf.h>

#include "api/dimse/archive_services.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "dicom/dicom_file.hpp"
#include "net/dimse/syntax_choice.hpp"

namespace vireo::api::dimse {

namespace {

using net::Association;

class StoreService final : public net::DimseService {
 public:
  StoreService(archive::Archive& archive, const net::DimseOptions& options) : archive_(archive), options_(options) {}

  // PS3.4 B.5: an archive should accept every storage class, private and future ones too.
  bool answers(std::string_view sop_class) const override {
    std::string uid(sop_class);
    if (dcmIsaStorageSOPClassUID(uid.c_str(), ESSC_All)) return true;
    return dcmFindNameOfUID(uid.c_str()) == nullptr;
  }
  // The site's order, then the proposer's (syntax_choice.hpp).
  const char* choose_syntax(const std::vector<std::string>& proposed) const override {
    return net::choose_storage_syntax(proposed, dicom::accepted_transfer_syntaxes(), options_.storage_transfer_syntaxes);
  }
  bool keeps_proposed_role() const override { return true; }
  const char* name() const override { return "store"; }

  OFCondition handle(Association& a, T_DIMSE_Message& msg, T_ASC_PresentationContextID pres,
                     const std::string&) override {
    if (msg.CommandField != DIMSE_C_STORE_RQ) return DIMSE_BADCOMMANDTYPE;
    T_DIMSE_C_StoreRQ& req = msg.msg.CStoreRQ;
    T_DIMSE_C_StoreRSP rsp{};
    rsp.MessageIDBeingRespondedTo = req.MessageID;
    rsp.DataSetType = DIMSE_DATASET_NULL;
    OFStandard::strlcpy(rsp.AffectedSOPClassUID, req.AffectedSOPClassUID, sizeof(rsp.AffectedSOPClassUID));
    OFStandard::strlcpy(rsp.AffectedSOPInstanceUID, req.AffectedSOPInstanceUID, sizeof(rsp.AffectedSOPInstanceUID));
    rsp.opts = O_STORE_AFFECTEDSOPCLASSUID | O_STORE_AFFECTEDSOPINSTANCEUID;

    std::filesystem::path tmp = archive_.temp_path();
    DcmOutputFileStream* stream = nullptr;
    Status room = archive_.check_free_space();
    OFCondition cond = room ? DIMSE_createFilestream(tmp.c_str(), &req, a.assoc, pres, OFTrue, &stream)
                            : OFCondition(EC_IllegalCall);
    DcmDataset* detail = nullptr;
    if (cond.bad()) {
      Error e = room ? Error{ErrorCode::OutOfResources, "cannot write to the blob store"} : room.error();
      spdlog::error("C-STORE {} refused: {}", log_safe(req.AffectedSOPInstanceUID), e.message());
      DIC_UL bytes = 0, pdvs = 0;
      cond = DIMSE_ignoreDataSet(a.assoc, DIMSE_NONBLOCKING, a.options.dimse_timeout_s, &bytes, &pdvs);
      if (cond.bad()) return cond;
      rsp.DimseStatus = dicom_status(e.code);
      detail = net::error_comment(e);
    } else {
      T_ASC_PresentationContextID data_pres = pres;
      cond = DIMSE_receiveDataSetInFile(a.assoc, DIMSE_NONBLOCKING, a.options.dimse_timeout_s, &data_pres, stream,
                                        nullptr, nullptr);
      bool write_failed = stream->status().bad();
      delete stream;
      if (cond.bad() && !write_failed) {
        ::unlink(tmp.c_str());
        return cond;  // the network failed: nothing to answer
      }
      if (write_failed) {
        ::unlink(tmp.c_str());
        Error e{ErrorCode::OutOfResources, "the blob store is full or not writable"};
        spdlog::error("C-STORE {} from {}: {}", log_safe(req.AffectedSOPInstanceUID), log_safe(a.calling_aet),
                      e.message());
        archive_.note_rejection(a.calling_aet, req.AffectedSOPInstanceUID, e);
        rsp.DimseStatus = dicom_status(e.code);
        detail = net::error_comment(e);
        if (cond.bad()) return cond;
      } else {
        auto source = archive::StoreSource::named(a.calling_aet);
        source.expected_sop_instance_uid = req.AffectedSOPInstanceUID;
        source.expected_sop_class_uid = req.AffectedSOPClassUID;
        auto stored = archive_.store_file(tmp, source);
        if (stored) {
          rsp.DimseStatus = STATUS_Success;
          a.count_for_study("dicom-store", "C-STORE", "instances received", stored->study_instance_uid,
                            stored->patient_id);
        } else {
          spdlog::warn("C-STORE {} from {} refused: {}", log_safe(req.AffectedSOPInstanceUID), log_safe(a.calling_aet),
                       log_safe(stored.error().message(), 256));
          rsp.DimseStatus = dicom_status(stored.error().code);
          detail = net::error_comment(stored.error());
        }
      }
    }
    a.count(rsp.DimseStatus == STATUS_Success ? "stored" : "refused");
    cond = DIMSE_sendStoreResponse(a.assoc, pres, &req, &rsp, detail);
    delete detail;
    return cond;
  }

 private:
  archive::Archive& archive_;
  const net::DimseOptions& options_;
};

}  // namespace

std::unique_ptr<net::DimseService> store_service(archive::Archive& archive, const net::DimseOptions& options) {
  return std::make_unique<StoreService>(archive, options);
}

}  // namespace vireo::api::dimse
