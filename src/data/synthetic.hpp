// Synthetic tables of any size, for scaling runs and benchmarks (greentune make-data).
#pragma once

#include <cstdint>
#include <string>

#include "data/dataset.hpp"

namespace greentune::data {

struct SyntheticSpec {
  Task task = Task::kClassification;
  int64_t rows = 1000;
  int64_t features = 20;
  int64_t classes = 2;      // classification
  double noise = 0.1;       // classification: share of labels flipped; regression: noise sd / signal sd
  uint64_t seed = 1;
};

// Writes a CSV with columns x0..x{features-1} and the target `y` to `path`.
// Classification: Gaussian clusters around a centroid per class in the first half of the
// features (the informative ones), standard-normal noise in the rest, `noise` of the
// labels flipped.  Regression: a linear signal in the informative features plus a
// product term, with Gaussian noise.  The same spec gives the same file.
Status write_synthetic_csv(const SyntheticSpec& spec, const std::string& path);

}  // namespace greentune::data
