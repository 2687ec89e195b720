// Anatomy-like phantoms for the demo (`make run`) and the viewer's tests: a head CT, a chest CT
// with contrast, and a four-view mammogram. Shapes are simple (ellipses, bands, blobs) but
// each tissue sits at a plausible Hounsfield value or brightness, the orientation is that of
// a real acquisition, and the stored windows are the ones a reader would pick.
#include "phantoms.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace phantom {

namespace {

constexpr double kAir = -1000, kFat = -90, kWater = 0, kCsf = 6, kWhite = 27, kGrey = 40, kMuscle = 50, kBlood = 45,
                 kContrast = 300, kLung = -860, kCancellous = 260, kCortical = 1100;

// Inside the ellipse centred at (cx, cy) with semi-axes (a, b), rotated by `angle` radians:
// returns the squared normalized radius (< 1 inside).
double ellipse(double x, double y, double cx, double cy, double a, double b, double angle = 0) {
  double dx = x - cx, dy = y - cy;
  double c = std::cos(angle), s = std::sin(angle);
  double u = (dx * c + dy * s) / a, v = (-dx * s + dy * c) / b;
  return u * u + v * v;
}

Uint16 stored_hu(double hu) { return static_cast<Uint16>(std::clamp(hu + 1024.0, 0.0, 4095.0)); }

}  // namespace

// Axial slice of a head at height z mm (0: the orbits' roof, +: towards the vertex), n×n pixels
// of `mm` each; x towards the patient's left, y towards posterior (Image Orientation 1\0\0\0\1\0).
std::vector<Uint16> head_slice(int n, double mm, double z, std::mt19937& rng) {
  std::normal_distribution<double> noise(0, 4);
  std::vector<Uint16> px(static_cast<size_t>(n) * n);
  // The head narrows towards the vertex and the skull base.
  double shrink = std::sqrt(std::max(0.0, 1 - std::pow((z - 10) / 95.0, 2)));
  double a = 74 * shrink, b = 92 * shrink;  // half width (left-right), half length (front-back)
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      double x = (i - n / 2.0) * mm, y = (j - n / 2.0) * mm;
      double r = ellipse(x, y, 0, 4, a, b);
      double hu = kAir;
      if (a > 5 && r < 1) {
        double depth = (1 - std::sqrt(r)) * std::min(a, b);  // mm inside the scalp's surface
        if (depth < 2) hu = kMuscle;                           // skin
        else if (depth < 5) hu = kFat;                         // subcutaneous fat
        else if (depth < 7) hu = kCortical;                    // outer table
        else if (depth < 9) hu = 550;                          // diploe
        else if (depth < 11) hu = kCortical;                   // inner table
        else {
          // Brain: a grey cortex with sulci over white matter, the falx, the ventricles.
          double theta = std::atan2(y, x);
          double sulcus = std::sin(theta * 23 + z * 0.3) * std::sin(theta * 7 - z * 0.1);
          hu = depth < 15 ? (sulcus > 0.55 && depth > 12 ? kCsf : kGrey) : kWhite;
          if (std::abs(x) < 0.8 && y < b * 0.55 && z > 0) hu = 70;  // the falx
          if (z > 5 && z < 40) {
            double lat = std::min(ellipse(x, y, -9, -4, 6, 24, -0.25), ellipse(x, y, 9, -4, 6, 24, 0.25));
            if (lat < 1) hu = kCsf;                          // lateral ventricles
            if (std::abs(x) < 1.5 && std::abs(y - 6) < 9 && z < 20) hu = kCsf;  // third ventricle
          }
          if (z > -10 && z < 15 && std::min(ellipse(x, y, -22, 10, 10, 12), ellipse(x, y, 22, 10, 10, 12)) < 1)
            hu = kGrey + 4;  // basal ganglia
        }
        // The orbits and the sinuses below the brain, in front.
        if (z < 0 && z > -35) {
          for (double side : {-1.0, 1.0}) {
            double orbit = ellipse(x, y, side * 31, -b * 0.78, 17, 19);
            if (orbit < 1) hu = orbit < 0.55 ? 15 : kFat;  // the globe in its fat
          }
          if (ellipse(x, y, 0, -b * 0.7, 9, 14) < 1) hu = kAir;  // ethmoid cells
        }
        if (z < -35 && std::min(ellipse(x, y, -24, -b * 0.55, 15, 18), ellipse(x, y, 24, -b * 0.55, 15, 18)) < 1)
          hu = kAir;  // maxillary sinuses
      }
      px[static_cast<size_t>(j) * n + i] = stored_hu(hu + noise(rng));
    }
  return px;
}

// Axial slice of a chest at height z mm (0: the carina, +: towards the head), with contrast in
// the heart and the vessels (an arterial phase).
std::vector<Uint16> chest_slice(int n, double mm, double z, std::mt19937& rng) {
  std::normal_distribution<double> noise(0, 9);
  std::vector<Uint16> px(static_cast<size_t>(n) * n);
  // Pulmonary vessels: the same branching dots on every slice, moving a little with z.
  std::mt19937 vessels_rng(7);
  std::uniform_real_distribution<double> unit(0, 1);
  struct Dot { double x, y, r; };
  std::vector<Dot> dots;
  for (int k = 0; k < 90; ++k) {
    double side = k % 2 ? 1 : -1;
    double t = unit(vessels_rng), angle = unit(vessels_rng) * 2 * std::numbers::pi;
    double reach = std::sqrt(t);
    dots.push_back({side * 70 + std::cos(angle) * 55 * reach + 3 * std::sin(z / 17 + k),
                    -5 + std::sin(angle) * 70 * reach, 4.5 * (1 - reach) + 0.9});
  }
  bool heart_level = z < -10 && z > -110;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      double x = (i - n / 2.0) * mm, y = (j - n / 2.0) * mm;
      double body = ellipse(x, y, 0, 0, 165, 115);
      double hu = kAir;
      if (body < 1) {
        double depth = (1 - std::sqrt(body)) * 115;
        hu = depth < 2 ? kMuscle : depth < 16 ? kFat : kMuscle;
        // Lungs, with their vessels.
        for (double side : {-1.0, 1.0}) {
          if (ellipse(x, y, side * 72, -4, 62, 80) < 1 && !(heart_level && ellipse(x, y, 22, -25, 62, 52, -0.5) < 1)) {
            hu = kLung;
            for (const auto& d : dots)
              if (std::hypot(x - d.x, y - d.y) < d.r) hu = std::hypot(x - d.x, y - d.y) < d.r * 0.8 ? kContrast - 80 : kBlood;
          }
        }
        // The mediastinum: heart with enhanced chambers, aorta, pulmonary trunk, oesophagus.
        if (heart_level) {
          double heart = ellipse(x, y, 22, -25, 62, 52, -0.5);
          if (heart < 1) hu = heart < 0.55 ? kContrast : kMuscle;
          if (std::abs(x - 5) < 1.5 && heart < 0.55) hu = kMuscle;  // the septum
        } else if (ellipse(x, y, 5, -20, 30, 30) < 1) {
          hu = kFat + 60;  // mediastinal fat
        }
        if (z > -40) {
          if (std::hypot(x + 12, y + 28) < 15) hu = kContrast + 20;  // ascending aorta
          if (z > -10 && std::hypot(x - 18, y + 22) < 13) hu = kContrast;  // pulmonary trunk
        }
        if (z > 25 && std::hypot(x - 6, y + 10) < 13) hu = kContrast + 20;  // the arch
        if (std::hypot(x - 24, y - 50) < 12) hu = kContrast + 20;           // descending aorta
        if (std::hypot(x - 6, y - 38) < 6) hu = z > -60 ? kAir : kMuscle;   // trachea above, oesophagus below
        // The spine, the sternum and the ribs.
        double vertebra = std::hypot(x, y - 76);
        if (vertebra < 19) hu = vertebra > 16 ? kCortical : kCancellous;
        if (std::hypot(x, y - 104) < 7) hu = kCsf;                            // spinal canal
        if (std::abs(x) < 12 && std::abs(y + 102) < 5) hu = kCancellous + 150;  // sternum
        // Ribs: ovals in the chest wall, their positions turning a little from slice to slice.
        for (int k = 0; k < 14; ++k) {
          double a = std::numbers::pi * (k + 0.5) / 7 + z / 90;
          double rib = ellipse(x, y, 138 * std::cos(a), 92 * std::sin(a), 7, 4.5, a + std::numbers::pi / 2);
          if (rib < 1) hu = rib > 0.45 ? kCortical - 200 : kCancellous;
        }
      }
      px[static_cast<size_t>(j) * n + i] = stored_hu(hu + noise(rng));
    }
  return px;
}

// A mammogram, chest wall on the image's left (column 0) and nipple to the right, as a left
// breast is acquired; the caller mirrors it for the right breast. 12-bit, brighter is denser.
std::vector<Uint16> mammogram(int rows, int columns, bool mlo, unsigned seed, bool calcifications) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 22);
  std::uniform_real_distribution<double> unit(0, 1);
  // Fibroglandular tissue: soft blobs of every size, most behind the nipple and towards the
  // upper outer part, summed into a density map (each blob over its own neighbourhood only).
  std::vector<float> density(static_cast<size_t>(rows) * columns, 0.f);
  for (int k = 0; k < 900; ++k) {
    double t = std::pow(unit(rng), 0.8);
    double bx = 0.05 + 0.6 * t, by = 0.5 + (unit(rng) - 0.62) * 0.6 * (1 - 0.5 * t);
    double br = (k < 60 ? 0.03 + 0.05 * unit(rng) : 0.004 + 0.014 * unit(rng)) * columns;  // in pixels
    double bw = k < 60 ? 0.5 : 0.25 + 0.5 * unit(rng);
    int cx = static_cast<int>(bx * columns), cy = static_cast<int>(by * rows), reach = static_cast<int>(3 * br) + 1;
    for (int j = std::max(0, cy - reach); j < std::min(rows, cy + reach); ++j)
      for (int i = std::max(0, cx - reach); i < std::min(columns, cx + reach); ++i) {
        double d2 = (std::pow(i - cx, 2) + std::pow(j - cy, 2)) / (br * br);
        density[static_cast<size_t>(j) * columns + i] += static_cast<float>(bw * std::exp(-d2 / 2));
      }
  }
  std::vector<Uint16> px(static_cast<size_t>(rows) * columns);
  double depth = mlo ? 0.82 : 0.74, half = mlo ? 0.44 : 0.38;
  double centre = mlo ? 0.56 : 0.5;
  for (int j = 0; j < rows; ++j)
    for (int i = 0; i < columns; ++i) {
      double x = static_cast<double>(i) / columns, y = static_cast<double>(j) / rows;
      double r = ellipse(x, y, 0, centre, depth, half, mlo ? -0.18 : 0);  // the breast
      double v = 60;  // air: the detector's floor
      if (r < 1) {
        double dense = density[static_cast<size_t>(j) * columns + i];
        double thickness = std::sqrt(1 - r);  // compressed, thinner at the edge
        v = 700 + 650 * thickness + 1400 * (1 - std::exp(-0.5 * dense));
        if (r > 0.95) v += 250 * (r - 0.95) / 0.05;  // the skin line
        if (mlo && x < 0.3 * (1 - y / 0.62)) v = 2450 + 80 * std::sin(y * 23);  // the pectoral muscle
      }
      const double tilt = mlo ? -0.18 : 0;  // the breast's axis; the nipple at its tip
      double nipple = std::hypot((x - depth * std::cos(tilt)) * columns / rows, y - centre - depth * std::sin(tilt));
      if (nipple < 0.022) v = 1500;
      px[static_cast<size_t>(j) * columns + i] = static_cast<Uint16>(std::clamp(v + noise(rng), 0.0, 4095.0));
    }
  // A cluster of microcalcifications in the upper outer quadrant.
  for (int k = 0; calcifications && k < 7; ++k) {
    int cx = static_cast<int>(columns * (0.36 + 0.03 * unit(rng))), cy = static_cast<int>(rows * (0.36 + 0.03 * unit(rng)));
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) px[static_cast<size_t>(cy + dy) * columns + cx + dx] = 3700;
  }
  return px;
}

}  // namespace phantom
