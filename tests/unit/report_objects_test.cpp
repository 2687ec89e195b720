// A signed report as DICOM: the Encapsulated PDF and the Basic Text SR read back with DCMTK as
// any PACS would, with what they must say and nothing made up on the way.
#include <gtest/gtest.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <sstream>

#include "core/sha256.hpp"
#include "dicom/report_objects.hpp"
#include "test_dir.hpp"

namespace vireo::dicom {
namespace {

ReportObjectHeader header() {
  ReportObjectHeader h;
  h.patient = {"MRN-7", "CLINIC", "Puigdemont i Soler^Núria", "19610709", "F", "ACC-42"};
  h.study_uid = "1.2.3.4";
  h.study_date = "20261204";
  h.study_time = "101500";
  h.referring_physician = "Ferrer^Anna";
  h.study_description = "CT chest";
  h.series_uid = "1.2.3.4.9001";
  h.series_description = "Signed report";
  h.series_number = 9001;
  h.sop_uid = "1.2.3.4.9001.1";
  h.instance_number = 1;
  h.content_date = "20261204";
  h.content_time = "113000";
  h.utc_offset = "+0100";
  h.institution = "Clínica Vireo";
  return h;
}

class ReportObjects : public ::testing::Test {
 protected:
  void SetUp() override { dir = vireo::testing::fresh_test_dir("report-objects"); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
};

std::string read(const std::filesystem::path& p) { return vireo::testing::slurp(p); }

std::string text(DcmItem& ds, const DcmTagKey& tag) {
  OFString v;
  ds.findAndGetOFStringArray(tag, v);
  return v.c_str();
}

TEST_F(ReportObjects, TheSignedPdfIsEncapsulatedWholeWithThePatientAndStudy) {
  const std::string pdf = "%PDF-1.4\nodd length\n%%EOF";  // 27 bytes: padded to 28
  ASSERT_EQ(pdf.size() % 2, 1u);
  ASSERT_TRUE(write_encapsulated_pdf(dir / "a.dcm", header(), "Radiology report", pdf));
  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile((dir / "a.dcm").c_str()).good());
  DcmDataset& ds = *ff.getDataset();
  EXPECT_EQ(text(ds, DCM_SOPClassUID), kEncapsulatedPdfStorage);
  OFString stored_as;
  ff.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPInstanceUID, stored_as);
  EXPECT_EQ(std::string(stored_as.c_str()), "1.2.3.4.9001.1");
  EXPECT_EQ(text(ds, DCM_SpecificCharacterSet), "ISO_IR 192");
  EXPECT_EQ(text(ds, DCM_PatientName), "Puigdemont i Soler^Núria");
  EXPECT_EQ(text(ds, DCM_PatientID), "MRN-7");
  EXPECT_EQ(text(ds, DCM_AccessionNumber), "ACC-42");
  EXPECT_EQ(text(ds, DCM_StudyInstanceUID), "1.2.3.4");
  EXPECT_EQ(text(ds, DCM_Modality), "DOC");
  EXPECT_EQ(text(ds, DCM_MIMETypeOfEncapsulatedDocument), "application/pdf");
  EXPECT_EQ(text(ds, DCM_InstitutionName), "Clínica Vireo");
  const Uint8* bytes = nullptr;
  unsigned long size = 0;
  ASSERT_TRUE(ds.findAndGetUint8Array(DCM_EncapsulatedDocument, bytes, &size).good());
  Uint32 length = 0;
  ASSERT_TRUE(ds.findAndGetUint32(DCM_EncapsulatedDocumentLength, length).good());
  EXPECT_EQ(length, pdf.size());
  EXPECT_EQ(size, pdf.size() + 1);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes), length), pdf);
}

ReportSr addendum_sr() {
  ReportSr sr;
  sr.header = header();
  sr.header.sop_uid = "1.2.3.4.9002.2";
  sr.sections = {{"indication", "Indicació", "Tos persistent."},
                 {"findings", "Troballes", "No pulmonary nodule.\nNo effusion."},
                 {"breast_density", "Densitat", "ACR b"},
                 {"impression", "Impressió", "   "}};  // blank: left out
  sr.addenda = {{"Dra. Marta Vila", {{"addendum", "Addenda", "Compared with 2026: unchanged."}}}};
  sr.verifier_name = "Dra. Marta Vila";
  sr.verified_at = "20261204120000+0100";
  sr.predecessor = ObjectReference{"1.2.3.4", "1.2.3.4.9002", kBasicTextSrStorage, "1.2.3.4.9002.1"};
  sr.requested_procedure = "CT chest";
  return sr;
}

TEST_F(ReportObjects, TheTextIsAVerifiedBasicTextSrWithTheStandardHeadings) {
  ASSERT_TRUE(write_report_sr(dir / "sr.dcm", addendum_sr()));
  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile((dir / "sr.dcm").c_str()).good());
  DcmDataset& ds = *ff.getDataset();
  EXPECT_EQ(text(ds, DCM_SOPClassUID), kBasicTextSrStorage);
  EXPECT_EQ(text(ds, DCM_SOPInstanceUID), "1.2.3.4.9002.2");
  EXPECT_EQ(text(ds, DCM_SeriesInstanceUID), "1.2.3.4.9001");
  EXPECT_EQ(text(ds, DCM_Modality), "SR");
  EXPECT_EQ(text(ds, DCM_CompletionFlag), "COMPLETE");
  EXPECT_EQ(text(ds, DCM_VerificationFlag), "VERIFIED");
  EXPECT_EQ(text(ds, DCM_PreliminaryFlag), "FINAL");
  EXPECT_EQ(text(ds, DCM_InstanceCreationDate), "20261204");
  DcmItem* request = nullptr;
  ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_ReferencedRequestSequence, request, 0).good() && request)
      << "the request it answers";
  EXPECT_EQ(text(*request, DCM_AccessionNumber), "ACC-42");
  EXPECT_EQ(text(*request, DCM_RequestedProcedureID), "ACC-42");
  EXPECT_EQ(text(*request, DCM_RequestedProcedureDescription), "CT chest");

  DSRDocument doc;
  ASSERT_TRUE(doc.read(ds).good()) << "DCMTK reads it as a valid SR document";
  EXPECT_EQ(doc.getDocumentType(), DSRTypes::DT_BasicTextSR);
  OFString name;
  ASSERT_TRUE(doc.getPatientName(name).good());
  EXPECT_EQ(std::string(name.c_str()), "Puigdemont i Soler^Núria");
  EXPECT_EQ(doc.getNumberOfVerifyingObservers(), 1u);
  EXPECT_EQ(doc.getPredecessorDocuments().getNumberOfInstances(), 1u);
  std::ostringstream rendered;
  ASSERT_TRUE(doc.renderHTML(rendered).good());
  const std::string html = rendered.str();
  for (const char* expected : {"Indications for Procedure", "Tos persistent.", "Findings", "No pulmonary nodule.",
                               "Densitat", "ACR b", "Addendum", "Compared with 2026: unchanged.", "Dra. Marta Vila"})
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
  EXPECT_EQ(html.find("Impressions"), std::string::npos) << "a blank section is left out";
}

TEST_F(ReportObjects, KeyImagesAreReferencedUnderTheirCaptionsAndAreTheRequestsEvidence) {
  ReportSr sr = addendum_sr();
  const std::string ct = "1.2.840.10008.5.1.4.1.1.2", enhanced = "1.2.840.10008.5.1.4.1.1.2.1";
  // A single-frame CT image, and frames 1 and 17 of an enhanced CT's 40.
  sr.key_images = {{{"1.2.3.4", "1.2.3.4.3", ct, "1.2.3.4.3.42"}, 1, "Nòdul al lòbul superior dret", 1},
                   {{"1.2.3.4", "1.2.3.4.5", enhanced, "1.2.3.4.5.1"}, 1, "", 40},
                   {{"1.2.3.4", "1.2.3.4.5", enhanced, "1.2.3.4.5.1"}, 17, "", 40}};
  ASSERT_TRUE(write_report_sr(dir / "sr.dcm", sr));
  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile((dir / "sr.dcm").c_str()).good());
  DSRDocument doc;
  ASSERT_TRUE(doc.read(*ff.getDataset()).good()) << "DCMTK reads it as a valid SR document";
  auto& evidence = doc.getCurrentRequestedProcedureEvidence();
  EXPECT_EQ(evidence.getNumberOfInstances(), 2u) << "each instance once";
  OFString series;
  ASSERT_TRUE(evidence.gotoItem(ct.c_str(), "1.2.3.4.3.42").good());
  EXPECT_EQ(std::string(evidence.getSeriesInstanceUID(series).c_str()), "1.2.3.4.3");
  // The tree: "Key Images", then the caption and the first image, then the second at its frame.
  DSRDocumentTree& tree = doc.getTree();
  std::vector<std::string> items;
  if (tree.gotoRoot() > 0) {
    do {
      const auto& item = tree.getCurrentContentItem();
      if (item.getValueType() == DSRTypes::VT_Image) {
        const DSRImageReferenceValue& ref = item.getImageReference();
        std::string frames;
        if (!ref.getFrameList().isEmpty()) frames = " frame " + std::to_string(ref.getFrameList().getItem(1));
        items.push_back(std::string("image ") + ref.getSOPInstanceUID().c_str() + frames);
      } else if (item.getConceptName().getCodeValue() == "121180") {
        items.push_back("Key Images");
      } else if (!items.empty() && item.getConceptName().getCodeValue() == "121106") {
        items.push_back(std::string("caption ") + item.getStringValue().c_str());
      }
    } while (tree.iterate() > 0);
  }
  EXPECT_EQ(items, (std::vector<std::string>{"Key Images", "caption Nòdul al lòbul superior dret",
                                             "image 1.2.3.4.3.42", "image 1.2.3.4.5.1 frame 1",
                                             "image 1.2.3.4.5.1 frame 17"}));
}

TEST_F(ReportObjects, TheSameVersionMakesTheSameBytes) {
  ASSERT_TRUE(write_report_sr(dir / "1.dcm", addendum_sr()));
  ASSERT_TRUE(write_report_sr(dir / "2.dcm", addendum_sr()));
  EXPECT_EQ(sha256_hex(read(dir / "1.dcm")), sha256_hex(read(dir / "2.dcm")));
  ASSERT_TRUE(write_encapsulated_pdf(dir / "3.dcm", header(), "Radiology report", "%PDF-1.4"));
  ASSERT_TRUE(write_encapsulated_pdf(dir / "4.dcm", header(), "Radiology report", "%PDF-1.4"));
  EXPECT_EQ(read(dir / "3.dcm"), read(dir / "4.dcm"));
}

}  // namespace
}  // namespace vireo::dicom
