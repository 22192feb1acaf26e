#include "sampling/tpe_sampler.hpp"

#include <fmt/format.h>

#include <cmath>
#include <exception>
#include <memory>

#include "sampling/qmc_sampler.hpp"
#include "sampling/random_bits.hpp"
#include "sampling/tpe_candidates.hpp"
#include "sampling/tpe_history.hpp"
#include "sampling/tpe_parzen.hpp"
#include "space/distribution.hpp"

namespace greentune {
namespace {

using tpe::Axis;
using tpe::History;
using tpe::PointSet;

constexpr uint64_t kTpeSalt = 0x747065ULL;  // "tpe"
constexpr size_t kMaxGamma = 25;
// Ranked candidates tried for an untried point before random ones (independent TPE
// ranks up to 24^dims combinations of its per-param candidates).
constexpr int kMaxRanked = 1024;
// Random draws tried for an untried point before walking a finite space in order.
constexpr int kRandomTries = 64;

tl::unexpected<Error> exhausted(uint64_t points) {
  return make_error(
      ErrorCode::kExhausted,
      fmt::format("every point of the search space has been tried ({} points)", points));
}

// The per-call state of one suggestion.
class Suggestion {
 public:
  Suggestion(const SampleRequest& req, const TpeOptions& options, uint64_t seed)
      : req_(req),
        options_(options),
        seed_(seed),
        gen_(derive_seed(seed, kTpeSalt, static_cast<uint64_t>(req.number))),
        axes_(tpe::axes_of(req.space)),
        history_(req),
        total_(tpe::point_count(axes_)) {}

  Result<Params> run();

 private:
  std::unique_ptr<tpe::PointRanking> ranking();
  std::vector<double> startup_point();
  Result<std::vector<double>> untried(tpe::PointRanking& ranking);
  Result<std::vector<double>> random_untried();
  const PointSet& taken();
  std::vector<double> enumerated_point(uint64_t index) const;

  const SampleRequest& req_;
  const TpeOptions& options_;
  uint64_t seed_;
  std::mt19937_64 gen_;
  std::vector<Axis> axes_;
  History history_;
  std::optional<uint64_t> total_;  // points of an all-discrete space
  std::optional<PointSet> taken_;  // built when a membership test beyond one is needed
};

Result<Params> Suggestion::run() {
  if (total_ && *total_ <= history_.own_rows() && taken().size() >= *total_) {
    return exhausted(*total_);
  }
  std::unique_ptr<tpe::PointRanking> ranked = ranking();
  auto point = untried(*ranked);
  if (!point) return tl::unexpected(point.error());
  Params params;
  for (size_t d = 0; d < axes_.size(); ++d) {
    params.emplace(req_.space.params()[d].name, req_.space.decode(d, (*point)[d]));
  }
  return params;
}

std::unique_ptr<tpe::PointRanking> Suggestion::ranking() {
  if (history_.finished() < static_cast<size_t>(std::max<int64_t>(options_.n_startup_trials, 0))) {
    return std::make_unique<tpe::SinglePoint>(startup_point());
  }
  std::vector<uint32_t> below;
  std::vector<uint32_t> above;
  history_.split(TpeSampler::gamma(history_.finished()), below, above);
  tpe::ParzenOptions popts{.multivariate = options_.multivariate,
                           .prior_weight = options_.prior_weight,
                           .consider_magic_clip = options_.consider_magic_clip,
                           .consider_endpoints = options_.consider_endpoints,
                           .bandwidth_weights = options_.bandwidth_weights};
  tpe::ParzenEstimator l(history_, below, axes_, popts);
  tpe::ParzenEstimator g(history_, above, axes_, popts);
  auto count = static_cast<size_t>(std::max<int64_t>(options_.n_ei_candidates, 1));
  if (options_.multivariate)
    return std::make_unique<tpe::JointRanking>(req_.space, l, g, count, gen_);
  return std::make_unique<tpe::IndependentRanking>(req_.space, l, g, count, gen_);
}

// Point `number` of the qmc sampler's sequence for this seed.
std::vector<double> Suggestion::startup_point() {
  size_t dims = axes_.size();
  std::vector<double> u;
  if (dims <= QmcSampler::kMaxDimensions && req_.number >= 0) {
    try {
      u = QmcSampler::point(dims, static_cast<uint64_t>(req_.number),
                            QmcSampler::shifts(dims, seed_));
    } catch (const std::exception&) {  // Boost reports range errors by throwing
      u.clear();
    }
  }
  if (u.size() != dims) {
    u.resize(dims);
    for (double& x : u) x = unit_double(gen_());
  }
  for (size_t d = 0; d < dims; ++d) u[d] = tpe::canonical(req_.space, d, u[d]);
  return u;
}

const PointSet& Suggestion::taken() {
  if (!taken_) taken_.emplace(history_);
  return *taken_;
}

Result<std::vector<double>> Suggestion::untried(tpe::PointRanking& ranking) {
  std::vector<double> point;
  if (!ranking.next(point)) return random_untried();
  // The first candidate is nearly always new: a scan is cheaper than a sorted set.
  if (!history_.seen(point)) return point;
  for (int i = 1; i < kMaxRanked && ranking.next(point); ++i) {
    if (!taken().contains(point)) return point;
  }
  return random_untried();
}

Result<std::vector<double>> Suggestion::random_untried() {
  size_t dims = axes_.size();
  std::vector<double> point(dims);
  for (int i = 0; i < kRandomTries; ++i) {
    for (size_t d = 0; d < dims; ++d) point[d] = tpe::canonical(req_.space, d, unit_double(gen_()));
    if (!taken().contains(point)) return point;
  }
  // A continuous param makes a repeat all but impossible: keep the last draw.
  if (!total_) return point;
  // So many misses mean few points are left: walk the space from a random start.
  uint64_t start = uniform_below(gen_, *total_);
  for (uint64_t i = 0; i < *total_; ++i) {
    point = enumerated_point((start + i) % *total_);
    if (!taken().contains(point)) return point;
  }
  return exhausted(*total_);
}

// Point `index` of the finite space in mixed radix, the last param varying fastest.
std::vector<double> Suggestion::enumerated_point(uint64_t index) const {
  std::vector<double> point(axes_.size());
  for (size_t d = axes_.size(); d-- > 0;) {
    const Distribution& dist = req_.space.params()[d].dist;
    point[d] = req_.space.encode(d, discrete_value(dist, index % axes_[d].count));
    index /= axes_[d].count;
  }
  return point;
}

}  // namespace

size_t TpeSampler::gamma(size_t n) { return std::min((n + 9) / 10, kMaxGamma); }

Result<Params> TpeSampler::sample(const SampleRequest& req) const {
  if (req.space.empty()) return Params{};
  return Suggestion(req, options_, seed_.value_or(req.seed)).run();
}

}  // namespace greentune
