#include "net/dimse/dimse_service.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

namespace vireo::net {

Association::Association(T_ASC_Association* a, const DimseOptions& o, audit::AuditLog& audit,
                         const std::atomic<bool>& stopping, int socket_fd)
    : assoc(a),
      options(o),
      calling_aet(a->params->DULparams.callingAPTitle),
      address(a->params->DULparams.callingPresentationAddress),
      audit_(audit),
      stopping_(stopping),
      socket_fd_(socket_fd),
      // The association's summary always says these, in this order, as it always has.
      counts_{{"stored", 0}, {"refused", 0}, {"queries", 0}, {"retrieves", 0}} {}

Association::Corked::Corked(int fd) : fd_(fd) {
  int on = 1;
  if (fd_ >= 0) (void)::setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
}

Association::Corked::~Corked() {
  int off = 0;  // (sends what waits)
  if (fd_ >= 0) (void)::setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
}

OFCondition Association::receive_dataset(T_ASC_PresentationContextID pres, std::unique_ptr<DcmDataset>& out) {
  DcmDataset* received = nullptr;
  T_ASC_PresentationContextID data_pres = pres;
  OFCondition cond = DIMSE_receiveDataSetInMemory(assoc, DIMSE_NONBLOCKING, options.dimse_timeout_s, &data_pres,
                                                  &received, nullptr, nullptr);
  out.reset(received);
  return cond;
}

audit::AuditEvent Association::event(std::string action, std::string outcome) const {
  audit::AuditEvent e;
  e.actor = calling_aet;
  e.actor_role = "dicom-peer";
  e.action = std::move(action);
  e.outcome = std::move(outcome);
  e.source = address;
  return e;
}

void Association::record(audit::AuditEvent e) { audit_.record(std::move(e)); }

void Association::count(const std::string& what, int n) {
  for (auto& [name, value] : counts_)
    if (name == what) {
      value += n;
      return;
    }
  counts_.emplace_back(what, n);
}

void Association::count_for_study(const std::string& action, const std::string& resource, const std::string& noun,
                                  const std::string& study_uid, const std::string& patient_id) {
  auto& t = studies_[{action, study_uid}];
  if (t.count == 0) t = {action, resource, noun, patient_id, 0};
  ++t.count;
}

void Association::finish() {
  for (const auto& [key, t] : studies_) {
    auto e = event(t.action, "success");
    e.patient_id = t.patient_id;
    e.study_uid = key.second;
    e.resource = t.resource;
    e.detail = std::to_string(t.count) + " " + t.noun;
    record(std::move(e));
  }
  bool refused = false;
  std::string detail;
  for (const auto& [what, n] : counts_) {
    refused = refused || (what == "refused" && n > 0);
    detail += (detail.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  }
  auto e = event("dicom-association", refused ? "failure" : "success");
  e.resource = "association";
  e.detail = detail;
  record(std::move(e));
}

const char* DimseService::choose_syntax(const std::vector<std::string>& proposed) const {
  static const char* const ours[] = {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax,
                                     UID_BigEndianExplicitTransferSyntax};
  for (const char* ts : ours)
    for (const auto& p : proposed)
      if (p == ts) return ts;
  return nullptr;
}

T_DIMSE_C_FindRSP find_response_to(const T_DIMSE_C_FindRQ& req) {
  T_DIMSE_C_FindRSP rsp{};
  rsp.MessageIDBeingRespondedTo = req.MessageID;
  OFStandard::strlcpy(rsp.AffectedSOPClassUID, req.AffectedSOPClassUID, sizeof(rsp.AffectedSOPClassUID));
  rsp.opts = O_FIND_AFFECTEDSOPCLASSUID;
  return rsp;
}

DcmDataset* error_comment(const Error& e) {
  auto* d = new DcmDataset;
  std::string comment = e.message().substr(0, 64);  // ErrorComment is LO
  d->putAndInsertString(DCM_ErrorComment, comment.c_str());
  return d;
}

namespace {

// The valued keys of `item`, those in the first item of its sequences as "Sequence>Key=value".
void keys_of(DcmItem& item, const std::string& prefix, int depth, std::string& out, std::string& patient_id,
             std::string& study_uid) {
  for (unsigned long i = 0; i < item.card(); ++i) {
    DcmElement* el = item.getElement(i);
    std::string name = prefix + DcmTag(el->getTag()).getTagName();
    if (el->ident() == EVR_SQ) {
      auto* sq = static_cast<DcmSequenceOfItems*>(el);
      if (depth == 0 && sq->card() > 0) keys_of(*sq->getItem(0), name + ">", depth + 1, out, patient_id, study_uid);
      continue;
    }
    OFString value;
    el->getOFStringArray(value);
    if (value.empty()) continue;
    if (depth == 0 && el->getTag() == DCM_PatientID && value.find_first_of("*?") == OFString_npos)
      patient_id = value.c_str();
    if (depth == 0 && el->getTag() == DCM_StudyInstanceUID && value.find('\\') == OFString_npos)
      study_uid = value.c_str();
    out += (out.empty() ? "" : "; ") + name + "=" + value.c_str();
  }
}

}  // namespace

std::string identifier_text(DcmDataset& identifier, std::string& patient_id, std::string& study_uid) {
  std::string out;
  keys_of(identifier, "", 0, out, patient_id, study_uid);
  return out.substr(0, 1024);
}

}  // namespace vireo::net
