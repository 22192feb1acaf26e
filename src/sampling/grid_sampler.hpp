// Grid search: every combination of a few values per parameter, in a seeded random
// order, each point tried once.
//
// Values per parameter: categorical choices; ints by their step; floats with a step by
// that step; floats without a step at 5 evenly spaced points (in log space for log
// params), ends included.  A parameter with more than kMaxAxisValues values, or a grid
// of more than kMaxPoints points, is refused: such spaces want qmc or tpe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "greentune/sampler.hpp"

namespace greentune {

// The warning the command line prints when a study uses the grid sampler.
std::string_view grid_energy_warning();

// The values grid search tries for each parameter of the space, in space order, or
// kInvalidArgument when the grid is too large.
Result<std::vector<std::vector<ParamValue>>> grid_axes(const SearchSpace& space);

class GridSampler : public Sampler {
 public:
  static constexpr uint64_t kMaxAxisValues = 10000;
  static constexpr uint64_t kMaxPoints = 1000000;
  static constexpr int kFloatPoints = 5;

  // seed: when set, replaces the study seed of every request.
  explicit GridSampler(std::optional<uint64_t> seed = std::nullopt) : seed_(seed) {}
  std::string_view name() const override { return "grid"; }
  // The first point, in the seed's permutation of the grid, that no trial of the
  // history holds (whatever its state: waiting and running trials count).
  // kExhausted when every point is taken.  Cost: O(grid size + trials * params).
  Result<Params> sample(const SampleRequest& req) const override;

 private:
  std::optional<uint64_t> seed_;
};

}  // namespace greentune
