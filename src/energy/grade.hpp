// What an energy figure is worth: what it covers, how it was read, and how far off it may
// be.  Every figure greentune prints carries one (summary, trial listing, JSON), so that a
// modelled guess is never read as a measurement.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace greentune::energy {

struct EnergyGrade {
  std::string source;    // rapl | nvml | model (a mix of them: the weakest)
  std::string boundary;  // what the figure covers, and what it does not
  std::string sampling;  // how it was read and shared out
  // The relative band the true figure is believed to lie in: [1 + low, 1 + high] times
  // the figure (low <= 0 <= high), and what that belief rests on.
  double band_low = 0.0;
  double band_high = 0.0;
  std::string band_basis;
};

// The grade of a `component` ("cpu", "dram", "gpu") figure from `source` as storage keeps
// it ("rapl", "model", "rapl+model" for a trial whose attempts read different sources:
// the weakest part decides).  An unknown source gets an unknown band (0, 0 with a basis
// saying so).
EnergyGrade energy_grade(std::string_view component, std::string_view source);

// {"source", "boundary", "sampling", "band": [low, high], "basis"}
nlohmann::json grade_json(const EnergyGrade& grade);

// "-60%..+190%"
std::string band_text(const EnergyGrade& grade);

}  // namespace greentune::energy
