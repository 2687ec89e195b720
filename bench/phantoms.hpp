// Anatomy-like phantom images for vireo-synth (see phantoms.cpp).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/ofstd/oftypes.h>

#include <random>
#include <vector>

namespace phantom {

// CT slices as stored values (HU + 1024, 12 bits), n×n pixels of `mm`, at height z mm.
std::vector<Uint16> head_slice(int n, double mm, double z, std::mt19937& rng);
std::vector<Uint16> chest_slice(int n, double mm, double z, std::mt19937& rng);
// A 12-bit mammogram with the chest wall at column 0; the same seed gives the same breast.
std::vector<Uint16> mammogram(int rows, int columns, bool mlo, unsigned seed, bool calcifications);

}  // namespace phantom
