// vireo-synth: writes a synthetic data set for benchmarks and demos.
//   vireo-synth ct OUT STUDIES SLICES      CT studies of 512x512 16-bit slices (Explicit VR LE)
//   vireo-synth tiny OUT STUDIES [PER]      studies of PER (default 1) 16x16 instances (to fill an index)
//   vireo-synth phantoms OUT                 a head CT, a chest CT with contrast and a four-view
//                                           mammogram that look like anatomy (phantoms.cpp)
// Every patient, study, series and instance gets its own UID; names, dates and
// accession numbers vary so that queries have something to match.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include "phantoms.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const char* kFamily[] = {"SMITH", "MÜLLER", "GARCIA", "NGUYEN", "ROSSI", "DUBOIS", "KOWALSKI", "SILVA",
                         "JOHNSON", "OKAFOR", "TANAKA", "IVANOV", "HANSEN", "MARTIN", "BROWN", "LOPEZ"};
const char* kGiven[] = {"ANNA", "JOSÉ", "LI", "MARIA", "OMAR", "PETER", "SOFIA", "YUKI"};
const char* kSex[] = {"F", "M", "M", "F", "M", "M", "F", "F"};  // of each given name

std::string uid(const std::string& root, long a, long b = -1, long c = -1) {
  std::string u = root + "." + std::to_string(a);
  if (b >= 0) u += "." + std::to_string(b);
  if (c >= 0) u += "." + std::to_string(c);
  return u;
}

bool write_instance(const fs::path& path, long study, long series, long slice, int rows, const std::string& root,
                    const std::vector<Uint16>& pixels, const char* modality) {
  DcmFileFormat ff;
  DcmDataset* ds = ff.getDataset();
  std::string pid = "P" + std::to_string(100000 + study / 2);  // two studies per patient
  std::string name = std::string(kFamily[(study / 2) % 16]) + "^" + kGiven[(study / 2 / 16) % 8] +
                     std::to_string(study / 2 / 128);
  char date[16];
  std::snprintf(date, sizeof date, "20%02ld%02ld%02ld", 15 + study % 10, 1 + study % 12, 1 + study % 28);
  char time[16];
  std::snprintf(time, sizeof time, "%02ld%02ld00", 7 + study % 12, study % 60);
  ds->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  ds->putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, uid(root + ".3", study, series, slice).c_str());
  ds->putAndInsertString(DCM_StudyDate, date);
  ds->putAndInsertString(DCM_StudyTime, time);
  ds->putAndInsertString(DCM_AccessionNumber, ("A" + std::to_string(500000 + study)).c_str());
  ds->putAndInsertString(DCM_Modality, modality);
  ds->putAndInsertString(DCM_ReferringPhysicianName, "WELBY^MARCUS");
  ds->putAndInsertString(DCM_StudyDescription, "CT CHEST WITH CONTRAST");
  ds->putAndInsertString(DCM_SeriesDescription, "AXIAL 1.0");
  ds->putAndInsertString(DCM_PatientName, name.c_str());
  ds->putAndInsertString(DCM_PatientID, pid.c_str());
  ds->putAndInsertString(DCM_PatientBirthDate, "19600101");
  ds->putAndInsertString(DCM_PatientSex, kSex[(study / 2 / 16) % 8]);  // a patient's in every study
  ds->putAndInsertString(DCM_StudyInstanceUID, uid(root + ".1", study).c_str());
  ds->putAndInsertString(DCM_SeriesInstanceUID, uid(root + ".2", study, series).c_str());
  ds->putAndInsertString(DCM_StudyID, std::to_string(study).c_str());
  ds->putAndInsertString(DCM_SeriesNumber, std::to_string(series + 1).c_str());
  ds->putAndInsertString(DCM_InstanceNumber, std::to_string(slice + 1).c_str());
  ds->putAndInsertString(DCM_ImagePositionPatient, ("-250\\-250\\" + std::to_string(slice * 1.0)).c_str());
  ds->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
  ds->putAndInsertString(DCM_PixelSpacing, "0.9765625\\0.9765625");
  ds->putAndInsertString(DCM_SliceThickness, "1.0");
  ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
  ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
  ds->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(rows));
  ds->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(rows));
  ds->putAndInsertUint16(DCM_BitsAllocated, 16);
  ds->putAndInsertUint16(DCM_BitsStored, 12);
  ds->putAndInsertUint16(DCM_HighBit, 11);
  ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
  ds->putAndInsertString(DCM_RescaleIntercept, "-1024");
  ds->putAndInsertString(DCM_RescaleSlope, "1");
  ds->putAndInsertString(DCM_WindowCenter, "40");
  ds->putAndInsertString(DCM_WindowWidth, "400");
  ds->putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size()));
  return ff.saveFile(path.c_str(), EXS_LittleEndianExplicit).good();
}

// A body-like phantom: an ellipse of soft tissue with a brighter core and noise.
std::vector<Uint16> cylinder(int n, long slice, std::mt19937& rng) {
  std::vector<Uint16> px(static_cast<size_t>(n) * n);
  std::normal_distribution<double> noise(0, 12);
  double r = 0.45 + 0.05 * std::sin(slice / 30.0);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      double dx = (x - n / 2.0) / (n * r), dy = (y - n / 2.0) / (n * r * 0.75);
      double d = dx * dx + dy * dy;
      double hu = d < 1 ? (d < 0.15 ? 300 : 40) : -1000;
      px[static_cast<size_t>(y) * n + x] = static_cast<Uint16>(std::clamp(hu + 1024 + noise(rng), 0.0, 4095.0));
    }
  return px;
}

// One patient's study of the phantoms.
struct Visit {
  const char *patient_id, *name, *birth_date, *sex, *study_description, *referring, *accession;
  int index;  // for the UIDs
};

void put_visit(DcmDataset* ds, const Visit& v, int series, int instance) {
  const std::string root = "2.25.47113";
  ds->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  ds->putAndInsertString(DCM_SOPInstanceUID, uid(root + ".3", v.index, series, instance).c_str());
  ds->putAndInsertString(DCM_StudyInstanceUID, uid(root + ".1", v.index).c_str());
  ds->putAndInsertString(DCM_SeriesInstanceUID, uid(root + ".2", v.index, series).c_str());
  ds->putAndInsertString(DCM_StudyDate, "20261201");
  char time[16];
  std::snprintf(time, sizeof time, "%02d1500", 8 + v.index);  // 09:15, 10:15, 11:15
  ds->putAndInsertString(DCM_StudyTime, time);
  ds->putAndInsertString(DCM_SeriesDate, "20261201");
  ds->putAndInsertString(DCM_AccessionNumber, v.accession);
  ds->putAndInsertString(DCM_ReferringPhysicianName, v.referring);
  ds->putAndInsertString(DCM_StudyDescription, v.study_description);
  ds->putAndInsertString(DCM_PatientName, v.name);
  ds->putAndInsertString(DCM_PatientID, v.patient_id);
  // The clinic's own patients (the demo's default issuer), whom `vireo demo` registers in the RIS.
  ds->putAndInsertString(DCM_IssuerOfPatientID, "VIREO");
  ds->putAndInsertString(DCM_PatientBirthDate, v.birth_date);
  ds->putAndInsertString(DCM_PatientSex, v.sex);
  ds->putAndInsertString(DCM_StudyID, std::to_string(v.index).c_str());
  ds->putAndInsertString(DCM_SeriesNumber, std::to_string(series + 1).c_str());
  ds->putAndInsertString(DCM_InstanceNumber, std::to_string(instance + 1).c_str());
  ds->putAndInsertString(DCM_Manufacturer, "Vireo phantoms");
  ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
  ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
  ds->putAndInsertUint16(DCM_BitsAllocated, 16);
  ds->putAndInsertUint16(DCM_BitsStored, 12);
  ds->putAndInsertUint16(DCM_HighBit, 11);
  ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
}

bool save(DcmFileFormat& ff, const fs::path& path, const std::vector<Uint16>& pixels) {
  ff.getDataset()->putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size()));
  return ff.saveFile(path.c_str(), EXS_LittleEndianExplicit).good();
}

// Axial CT slices from the top of the volume down, `windows` as the stored presets.
bool write_ct(const fs::path& dir, const Visit& v, const char* series_description, int slices, double thickness,
              double top, double mm, const char* centres, const char* widths, const char* explanation,
              std::vector<Uint16> (*slice)(int, double, double, std::mt19937&)) {
  fs::create_directories(dir);
  std::mt19937 rng(static_cast<unsigned>(v.index));
  const int n = 512;
  for (int k = 0; k < slices; ++k) {
    double z = top - k * thickness;
    DcmFileFormat ff;
    DcmDataset* ds = ff.getDataset();
    put_visit(ds, v, 0, k);
    ds->putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
    ds->putAndInsertString(DCM_Modality, "CT");
    ds->putAndInsertString(DCM_SeriesDescription, series_description);
    ds->putAndInsertString(DCM_BodyPartExamined, v.index == 1 ? "HEAD" : "CHEST");
    ds->putAndInsertString(DCM_PatientPosition, "HFS");
    ds->putAndInsertString(DCM_FrameOfReferenceUID, uid("2.25.47113.4", v.index).c_str());
    char position[64];
    std::snprintf(position, sizeof position, "%g\\%g\\%g", -n / 2.0 * mm, -n / 2.0 * mm, z);
    ds->putAndInsertString(DCM_ImagePositionPatient, position);
    ds->putAndInsertString(DCM_SliceLocation, std::to_string(z).c_str());
    ds->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
    ds->putAndInsertString(DCM_PixelSpacing, (std::to_string(mm) + "\\" + std::to_string(mm)).c_str());
    ds->putAndInsertString(DCM_SliceThickness, std::to_string(thickness).c_str());
    ds->putAndInsertString(DCM_KVP, "120");
    ds->putAndInsertUint16(DCM_Rows, n);
    ds->putAndInsertUint16(DCM_Columns, n);
    ds->putAndInsertString(DCM_RescaleIntercept, "-1024");
    ds->putAndInsertString(DCM_RescaleSlope, "1");
    ds->putAndInsertString(DCM_RescaleType, "HU");
    ds->putAndInsertString(DCM_WindowCenter, centres);
    ds->putAndInsertString(DCM_WindowWidth, widths);
    ds->putAndInsertString(DCM_WindowCenterWidthExplanation, explanation);
    if (!save(ff, dir / (std::to_string(k) + ".dcm"), slice(n, mm, z, rng))) return false;
  }
  return true;
}

// Right and left, CC and MLO: Digital Mammography For Presentation, oriented as acquired.
bool write_mammograms(const fs::path& dir, const Visit& v) {
  fs::create_directories(dir);
  const int rows = 1200, columns = 900;
  int instance = 0;
  for (bool mlo : {false, true})
    for (bool right : {true, false}) {
      std::vector<Uint16> px = phantom::mammogram(rows, columns, mlo, right ? 11u : 12u, !right);
      if (right)  // chest wall on the image's right: mirrored
        for (int j = 0; j < rows; ++j) std::reverse(px.begin() + j * columns, px.begin() + (j + 1) * columns);
      DcmFileFormat ff;
      DcmDataset* ds = ff.getDataset();
      put_visit(ds, v, instance, 0);
      ds->putAndInsertString(DCM_SOPClassUID, UID_DigitalMammographyXRayImageStorageForPresentation);
      ds->putAndInsertString(DCM_Modality, "MG");
      ds->putAndInsertString(DCM_SeriesDescription, (std::string(right ? "R " : "L ") + (mlo ? "MLO" : "CC")).c_str());
      ds->putAndInsertString(DCM_BodyPartExamined, "BREAST");
      ds->putAndInsertString(DCM_PresentationIntentType, "FOR PRESENTATION");
      ds->putAndInsertString(DCM_ImageType, "DERIVED\\PRIMARY");
      ds->putAndInsertString(DCM_ImageLaterality, right ? "R" : "L");
      ds->putAndInsertString(DCM_ViewPosition, mlo ? "MLO" : "CC");
      // Rows run front to back: towards posterior in a right breast's image (chest wall on the
      // right), anterior in a left one's; down the image is the foot (MLO) or the other side (CC).
      ds->putAndInsertString(DCM_PatientOrientation, right ? (mlo ? "P\\F" : "P\\L") : (mlo ? "A\\F" : "A\\R"));
      DcmItem* view = nullptr;
      if (ds->findOrCreateSequenceItem(DCM_ViewCodeSequence, view, -2).good()) {
        view->putAndInsertString(DCM_CodeValue, mlo ? "399368009" : "399162004");
        view->putAndInsertString(DCM_CodingSchemeDesignator, "SCT");
        view->putAndInsertString(DCM_CodeMeaning, mlo ? "medio-lateral oblique" : "cranio-caudal");
      }
      ds->putAndInsertString(DCM_ImagerPixelSpacing, "0.1\\0.1");
      ds->putAndInsertString(DCM_BreastImplantPresent, "NO");
      ds->putAndInsertString(DCM_BurnedInAnnotation, "NO");
      ds->putAndInsertUint16(DCM_Rows, rows);
      ds->putAndInsertUint16(DCM_Columns, columns);
      ds->putAndInsertString(DCM_WindowCenter, "2000");
      ds->putAndInsertString(DCM_WindowWidth, "3200");
      if (!save(ff, dir / (std::to_string(instance) + ".dcm"), px)) return false;
      ++instance;
    }
  return true;
}

int write_phantoms(const fs::path& out) {
  const Visit head{"P300001", "PARKER^HELEN", "19580314", "F", "CT HEAD WO CONTRAST", "WELBY^MARCUS", "A700001", 1};
  const Visit chest{"P300002", "OKAFOR^DANIEL^C", "19710922", "M", "CT CHEST WITH CONTRAST", "WELBY^MARCUS", "A700002", 2};
  const Visit mammo{"P300003", "LINDQVIST^MAJA", "19690507", "F", "MAMMO SCREENING BILATERAL", "HOUSE^GREGORY", "A700003", 3};
  bool ok = write_ct(out / "head", head, "AXIAL BRAIN 4 mm", 32, 4, 74, 0.45, "40\\600", "80\\2800", "BRAIN\\BONE",
                     phantom::head_slice) &&
            write_ct(out / "chest", chest, "AXIAL ARTERIAL 5 mm", 44, 5, 100, 0.7, "40\\-600", "400\\1500",
                     "MEDIASTINUM\\LUNG", phantom::chest_slice) &&
            write_mammograms(out / "mammo", mammo);
  if (!ok) std::fprintf(stderr, "cannot write into %s\n", out.c_str());
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "phantoms") return write_phantoms(argv[2]);
  if (argc < 4) {
    std::fprintf(stderr, "usage: vireo-synth ct OUT STUDIES SLICES | vireo-synth tiny OUT STUDIES [PER] | vireo-synth phantoms OUT\n");
    return 2;
  }
  std::string mode = argv[1];
  fs::path out = argv[2];
  long studies = std::atol(argv[3]);
  long slices = argc > 4 ? std::atol(argv[4]) : 1;
  int rows = mode == "ct" ? 512 : 16;
  std::string root = "2.25.4711" + std::to_string(mode == "ct" ? 1 : 2);
  std::mt19937 rng(20261123);
  std::vector<std::vector<Uint16>> slabs;
  for (int i = 0; i < 8; ++i) slabs.push_back(cylinder(rows, i * 25, rng));
  for (long s = 0; s < studies; ++s) {
    fs::path dir = out / ("study" + std::to_string(s));
    fs::create_directories(dir);
    for (long i = 0; i < slices; ++i) {
      if (!write_instance(dir / (std::to_string(i) + ".dcm"), s, 0, i, rows, root, slabs[static_cast<size_t>(i % 8)],
                          mode == "ct" ? "CT" : (s % 3 ? "CR" : "MR"))) {
        std::fprintf(stderr, "cannot write into %s\n", dir.c_str());
        return 1;
      }
    }
    if ((s + 1) % std::max(1L, studies / 10) == 0) std::fprintf(stderr, "  %ld/%ld studies\n", s + 1, studies);
  }
  return 0;
}
