#include "sampling/tpe_candidates.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace greentune::tpe {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// NaN (never expected: every mixture holds the prior) ranks last.
double finite_or_worst(double score) { return std::isnan(score) ? -kInf : score; }

}  // namespace

bool SinglePoint::next(std::vector<double>& point) {
  if (given_) return false;
  given_ = true;
  point = point_;
  return true;
}

IndependentRanking::IndependentRanking(const SearchSpace& space, const ParzenEstimator& l,
                                       const ParzenEstimator& g, size_t count,
                                       std::mt19937_64& gen) {
  std::vector<double> scratch;
  lists_.resize(space.size());
  for (size_t d = 0; d < space.size(); ++d) {
    std::vector<Scored>& list = lists_[d];
    for (size_t j = 0; j < count; ++j) {
      double u = canonical(space, d, l.sample(d, l.sample_kernel(gen), gen));
      // Discrete params repeat values: score each once.
      if (std::any_of(list.begin(), list.end(), [&](const Scored& s) { return s.u == u; })) {
        continue;
      }
      double score = l.log_marginal(space, d, u, scratch) - g.log_marginal(space, d, u, scratch);
      list.push_back({u, finite_or_worst(score)});
    }
    // Stable: ties keep the order of drawing, so the first drawn wins as in argmax.
    std::stable_sort(list.begin(), list.end(),
                     [](const Scored& a, const Scored& b) { return a.score > b.score; });
  }
  Combo first{0.0, std::vector<uint32_t>(lists_.size(), 0), 0};
  first.score = score_of(first.rank);
  if (std::all_of(lists_.begin(), lists_.end(), [](const auto& l) { return !l.empty(); })) {
    heap_.push_back(std::move(first));
  }
}

double IndependentRanking::score_of(const std::vector<uint32_t>& rank) const {
  double sum = 0.0;
  for (size_t d = 0; d < rank.size(); ++d) sum += lists_[d][rank[d]].score;
  return sum;
}

// Ties go to the lexicographically smaller ranks, so the order does not depend on how
// the standard library arranges its heap.
bool IndependentRanking::worse(const Combo& a, const Combo& b) {
  if (a.score != b.score) return a.score < b.score;
  return a.rank > b.rank;
}

bool IndependentRanking::next(std::vector<double>& point) {
  if (heap_.empty()) return false;
  std::pop_heap(heap_.begin(), heap_.end(), worse);
  Combo best = std::move(heap_.back());
  heap_.pop_back();
  point.resize(lists_.size());
  for (size_t d = 0; d < lists_.size(); ++d) point[d] = lists_[d][best.rank[d]].u;
  // Each rank vector has one parent (lower its last raised entry), so none comes twice.
  for (size_t d = best.last; d < lists_.size(); ++d) {
    if (best.rank[d] + 1 >= lists_[d].size()) continue;
    Combo child{0.0, best.rank, d};
    ++child.rank[d];
    child.score = score_of(child.rank);
    heap_.push_back(std::move(child));
    std::push_heap(heap_.begin(), heap_.end(), worse);
  }
  return true;
}

JointRanking::JointRanking(const SearchSpace& space, const ParzenEstimator& l,
                           const ParzenEstimator& g, size_t count, std::mt19937_64& gen) {
  std::vector<std::vector<double>> drawn(count, std::vector<double>(space.size()));
  std::vector<double> score(count);
  std::vector<double> scratch;
  for (size_t j = 0; j < count; ++j) {
    size_t k = l.sample_kernel(gen);
    for (size_t d = 0; d < space.size(); ++d) {
      drawn[j][d] = canonical(space, d, l.sample(d, k, gen));
    }
    score[j] = finite_or_worst(l.log_joint(space, drawn[j], scratch) -
                               g.log_joint(space, drawn[j], scratch));
  }
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return score[a] > score[b]; });
  for (size_t j : order) {
    if (std::find(points_.begin(), points_.end(), drawn[j]) == points_.end()) {
      points_.push_back(std::move(drawn[j]));
    }
  }
}

bool JointRanking::next(std::vector<double>& point) {
  if (given_ >= points_.size()) return false;
  point = points_[given_++];
  return true;
}

}  // namespace greentune::tpe
