// DICOM tags used outside the DCMTK adapter, as (group << 16 | element) numbers with their
// standard keyword names. Inside dicom/ and net/dimse/ use DCMTK's DCM_* constants.
#pragma once

#include <cstdint>

namespace vireo::tag {
using Tag = uint32_t;
constexpr uint16_t group(Tag t) { return static_cast<uint16_t>(t >> 16); }
constexpr uint16_t element(Tag t) { return static_cast<uint16_t>(t & 0xFFFF); }

constexpr Tag kSpecificCharacterSet = 0x00080005;
constexpr Tag kSOPClassUID = 0x00080016;
constexpr Tag kSOPInstanceUID = 0x00080018;
constexpr Tag kStudyDate = 0x00080020;
constexpr Tag kSeriesDate = 0x00080021;
constexpr Tag kContentDate = 0x00080023;
constexpr Tag kStudyTime = 0x00080030;
constexpr Tag kSeriesTime = 0x00080031;
constexpr Tag kContentTime = 0x00080033;
constexpr Tag kAccessionNumber = 0x00080050;
constexpr Tag kQueryRetrieveLevel = 0x00080052;
constexpr Tag kRetrieveAETitle = 0x00080054;
constexpr Tag kInstanceAvailability = 0x00080056;
constexpr Tag kModality = 0x00080060;
constexpr Tag kModalitiesInStudy = 0x00080061;
constexpr Tag kSOPClassesInStudy = 0x00080062;
constexpr Tag kReferringPhysicianName = 0x00080090;
constexpr Tag kStudyDescription = 0x00081030;
constexpr Tag kSeriesDescription = 0x0008103E;
constexpr Tag kRetrieveURL = 0x00081190;
constexpr Tag kInstitutionName = 0x00080080;
constexpr Tag kAvailableTransferSyntaxUID = 0x00083002;
constexpr Tag kPatientName = 0x00100010;
constexpr Tag kPatientID = 0x00100020;
constexpr Tag kIssuerOfPatientID = 0x00100021;
constexpr Tag kPatientBirthDate = 0x00100030;
constexpr Tag kPatientSex = 0x00100040;
constexpr Tag kBodyPartExamined = 0x00180015;
constexpr Tag kStudyInstanceUID = 0x0020000D;
constexpr Tag kSeriesInstanceUID = 0x0020000E;
constexpr Tag kStudyID = 0x00200010;
constexpr Tag kSeriesNumber = 0x00200011;
constexpr Tag kInstanceNumber = 0x00200013;
constexpr Tag kNumberOfPatientRelatedStudies = 0x00201200;
constexpr Tag kNumberOfPatientRelatedSeries = 0x00201202;
constexpr Tag kNumberOfPatientRelatedInstances = 0x00201204;
constexpr Tag kNumberOfStudyRelatedSeries = 0x00201206;
constexpr Tag kNumberOfStudyRelatedInstances = 0x00201208;
constexpr Tag kNumberOfSeriesRelatedInstances = 0x00201209;
constexpr Tag kNumberOfFrames = 0x00280008;
constexpr Tag kRows = 0x00280010;
constexpr Tag kColumns = 0x00280011;
constexpr Tag kPerformedProcedureStepStartDate = 0x00400244;
constexpr Tag kPerformedProcedureStepStartTime = 0x00400245;
constexpr Tag kRequestAttributesSequence = 0x00400275;
constexpr Tag kScheduledProcedureStepID = 0x00400009;
constexpr Tag kRequestedProcedureID = 0x00401001;
}  // namespace vireo::tag
