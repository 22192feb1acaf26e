// The tables built-in trainers learn from: where the data is and how it is split.  The
// data module (src/data/) reads the CSV; the study file's [data] section fills this.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace greentune {

// [data]: the CSV table a built-in trainer learns from.
struct DataSection {
  enum class Task { kClassification, kRegression };
  std::string path;    // as written: relative paths are relative to the study file
  std::string target;  // the column to predict
  Task task = Task::kClassification;
  double split = 0.2;  // the share of rows kept for validation, when folds == 0
  int64_t folds = 0;   // k-fold cross-validation when >= 2
  uint64_t seed = 1;   // of the split, the folds and data_fraction subsamples
  std::vector<std::string> categorical;  // columns read as categories even if numeric
};

}  // namespace greentune
