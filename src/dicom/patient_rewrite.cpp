#include "dicom/patient_rewrite.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <ctime>

#include "dicom/charset.hpp"

namespace fs = std::filesystem;

namespace vireo::dicom {

namespace {

bool ascii(const std::string& s) {
  return std::ranges::all_of(s, [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// DT in UTC: 20261205213000+0000.
std::string now_dt() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y%m%d%H%M%S+0000", &tm);
  return buf.data();
}

Status bad(const std::string& what, const OFCondition& c) {
  return fail(ErrorCode::MalformedDicom, what + ": " + c.text());
}

}  // namespace

Status rewrite_patient(const fs::path& src, const fs::path& dst, const PatientAttributes& to,
                       const std::string& modifying_system) {
  DcmFileFormat ff;
  // Values over 4 KiB stay on disk and are copied from `src` as the file is written.
  OFCondition cond = ff.loadFile(src.c_str(), EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect);
  if (cond.bad()) return bad("cannot read the stored file", cond);
  DcmDataset* ds = ff.getDataset();
  const E_TransferSyntax xfer = ds->getOriginalXfer();

  const std::array<std::pair<DcmTagKey, const std::string*>, 5> values = {{
      {DCM_PatientID, &to.id},
      {DCM_IssuerOfPatientID, &to.issuer},
      {DCM_PatientName, &to.name},
      {DCM_PatientBirthDate, &to.birth_date},
      {DCM_PatientSex, &to.sex},
  }};
  const bool utf8 = !std::ranges::all_of(values, [](const auto& v) { return ascii(*v.second); });
  if (utf8) {
    convert_item_to_utf8(*ds);
    ds->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  }

  // The values replaced, as they were (an attribute the file lacked is recorded empty).
  auto* replaced = new DcmItem();
  for (const auto& [key, value] : values) {
    OFString old;
    (void)ds->findAndGetOFStringArray(key, old);
    replaced->putAndInsertString(key, old.c_str());
  }
  auto* record = new DcmItem();
  auto* modified = new DcmSequenceOfItems(DCM_ModifiedAttributesSequence);
  modified->append(replaced);
  record->insert(modified);
  record->putAndInsertString(DCM_AttributeModificationDateTime, now_dt().c_str());
  record->putAndInsertString(DCM_ModifyingSystem, modifying_system.c_str());
  record->putAndInsertString(DCM_SourceOfPreviousValues, "");
  record->putAndInsertString(DCM_ReasonForTheAttributeModification, "CORRECT");
  DcmSequenceOfItems* original = nullptr;
  if (ds->findAndGetSequence(DCM_OriginalAttributesSequence, original).bad() ||
      original == nullptr) {
    original = new DcmSequenceOfItems(DCM_OriginalAttributesSequence);
    ds->insert(original);
  }
  original->append(record);

  for (const auto& [key, value] : values) {
    cond = ds->putAndInsertString(key, value->c_str());
    if (cond.bad()) return bad("cannot set the patient", cond);
  }
  cond = ff.saveFile(dst.c_str(), xfer == EXS_Unknown ? EXS_LittleEndianExplicit : xfer,
                     EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_fileformat);
  if (cond.bad()) {
    ::unlink(dst.c_str());
    return bad("cannot write the corrected file", cond);
  }
  return {};
}

}  // namespace vireo::dicom
