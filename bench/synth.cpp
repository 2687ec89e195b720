// vireo-synth: writes a synthetic data set for benchmarks and demos.
//   vireo-synth ct OUT STUDIES SLICES      CT studies of 512x512 16-bit slices (Explicit VR LE)
//   vireo-synth tiny OUT STUDIES            single-instance 16x16 studies (to fill an index)
// Every patient, study, series and instance gets its own UID; names, dates and
// accession numbers vary so that queries have something to match.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

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
std::vector<Uint16> phantom(int n, long slice, std::mt19937& rng) {
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: vireo-synth ct OUT STUDIES SLICES | vireo-synth tiny OUT STUDIES\n");
    return 2;
  }
  std::string mode = argv[1];
  fs::path out = argv[2];
  long studies = std::atol(argv[3]);
  long slices = mode == "ct" && argc > 4 ? std::atol(argv[4]) : 1;
  int rows = mode == "ct" ? 512 : 16;
  std::string root = "2.25.4711" + std::to_string(mode == "ct" ? 1 : 2);
  std::mt19937 rng(20261123);
  std::vector<std::vector<Uint16>> slabs;
  for (int i = 0; i < 8; ++i) slabs.push_back(phantom(rows, i * 25, rng));
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
