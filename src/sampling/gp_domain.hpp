// The search space as the GP sampler sees it: one unit-cube coordinate per parameter
// (SearchSpace::encode: log params in log space, discrete values at the centres of
// equal shares), the kind of each coordinate, discrete moves, and the points of a
// finite space.
//
// A point is canonical when every coordinate is the encoding of the value it decodes
// to; canonical points are equal exactly when they decode to the same params, which is
// how the sampler tells a new suggestion from a trial already run.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "greentune/space.hpp"
#include "sampling/gp_kernel.hpp"

namespace greentune::gp {

class Domain {
 public:
  // Ordinal coordinates with more values than this are optimised as continuous ones
  // (then snapped); smaller ones only by discrete moves.
  static constexpr uint64_t kRelaxAbove = 16;

  // `space` must outlive the domain.
  explicit Domain(const SearchSpace& space);

  Eigen::Index dims() const { return static_cast<Eigen::Index>(kinds_.size()); }
  const std::vector<DimKind>& kinds() const { return kinds_; }
  // True for the coordinates gradient-based search moves (continuous, large ordinal).
  bool relaxed(Eigen::Index d) const;

  // The canonical point of a parameter set, or nullopt when a parameter is missing or
  // its value is not in the space (a trial from before the space changed).
  std::optional<Eigen::VectorXd> encode(const Params& params) const;
  Params decode(const Eigen::VectorXd& u) const;
  Eigen::VectorXd canonical(const Eigen::VectorXd& u) const;

  // Encodings reachable from u[d] by one discrete move: the previous and next values of
  // an ordinal coordinate, every other choice of a categorical one; none for continuous.
  std::vector<double> moves(Eigen::Index d, double u) const;

  // The number of points when every parameter is discrete (nullopt for a space with a
  // continuous float, or more than 2^62 points).
  std::optional<uint64_t> finite_size() const { return finite_size_; }
  // Point k of a finite space, in mixed radix with the last parameter fastest.
  // REQUIRES: k < *finite_size().
  Eigen::VectorXd point(uint64_t k) const;

 private:
  uint64_t value_index(Eigen::Index d, double u) const;
  double encode_index(Eigen::Index d, uint64_t k) const;

  const SearchSpace* space_;
  std::vector<DimKind> kinds_;
  std::vector<uint64_t> counts_;  // values per discrete coordinate, 0 for continuous
  std::optional<uint64_t> finite_size_;
};

// Canonical points already taken by trials of the history.
class TakenPoints {
 public:
  void insert(const Eigen::VectorXd& u) { points_.emplace(u.data(), u.data() + u.size()); }
  bool contains(const Eigen::VectorXd& u) const {
    return points_.count(std::vector<double>(u.data(), u.data() + u.size())) > 0;
  }
  size_t size() const { return points_.size(); }

 private:
  std::set<std::vector<double>> points_;
};

// `count` points of a Sobol sequence in [0,1)^dims, digitally shifted by words drawn
// from `seed`.  REQUIRES: 1 <= dims <= QmcSampler::kMaxDimensions.
Eigen::MatrixXd sobol_points(Eigen::Index dims, Eigen::Index count, uint64_t seed);

}  // namespace greentune::gp
