#include "net/dimse/echo_client.hpp"

#include <chrono>

#include "net/dimse/store_sender.hpp"

namespace vireo::net {

namespace {

// A-ASSOCIATE-RJ reasons (PS3.8 9.3.4) in the words an administrator acts on.
std::string rejection_reason(T_ASC_Association* assoc) {
  T_ASC_RejectParameters rej;
  if (ASC_getRejectParameters(assoc->params, &rej).bad()) return "the association was rejected";
  switch (rej.reason) {
    case ASC_REASON_SU_CALLINGAETITLENOTRECOGNIZED:
      return "the peer does not know our AE title; add it to the peer's list of callers";
    case ASC_REASON_SU_CALLEDAETITLENOTRECOGNIZED:
      return "the peer does not answer to this AE title; check the AE title";
    case ASC_REASON_SU_APPCONTEXTNAMENOTSUPPORTED:
      return "the peer does not support the DICOM application context";
    case ASC_REASON_SP_PRES_TEMPORARYCONGESTION:
    case ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED:
      return "the peer is busy; try again later";
    default:
      return "the peer rejected the association";
  }
}

// Why no association came about, from dcmnet's condition text, in words that say what to check.
std::string connection_failure(const std::string& text, int timeout_s) {
  if (text.find("refused") != std::string::npos)
    return "nothing answers at this host and port (connection refused); check both, and that the peer's DICOM service runs";
  if (text.find("imeout") != std::string::npos || text.find("timed out") != std::string::npos)
    return "no answer within " + std::to_string(timeout_s) +
           " s; check the address, and that no firewall blocks the port";
  if (text.find("unreachable") != std::string::npos || text.find("No route") != std::string::npos)
    return "the network cannot reach this host (" + text + ")";
  if (text.find("nknown host") != std::string::npos || text.find("resolve") != std::string::npos ||
      text.find("Name or service") != std::string::npos)
    return "the host name cannot be found; check it (" + text + ")";
  return "no association (" + text + ")";
}

}  // namespace

void set_outgoing_connect_timeout(int seconds) { dcmConnectionTimeout.set(seconds); }

Result<double> dicom_echo(const std::string& our_aet, const DicomPeer& peer, int timeout_s) {
  const std::string address = peer.host + ":" + std::to_string(peer.port);
  auto unreachable = [&](const std::string& why) { return fail(ErrorCode::PeerUnreachable, peer.aet + " at " + address + ": " + why); };
  auto started = std::chrono::steady_clock::now();

  T_ASC_Network* net = nullptr;
  if (ASC_initializeNetwork(NET_REQUESTOR, 0, timeout_s, &net).bad()) return unreachable("cannot open an outgoing network");
  T_ASC_Parameters* params = nullptr;
  if (ASC_createAssociationParameters(&params, ASC_DEFAULTMAXPDU).bad()) {
    ASC_dropNetwork(&net);
    return unreachable("cannot prepare the association");
  }
  ASC_setAPTitles(params, our_aet.c_str(), peer.aet.c_str(), nullptr);
  ASC_setPresentationAddresses(params, "localhost", address.c_str());
  const char* syntaxes[] = {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax};
  ASC_addPresentationContext(params, 1, UID_VerificationSOPClass, syntaxes, 2);

  T_ASC_Association* assoc = nullptr;
  OFCondition cond = ASC_requestAssociation(net, params, &assoc);
  const bool associated = cond.good();
  Result<double> result = 0.0;
  if (cond == DUL_ASSOCIATIONREJECTED) {
    result = unreachable(rejection_reason(assoc));
  } else if (cond.bad()) {
    result = unreachable(connection_failure(cond.text(), timeout_s));
  } else if (ASC_countAcceptedPresentationContexts(assoc->params) == 0) {
    result = unreachable("the peer does not accept Verification (C-ECHO)");
  } else {
    DIC_US status = 0;
    DcmDataset* detail = nullptr;
    cond = DIMSE_echoUser(assoc, 1, DIMSE_NONBLOCKING, timeout_s, &status, &detail);
    delete detail;
    if (cond.bad()) result = unreachable(std::string("no answer to C-ECHO: ") + cond.text());
    else if (status != STATUS_Success) result = unreachable("C-ECHO answered with status " + std::to_string(status));
    else result = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  }

  // Released where the peer answered (no context accepted is an answer too); aborted otherwise.
  if (assoc && associated && (result || cond.good())) {
    release_association(assoc);
  } else if (assoc) {
    if (associated) ASC_abortAssociation(assoc);
    ASC_dropAssociation(assoc);
    ASC_destroyAssociation(&assoc);
  } else {
    ASC_destroyAssociationParameters(&params);
  }
  ASC_dropNetwork(&net);
  return result;
}

}  // namespace vireo::net
