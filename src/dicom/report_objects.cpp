#include "dicom/report_objects.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <algorithm>
#include <iterator>
#include <vector>

namespace vireo::dicom {

namespace {

Status bad(const std::string& what, const OFCondition& c) {
  return fail(ErrorCode::Internal, what + ": " + c.text());
}

// At most `n` characters (code points) of UTF-8 `s`: LO and PN values count characters.
std::string first_chars(const std::string& s, size_t n) {
  size_t i = 0, count = 0;
  while (i < s.size() && count < n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    ++count;
  }
  return s.substr(0, i);
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// CID 7001's headings for the sections every template has, and what their text is (CID 7002).
struct Heading {
  const char* key;
  DSRCodedEntryValue heading, item;
};
const std::vector<Heading>& headings() {
  static const std::vector<Heading> all = {
      {"indication", {"18785-6", "LN", "Indications for Procedure"}, {"121106", "DCM", "Comment"}},
      {"history", {"11329-0", "LN", "History"}, {"121106", "DCM", "Comment"}},
      {"technique", {"55111-9", "LN", "Current Procedure Descriptions"}, {"121106", "DCM", "Comment"}},
      {"comparison", {"55114-3", "LN", "Prior Procedure Descriptions"}, {"121106", "DCM", "Comment"}},
      {"findings", {"59776-5", "LN", "Procedure Findings"}, {"121071", "DCM", "Finding"}},
      {"impression", {"19005-8", "LN", "Impressions"}, {"121073", "DCM", "Impression"}},
      {"recommendations", {"18783-1", "LN", "Recommendations"}, {"121075", "DCM", "Recommendation"}},
      {"conclusions", {"55110-1", "LN", "Conclusions"}, {"121077", "DCM", "Conclusion"}},
  };
  return all;
}

// A section's heading and its text's concept: the standard's, or a local code (99VIREO, PS3.16
// 8.2: a private coding scheme) named by the template's key and titled as printed.
std::pair<DSRCodedEntryValue, DSRCodedEntryValue> codes_for(const ReportObjectSection& s) {
  for (const auto& h : headings())
    if (s.key == h.key) return {h.heading, h.item};
  const std::string title = blank(s.title) ? s.key : s.title;
  return {DSRCodedEntryValue(s.key.substr(0, 16).c_str(), "99VIREO", first_chars(title, 64).c_str()),
          DSRCodedEntryValue("121106", "DCM", "Comment")};
}

// The Patient, General Study and General Equipment attributes both objects carry.
Status put_common(DcmItem& ds, const ReportObjectHeader& h) {
  const std::pair<DcmTagKey, std::string> values[] = {
      {DCM_SpecificCharacterSet, "ISO_IR 192"},
      {DCM_PatientName, h.patient.name},
      {DCM_PatientID, h.patient.id},
      {DCM_IssuerOfPatientID, h.patient.issuer},
      {DCM_PatientBirthDate, h.patient.birth_date},
      {DCM_PatientSex, h.patient.sex},
      {DCM_StudyInstanceUID, h.study_uid},
      {DCM_StudyDate, h.study_date},
      {DCM_StudyTime, h.study_time},
      {DCM_StudyID, h.study_id},
      {DCM_AccessionNumber, h.patient.accession},
      {DCM_ReferringPhysicianName, h.referring_physician},
      {DCM_StudyDescription, first_chars(h.study_description, 64)},
      {DCM_SeriesInstanceUID, h.series_uid},
      {DCM_SeriesNumber, std::to_string(h.series_number)},
      {DCM_SeriesDescription, first_chars(h.series_description, 64)},
      {DCM_SOPInstanceUID, h.sop_uid},
      {DCM_InstanceNumber, std::to_string(h.instance_number)},
      {DCM_ContentDate, h.content_date},
      {DCM_ContentTime, h.content_time},
      {DCM_InstanceCreationDate, h.content_date},
      {DCM_InstanceCreationTime, h.content_time},
      {DCM_TimezoneOffsetFromUTC, h.utc_offset},
      {DCM_Manufacturer, "Vireo"},
      {DCM_InstitutionName, first_chars(h.institution, 64)},
  };
  for (const auto& [tag, value] : values)
    if (auto c = ds.putAndInsertString(tag, value.c_str()); c.bad())
      return bad("cannot set " + std::string(DcmTag(tag).getTagName()), c);
  return {};
}

Status save(DcmFileFormat& ff, const std::filesystem::path& file) {
  auto c = ff.saveFile(file.c_str(), EXS_LittleEndianExplicit, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0,
                       EWM_createNewMeta);
  if (c.bad()) return bad("cannot write " + file.string(), c);
  return {};
}

// Below the tree's current node (`first`) or after it: a section's heading and its text, the
// cursor left on the heading.
Status add_section(DSRDocumentTree& tree, const ReportObjectSection& s, bool first) {
  auto [heading, item] = codes_for(s);
  auto c = first ? tree.addChildContentItem(DSRTypes::RT_contains, DSRTypes::VT_Container, heading, OFFalse)
                 : tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Container, heading, OFFalse);
  if (c.bad()) return bad("cannot add the section " + s.key, c);
  c = tree.addChildContentItem(DSRTypes::RT_contains, DSRTypes::VT_Text, item, OFFalse);
  if (c.good()) c = tree.getCurrentContentItem().setStringValue(s.text.c_str(), OFFalse);
  if (c.bad()) return bad("cannot add the text of " + s.key, c);
  tree.goUp();
  return {};
}

// The sections with text, below the current node; whether any was added.
Result<bool> add_sections(DSRDocumentTree& tree, const std::vector<ReportObjectSection>& sections, bool first) {
  bool added = false;
  for (const auto& s : sections) {
    if (blank(s.text)) continue;
    if (auto done = add_section(tree, s, first && !added); !done) return std::unexpected(done.error());
    added = true;
  }
  return added;
}

// After the current node: the "Key Images" section, each image after its caption; each image
// also in the request's evidence.
Status add_key_images(DSRDocument& doc, const std::vector<ImageReference>& images) {
  if (images.empty()) return {};
  DSRDocumentTree& tree = doc.getTree();
  auto c = tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Container,
                               DSRCodedEntryValue("121180", "DCM", "Key Images"), OFFalse);
  if (c.bad()) return bad("cannot add the key images", c);
  bool first = true;
  for (const auto& k : images) {
    auto add = [&](DSRTypes::E_ValueType type) {
      auto done = first ? tree.addChildContentItem(DSRTypes::RT_contains, type, DSRCodedEntryValue(), OFFalse)
                        : tree.addContentItem(DSRTypes::RT_contains, type, DSRCodedEntryValue(), OFFalse);
      first = false;
      return done;
    };
    if (!blank(k.caption)) {
      c = add(DSRTypes::VT_Text);
      if (c.good()) c = tree.getCurrentContentItem().setConceptName(DSRCodedEntryValue("121106", "DCM", "Comment"), OFFalse);
      if (c.good()) c = tree.getCurrentContentItem().setStringValue(k.caption.c_str(), OFFalse);
      if (c.bad()) return bad("cannot add a key image's caption", c);
    }
    DSRImageReferenceValue value(k.image.sop_class_uid.c_str(), k.image.sop_uid.c_str(), OFFalse);
    // A multi-frame image's frame is named (without one the reference is to every frame); a
    // single-frame image is referred to as itself.
    if (k.frames > 1) value.getFrameList().addItem(static_cast<Sint32>(k.frame));
    c = add(DSRTypes::VT_Image);
    if (c.good()) c = tree.getCurrentContentItem().setImageReference(value, OFFalse);
    if (c.bad()) return bad("cannot add a key image", c);
    c = doc.getCurrentRequestedProcedureEvidence().addItem(k.image.study_uid.c_str(), k.image.series_uid.c_str(),
                                                            k.image.sop_class_uid.c_str(), k.image.sop_uid.c_str(),
                                                            OFFalse);
    if (c.bad()) return bad("cannot add a key image to the evidence", c);
  }
  tree.goUp();
  return {};
}

}  // namespace

Status write_encapsulated_pdf(const std::filesystem::path& file, const ReportObjectHeader& h, const std::string& title,
                              std::string_view pdf) {
  DcmFileFormat ff;
  DcmDataset& ds = *ff.getDataset();
  if (auto s = put_common(ds, h); !s) return s;
  const std::pair<DcmTagKey, std::string> values[] = {
      {DCM_SOPClassUID, kEncapsulatedPdfStorage},
      {DCM_Modality, "DOC"},
      {DCM_ConversionType, "SD"},  // a synthetic document
      {DCM_AcquisitionDateTime, ""},
      {DCM_BurnedInAnnotation, "YES"},  // the patient is named on every page
      {DCM_DocumentTitle, first_chars(title, 64)},
      {DCM_MIMETypeOfEncapsulatedDocument, "application/pdf"},
  };
  for (const auto& [tag, value] : values)
    if (auto c = ds.putAndInsertString(tag, value.c_str()); c.bad()) return bad("cannot set the document's attributes", c);
  DcmItem* code = nullptr;
  if (auto c = ds.findOrCreateSequenceItem(DCM_ConceptNameCodeSequence, code, 0); c.bad() || !code)
    return bad("cannot set the document's concept", c);
  code->putAndInsertString(DCM_CodeValue, "18748-4");
  code->putAndInsertString(DCM_CodingSchemeDesignator, "LN");
  code->putAndInsertString(DCM_CodeMeaning, "Diagnostic imaging report");
  // OB of even length: a trailing NUL pads an odd one; the length says where the PDF ends.
  std::vector<Uint8> bytes(pdf.begin(), pdf.end());
  if (bytes.size() % 2) bytes.push_back(0);
  if (auto c = ds.putAndInsertUint8Array(DCM_EncapsulatedDocument, bytes.data(), static_cast<unsigned long>(bytes.size()));
      c.bad())
    return bad("cannot set the encapsulated document", c);
  if (auto c = ds.putAndInsertUint32(DCM_EncapsulatedDocumentLength, static_cast<Uint32>(pdf.size())); c.bad())
    return bad("cannot set the document's length", c);
  return save(ff, file);
}

Status write_report_sr(const std::filesystem::path& file, const ReportSr& sr) {
  const ReportObjectHeader& h = sr.header;
  DSRDocument doc(DSRTypes::DT_BasicTextSR);
  doc.setSpecificCharacterSetType(DSRTypes::CS_UTF8);
  DSRDocumentTree& tree = doc.getTree();
  auto c = tree.addContentItem(DSRTypes::RT_isRoot, DSRTypes::VT_Container,
                               DSRCodedEntryValue("18748-4", "LN", "Diagnostic imaging report"), OFFalse);
  if (c.bad()) return bad("cannot begin the SR", c);
  // TID 1204: the language of the text below (RFC 5646).
  static const std::pair<const char*, const char*> languages[] = {{"en", "English"}, {"es", "Spanish"}, {"ca", "Catalan"}};
  auto language = std::ranges::find(languages, sr.language, [](const auto& l) { return std::string(l.first); });
  if (language == std::end(languages)) language = std::begin(languages);
  c = tree.addChildContentItem(DSRTypes::RT_hasConceptMod, DSRTypes::VT_Code,
                               DSRCodedEntryValue("121049", "DCM", "Language of Content Item and Descendants"), OFFalse);
  if (c.good())
    c = tree.getCurrentContentItem().setCodeValue(DSRCodedEntryValue(language->first, "RFC5646", language->second), OFFalse);
  if (c.bad()) return bad("cannot record the SR's language", c);
  auto added = add_sections(tree, sr.sections, false);
  if (!added) return std::unexpected(added.error());

  for (const auto& a : sr.addenda) {
    c = tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Container,
                            DSRCodedEntryValue("55107-7", "LN", "Addendum"), OFFalse);
    if (c.bad()) return bad("cannot add an addendum", c);
    // Who signed it, as the addendum's own observation context.
    c = tree.addChildContentItem(DSRTypes::RT_hasObsContext, DSRTypes::VT_PName,
                                 DSRCodedEntryValue("121008", "DCM", "Person Observer Name"), OFFalse);
    if (c.good()) c = tree.getCurrentContentItem().setStringValue(first_chars(a.signer_name, 64).c_str(), OFFalse);
    if (c.bad()) return bad("cannot add an addendum's signer", c);
    if (auto more = add_sections(tree, a.sections, false); !more) return std::unexpected(more.error());
    tree.goUp();
  }
  if (auto k = add_key_images(doc, sr.key_images); !k) return k;
  const std::pair<OFCondition (DSRDocument::*)(const OFString&, const OFBool), std::string> values[] = {
      {&DSRDocument::setPatientName, h.patient.name},
      {&DSRDocument::setPatientID, h.patient.id},
      {&DSRDocument::setIssuerOfPatientID, h.patient.issuer},
      {&DSRDocument::setPatientBirthDate, h.patient.birth_date},
      {&DSRDocument::setPatientSex, h.patient.sex},
      {&DSRDocument::setStudyDate, h.study_date},
      {&DSRDocument::setStudyTime, h.study_time},
      {&DSRDocument::setStudyID, h.study_id},
      {&DSRDocument::setAccessionNumber, h.patient.accession},
      {&DSRDocument::setReferringPhysicianName, h.referring_physician},
      {&DSRDocument::setStudyDescription, first_chars(h.study_description, 64)},
      {&DSRDocument::setSeriesDescription, h.series_description},
      {&DSRDocument::setSeriesNumber, std::to_string(h.series_number)},
      {&DSRDocument::setInstanceNumber, std::to_string(h.instance_number)},
      {&DSRDocument::setContentDate, h.content_date},
      {&DSRDocument::setContentTime, h.content_time},
      {&DSRDocument::setTimezoneOffsetFromUTC, h.utc_offset},
      {&DSRDocument::setManufacturer, "Vireo"},
  };
  if (c = doc.createNewSeriesInStudy(h.study_uid.c_str(), OFFalse); c.bad()) return bad("cannot name the study", c);
  for (const auto& [set, value] : values)
    if (!value.empty())
      if (c = (doc.*set)(value.c_str(), OFFalse); c.bad()) return bad("cannot set the SR's header", c);
  if (sr.predecessor) {
    const ObjectReference& p = *sr.predecessor;
    c = doc.getPredecessorDocuments().addItem(p.study_uid.c_str(), p.series_uid.c_str(), p.sop_class_uid.c_str(),
                                              p.sop_uid.c_str(), OFFalse);
    if (c.bad()) return bad("cannot refer to the version amended", c);
  }
  if (c = doc.setPreliminaryFlag(DSRTypes::PF_Final); c.bad()) return bad("cannot mark the SR final", c);
  if (c = doc.completeDocument(); c.bad()) return bad("cannot complete the SR", c);
  if (c = doc.verifyDocument(first_chars(sr.verifier_name, 64).c_str(), first_chars(h.institution, 64).c_str(),
                             sr.verified_at.c_str(), OFFalse);
      c.bad())
    return bad("cannot record the SR's verifier", c);
  DcmFileFormat ff;
  if (c = doc.write(*ff.getDataset()); c.bad()) return bad("cannot write the SR", c);
  // Ours, not DCMTK's fresh ones: the same version makes the same object.
  if (auto s = put_common(*ff.getDataset(), h); !s) return s;
  // The request it answers (SR Document General module, Referenced Request Sequence): the order,
  // its accession number also the Requested Procedure ID it had on the worklist.
  DcmItem* request = nullptr;
  if (c = ff.getDataset()->findOrCreateSequenceItem(DCM_ReferencedRequestSequence, request, 0); c.bad() || !request)
    return bad("cannot refer to the request", c);
  const std::pair<DcmTagKey, std::string> asked[] = {
      {DCM_StudyInstanceUID, h.study_uid},
      {DCM_AccessionNumber, h.patient.accession},
      {DCM_RequestedProcedureID, h.patient.accession},
      {DCM_RequestedProcedureDescription, first_chars(sr.requested_procedure, 64)},
      {DCM_PlacerOrderNumberImagingServiceRequest, ""},
      {DCM_FillerOrderNumberImagingServiceRequest, h.patient.accession},
  };
  for (const auto& [tag, value] : asked)
    if (c = request->putAndInsertString(tag, value.c_str()); c.bad()) return bad("cannot refer to the request", c);
  if (c = request->insertEmptyElement(DCM_RequestedProcedureCodeSequence); c.bad())
    return bad("cannot refer to the request", c);
  return save(ff, file);
}

}  // namespace vireo::dicom
