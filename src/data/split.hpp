// Which rows train and which validate: a seeded hold-out split or k folds, stratified by
// class for classification; and the nested, stratified subsamples that small-data-first
// stages (data_fraction) train on.
#pragma once

#include <cstdint>
#include <vector>

#include "data/dataset.hpp"

namespace greentune::data {

struct Fold {
  std::vector<int32_t> train;  // row indices, ascending
  std::vector<int32_t> valid;
};

// folds >= 2: k folds, each row validating in exactly one; otherwise one hold-out split
// with round(split * n) validation rows (per class when classifying, at least one row of
// each class that has two or more on each side).  The same seed gives the same folds.
std::vector<Fold> make_folds(const Dataset& d, double split, int64_t folds, uint64_t seed);

// The first ceil(fraction * n_c) rows of each class c of `rows` in a seeded order, at
// least one per class: a stratified subsample whose rows for a smaller fraction are
// always among those of a larger one (nested), ascending.  fraction >= 1: all rows.
std::vector<int32_t> subsample(const Dataset& d, const std::vector<int32_t>& rows,
                               double fraction, uint64_t seed);

}  // namespace greentune::data
