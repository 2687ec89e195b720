// vireo-findlat: C-FIND latency over one association, so that process start-up and
// association set-up do not hide the server's own time.
//   vireo-findlat HOST PORT CALLED_AET CALLING_AET QUERIES
// QUERIES has one study-level query per line: Keyword=value;Keyword=value
// Prints "milliseconds matches" per query.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scu.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: vireo-findlat HOST PORT CALLED_AET CALLING_AET QUERIES\n");
    return 2;
  }
  OFLog::configure(OFLogger::ERROR_LOG_LEVEL);
  DcmSCU scu;
  scu.setPeerHostName(argv[1]);
  scu.setPeerPort(static_cast<Uint16>(std::atoi(argv[2])));
  scu.setPeerAETitle(argv[3]);
  scu.setAETitle(argv[4]);
  scu.setMaxReceivePDULength(131072);
  OFList<OFString> ts;
  ts.push_back(UID_LittleEndianExplicitTransferSyntax);
  ts.push_back(UID_LittleEndianImplicitTransferSyntax);
  scu.addPresentationContext(UID_FINDStudyRootQueryRetrieveInformationModel, ts);
  if (scu.initNetwork().bad() || scu.negotiateAssociation().bad()) {
    std::fprintf(stderr, "cannot associate with %s:%s\n", argv[1], argv[2]);
    return 1;
  }
  T_ASC_PresentationContextID pres = scu.findPresentationContextID(UID_FINDStudyRootQueryRetrieveInformationModel, "");
  std::ifstream in(argv[5]);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    DcmDataset q;
    q.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
    for (const DcmTagKey& k : {DCM_StudyInstanceUID, DCM_PatientName, DCM_PatientID, DCM_StudyDate,
                               DCM_AccessionNumber, DCM_ModalitiesInStudy, DCM_NumberOfStudyRelatedInstances})
      q.insertEmptyElement(k);
    std::stringstream ss(line);
    std::string kv;
    while (std::getline(ss, kv, ';')) {
      auto eq = kv.find('=');
      DcmTag tag;
      if (eq == std::string::npos || DcmTag::findTagFromName(kv.substr(0, eq).c_str(), tag).bad()) {
        std::fprintf(stderr, "bad query term '%s'\n", kv.c_str());
        return 2;
      }
      q.putAndInsertString(tag, kv.substr(eq + 1).c_str());
    }
    OFList<QRResponse*> responses;
    auto t0 = std::chrono::steady_clock::now();
    OFCondition cond = scu.sendFINDRequest(pres, &q, &responses);
    auto t1 = std::chrono::steady_clock::now();
    size_t matches = 0;
    for (auto* r : responses) {
      if (r->m_dataset) ++matches;
      delete r;
    }
    if (cond.bad()) {
      std::fprintf(stderr, "C-FIND failed: %s\n", cond.text());
      return 1;
    }
    std::printf("%.3f %zu\n", std::chrono::duration<double, std::milli>(t1 - t0).count(), matches);
  }
  scu.releaseAssociation();
  return 0;
}
