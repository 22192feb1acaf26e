// The carbon tables as text, compiled in from data/grid_intensity.csv and data/pue.csv
// (CMake reads the files into carbon_data.cpp, generated from carbon_data.cpp.in), so an
// installed binary does not depend on the source tree.  The CSV files stay the single
// source of truth: edit them, not the generated file.
#pragma once

#include <string_view>

namespace greentune::carbon_data {

extern const std::string_view kGridIntensityCsv;
extern const std::string_view kPueCsv;

}  // namespace greentune::carbon_data
