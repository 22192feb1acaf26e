// A table read for learning: features as a dense row-major float matrix, the target as
// one float per row, and what each column became.
//
// The reading rules (also in data/README.md):
// - The first line is the header; fields are separated by commas and may be quoted
//   ("a, b" and "" for a quote inside quotes).
// - Missing: an empty field, NA, N/A, NaN, nan, null, NULL or ?.  A missing feature is
//   NaN in the matrix (XGBoost treats it as missing; the other trainers replace it with
//   the column's training mean).  A missing target is an error.
// - A column whose values are all numbers is numeric.  A column with no number in it,
//   or one listed in [data] categorical, is categorical and becomes one 0/1 feature per
//   category ("color=red"), in sorted order; a category a model has not seen (another
//   file) gets all zeros, and a missing category too.  A column mixing numbers and text
//   is an error naming its first odd cell.
// - Classification targets are labels (text or numbers); classes are numbered in sorted
//   order (numerically when all labels are numbers).  Regression targets are numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "greentune/data.hpp"
#include "greentune/result.hpp"

namespace greentune::data {

using Task = DataSection::Task;

// A source column as the file has it, and the features it became.
struct SourceColumn {
  std::string name;
  bool categorical = false;
  std::vector<std::string> categories;  // sorted; feature i of the column is categories[i]
  size_t first_feature = 0;             // where its features start in the matrix
};

struct Dataset {
  Task task = Task::kClassification;
  size_t rows = 0;
  size_t cols = 0;                    // features after one-hot encoding
  std::vector<float> x;               // rows * cols, row-major; NaN = missing
  std::vector<float> y;               // class index (classification) or value
  std::vector<std::string> features;  // a name per matrix column
  std::vector<SourceColumn> columns;  // the file's feature columns, in file order
  std::string target;
  std::vector<std::string> classes;   // classification: the label of each class index

  size_t n_classes() const { return classes.size(); }
  const float* row(size_t r) const { return x.data() + r * cols; }
};

struct ReadOptions {
  std::string target;
  Task task = Task::kClassification;
  std::vector<std::string> categorical;  // columns read as categories even if numeric
};

// Reads CSV text; `name` (the file) is used in messages, which name the row (1 = the
// header line) and the column.  kInvalidArgument for bad content.
Result<Dataset> parse_csv(std::string_view text, const std::string& name,
                          const ReadOptions& options);
// Reads a CSV file; kInvalidArgument if it cannot be read either (a missing file is a
// setup error the user fixes).
Result<Dataset> read_csv(const std::string& path, const ReadOptions& options);

// Missing fields, as the rules above list them.
bool is_missing(std::string_view field);

}  // namespace greentune::data
