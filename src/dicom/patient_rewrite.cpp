#include "dicom/patient_rewrite.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <vector>
#include <optional>

#include "dicom/charset.hpp"

namespace fs = std::filesystem;

namespace vireo::dicom {

namespace {

bool ascii(const std::string& s) {
  return std::ranges::all_of(s, [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// `utf8` in ISO 8859-1 (ISO_IR 100), when every character has a place there.
std::optional<std::string> latin1(const std::string& utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size(); ++i) {
    auto b = static_cast<unsigned char>(utf8[i]);
    if (b < 0x80) {
      out += static_cast<char>(b);
    } else if ((b == 0xC2 || b == 0xC3) && i + 1 < utf8.size()) {
      auto next = static_cast<unsigned char>(utf8[++i]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      out += static_cast<char>(((b & 0x03) << 6) | (next & 0x3F));
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// DT in UTC from ISO-8601 ("2026-12-05T21:30:00.123Z" → "20261205213000+0000").
std::string dt_of(const std::string& iso) {
  std::string digits;
  for (char c : iso.substr(0, 19))
    if (c >= '0' && c <= '9') digits += c;
  return digits.size() == 14 ? digits + "+0000" : std::string();
}

Status bad(const std::string& what, const OFCondition& c) {
  return fail(ErrorCode::MalformedDicom, what + ": " + c.text());
}

}  // namespace

Status rewrite_patient(const fs::path& src, const fs::path& dst, const PatientAttributes& to,
                       const std::string& modifying_system, const std::string& modified_at) {
  DcmFileFormat ff;
  // Values over 4 KiB stay on disk and are copied from `src` as the file is written.
  OFCondition cond = ff.loadFile(src.c_str(), EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect);
  if (cond.bad()) return bad("cannot read the stored file", cond);
  DcmDataset* ds = ff.getDataset();
  const E_TransferSyntax xfer = ds->getOriginalXfer();
  if (xfer == EXS_Unknown)
    return fail(ErrorCode::MalformedDicom, "the stored file's transfer syntax is not known");

  // The file's own character set keeps its text as it is when it can hold the new values (ASCII
  // anywhere; Latin-1 in ISO_IR 100); otherwise the whole file becomes UTF-8, and the set it had
  // is recorded with the other values replaced.
  OFString charset;
  (void)ds->findAndGetOFStringArray(DCM_SpecificCharacterSet, charset);
  std::vector<std::string> written = {to.id, to.issuer, to.name, to.birth_date, to.sex};
  std::vector<DcmTagKey> keys = {DCM_PatientID, DCM_IssuerOfPatientID, DCM_PatientName, DCM_PatientBirthDate,
                                 DCM_PatientSex};
  if (!to.accession.empty()) {
    written.push_back(to.accession);
    keys.push_back(DCM_AccessionNumber);
  }
  bool to_utf8 = false;
  if (!std::ranges::all_of(written, ascii) && charset != "ISO_IR 192") {
    std::vector<std::string> in_latin1(written.size());
    bool fits = charset == "ISO_IR 100";
    for (size_t i = 0; i < written.size() && fits; ++i) {
      auto l = latin1(written[i]);
      fits = l.has_value();
      if (fits) in_latin1[i] = *l;
    }
    if (fits)
      written = in_latin1;
    else
      to_utf8 = true;
  }

  // The values replaced, as they were: in the file's character set, which the record names when
  // the file leaves it (an attribute the file lacked is recorded empty).
  auto* replaced = new DcmItem();
  if (to_utf8 && !charset.empty())
    replaced->putAndInsertString(DCM_SpecificCharacterSet, charset.c_str());
  for (const auto& key : keys) {
    OFString old;
    (void)ds->findAndGetOFStringArray(key, old);
    replaced->putAndInsertString(key, old.c_str());
  }
  // The issuer's qualifiers describe the issuer replaced: they go with it.
  DcmSequenceOfItems* qualifiers = nullptr;
  if (ds->findAndGetSequence(DCM_IssuerOfPatientIDQualifiersSequence, qualifiers).good() &&
      qualifiers != nullptr) {
    replaced->insert(new DcmSequenceOfItems(*qualifiers));
    (void)ds->findAndDeleteElement(DCM_IssuerOfPatientIDQualifiersSequence);
  }
  if (to_utf8) {
    convert_item_to_utf8(*ds);
    ds->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  }
  auto* record = new DcmItem();
  auto* modified = new DcmSequenceOfItems(DCM_ModifiedAttributesSequence);
  modified->append(replaced);
  record->insert(modified);
  record->putAndInsertString(DCM_AttributeModificationDateTime, dt_of(modified_at).c_str());
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

  for (size_t i = 0; i < keys.size(); ++i) {
    cond = ds->putAndInsertString(keys[i], written[i].c_str());
    if (cond.bad()) return bad("cannot set the patient", cond);
  }
  cond = ff.saveFile(dst.c_str(), xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0,
                     EWM_fileformat);
  if (cond.bad()) {
    ::unlink(dst.c_str());
    return bad("cannot write the corrected file", cond);
  }
  return {};
}

}  // namespace vireo::dicom
