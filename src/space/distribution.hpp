// Helpers over single distributions, shared by the search space and the samplers.
//
// Discrete distributions (int, float with a step, categorical) have values indexed
// 0..n-1 in increasing order (choices: in the order given).  These helpers turn an
// index into a value and back; they assume a distribution that SearchSpace::create
// accepted.
#pragma once

#include <cstdint>
#include <optional>

#include "greentune/space.hpp"

namespace greentune {

// The numeric value of an int or float ParamValue; nullopt for bool and string.
std::optional<double> as_number(const ParamValue& v);

// Number of grid values.  REQUIRES: d.step is set (float).
uint64_t value_count(const FloatDistribution& d);
uint64_t value_count(const IntDistribution& d);

// The k-th grid value, k < value_count(d).  Float grid values are low + k * step
// tidied to 15 significant digits when that moves them by a negligible amount, so
// that 0.1 + 3 * 0.2 is 0.7 (what users write), not 0.7000000000000001; the ends are
// exactly low and high.
double grid_value(const FloatDistribution& d, uint64_t k);
int64_t grid_value(const IntDistribution& d, uint64_t k);

// Index of the grid value nearest to v, clamped to [0, value_count(d)).
uint64_t nearest_index(const FloatDistribution& d, double v);

// Number of distinct values, nullopt for a float without a step.
std::optional<uint64_t> value_count(const Distribution& d);

// The k-th value of a discrete distribution.  REQUIRES: k < value_count(d).
ParamValue discrete_value(const Distribution& d, uint64_t k);

}  // namespace greentune
