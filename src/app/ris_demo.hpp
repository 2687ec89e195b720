// `vireo demo`: the RIS of a working imaging centre, for `make run` and for trying Vireo out:
// rooms for CR, CT, MR, US and MG with opening hours and closures, a catalogue of common exams,
// 200 patients and their orders. Deterministic, and done once: a RIS that has rooms is left as
// it is.
#pragma once

#include "app/services.hpp"

namespace vireo::app {

int seed_ris_demo(Services& s);

}  // namespace vireo::app
