// The study as the TPE sampler sees it: each parameter as an axis of the unit cube and
// each trial as a point there, ranked for the split into good ("below") and the rest
// ("above").
//
// Points use SearchSpace::encode(), so log params are in log space and discrete values
// sit at the centre of their share of [0, 1].  A point is "canonical" when it is what a
// trial holding its decoded values would show; two canonical points are the same trial
// exactly when they are equal, which is how repeats are found.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "greentune/sampler.hpp"

namespace greentune::tpe {

// How TPE treats one parameter.
struct Axis {
  enum class Kind {
    kContinuous,    // a float without a step: densities
    kBinned,        // ints and stepped floats: equal bins of [0, 1], masses
    kLogIntBinned,  // log-scale ints: unequal bins, masses
    kCategorical,   // choices: categorical kernels
  };
  Kind kind = Kind::kContinuous;
  uint64_t count = 0;    // number of values; 0 for kContinuous
  int64_t low = 0;       // kLogIntBinned: the distribution's bounds ...
  double log_low = 0.0;  // ... and the encoding's, log(low - 0.5) and log(high + 0.5)
  double log_high = 1.0;
};

std::vector<Axis> axes_of(const SearchSpace& space);

// The canonical form of coordinate u of parameter d: encode(decode(u)).
double canonical(const SearchSpace& space, size_t d, double u);

// The share [lo, hi] of the unit interval that the discrete value at canonical point u
// owns.  REQUIRES: axis.kind is kBinned or kLogIntBinned.
std::pair<double, double> bin_of(const SearchSpace& space, size_t d, const Axis& axis, double u);

// The number of points of a space whose parameters are all discrete; nullopt when one
// is continuous or the count exceeds 2^62.
std::optional<uint64_t> point_count(const std::vector<Axis>& axes);

// The trials of one request, one row of encoded params each (NaN where a param is
// missing or outside the space): first the warm-start trials of req.prior, then req.trials
// in their order (by number), so that the prior counts as the oldest history.  The trial
// numbered req.number, if listed, is left out.
class History {
 public:
  explicit History(const SampleRequest& req);

  size_t dims() const { return dims_; }
  size_t rows() const { return rows_; }
  // Rows [0, prior_rows()) are warm-start trials: observations, but not tried points.
  size_t prior_rows() const { return prior_rows_; }
  // The study's own rows: what seen(), PointSet and exhaustion look at.
  size_t own_rows() const { return rows_ - prior_rows_; }
  std::span<const double> row(size_t r) const { return {points_.data() + r * dims_, dims_}; }

  // Complete and pruned trials with every param usable: what the startup count and the
  // gamma rule count.
  size_t finished() const { return finished_; }

  // Splits the usable trials: `below` gets the n_below best finished ones (complete by
  // value; then pruned, later steps first, by their last value; then pruned without a
  // value), `above` the other finished ones plus every running and waiting trial (the
  // constant liar).  Failed trials are left out.  Both come out in trial order.  A pruned
  // trial's value is Trial::value (the orchestrator stores its last value of the study
  // metric there) and its step the latest step it reported any metric at: the sampler is
  // not told which metric the study optimises.
  void split(size_t n_below, std::vector<uint32_t>& below, std::vector<uint32_t>& above) const;

  // Whether some trial of the study (any state; warm-start trials excepted) holds exactly
  // this canonical point.  O(rows).
  bool seen(std::span<const double> point) const;

 private:
  struct Rank {
    int tier;      // 0 complete, 1 pruned with a value, 2 pruned without, 3 running/waiting
    double step;   // minus the last step, for pruned trials
    double value;  // the objective, sign-flipped when maximizing
    uint32_t row;
  };
  static std::optional<Rank> rank_of(const Trial& t, uint32_t row, Direction direction);
  void add(const SearchSpace& space, const std::vector<size_t>& by_name, const Trial& t,
           Direction direction);

  size_t dims_ = 0;
  size_t rows_ = 0;
  size_t prior_rows_ = 0;
  size_t finished_ = 0;
  std::vector<double> points_;  // rows_ x dims_, row-major
  std::vector<Rank> ranks_;     // usable trials that are not failed
};

// The distinct points of a history's own rows, for many membership checks.  Rows holding
// NaN are left out (no canonical point equals them), and so are warm-start rows.
class PointSet {
 public:
  explicit PointSet(const History& history);
  size_t size() const { return rows_.size(); }
  bool contains(std::span<const double> point) const;

 private:
  const History* history_;      // outlives the set
  std::vector<uint32_t> rows_;  // distinct rows in lexicographic order
};

}  // namespace greentune::tpe
