// Candidate points of one TPE suggestion, handed out best first.
//
// Rankings are the per-call state of the TPE sampler: they read nothing but the
// estimators they are given and draw only from the generator they are handed, so a
// suggestion stays a pure function of the request.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "sampling/tpe_history.hpp"
#include "sampling/tpe_parzen.hpp"

namespace greentune::tpe {

// Canonical points in decreasing order of score, each handed out once.
class PointRanking {
 public:
  virtual ~PointRanking() = default;
  // Sets `point` to the next best point and returns true, or false when none is left.
  virtual bool next(std::vector<double>& point) = 0;
};

// One point, then none (the startup phase).
class SinglePoint : public PointRanking {
 public:
  explicit SinglePoint(std::vector<double> point) : point_(std::move(point)) {}
  bool next(std::vector<double>& point) override;

 private:
  std::vector<double> point_;
  bool given_ = false;
};

// Independent TPE: for each param, `count` draws from l's marginal, scored by
// log l - log g.  The best point takes each param's best candidate (Optuna's choice);
// later points follow in decreasing order of summed score, built lazily, all distinct.
class IndependentRanking : public PointRanking {
 public:
  IndependentRanking(const SearchSpace& space, const ParzenEstimator& l, const ParzenEstimator& g,
                     size_t count, std::mt19937_64& gen);
  bool next(std::vector<double>& point) override;

 private:
  struct Scored {
    double u;
    double score;
  };
  struct Combo {
    double score;
    std::vector<uint32_t> rank;  // position in each param's list
    size_t last;                 // the param changed last: children change it or later ones
  };
  static bool worse(const Combo& a, const Combo& b);
  double score_of(const std::vector<uint32_t>& rank) const;

  std::vector<std::vector<Scored>> lists_;  // per param: distinct candidates, best first
  std::vector<Combo> heap_;                 // the frontier, a max-heap by `worse`
};

// Multivariate TPE: `count` whole points drawn from l's joint mixture, scored by the
// joint log l - log g, best first, duplicates removed.
class JointRanking : public PointRanking {
 public:
  JointRanking(const SearchSpace& space, const ParzenEstimator& l, const ParzenEstimator& g,
               size_t count, std::mt19937_64& gen);
  bool next(std::vector<double>& point) override;

 private:
  std::vector<std::vector<double>> points_;  // best first
  size_t given_ = 0;
};

}  // namespace greentune::tpe
