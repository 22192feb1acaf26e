#include "sampling/gp_sampler.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <string>
#include <vector>

#include "sampling/gp_acquisition.hpp"
#include "sampling/gp_domain.hpp"
#include "sampling/gp_fit.hpp"
#include "sampling/gp_model.hpp"
#include "sampling/gp_warping.hpp"
#include "sampling/qmc_sampler.hpp"
#include "sampling/random_bits.hpp"

namespace greentune {
namespace {

using gp::Domain;
using gp::TakenPoints;

constexpr uint64_t kCandidateSalt = 0x67702D63616E64ULL;  // "gp-cand"
constexpr uint64_t kScanSalt = 0x67702D7363616EULL;       // "gp-scan"
constexpr int kStartupAlternatives = 256;  // Sobol points tried when the startup point is taken

// What the history tells the sampler, on the unit cube.
struct History {
  std::vector<Eigen::VectorXd> observed;
  std::vector<double> values;  // to minimise
  std::vector<Eigen::VectorXd> pending;
  TakenPoints taken;
};

std::optional<double> observation(const Trial& t, Direction direction) {
  bool usable = t.state == TrialState::kComplete || t.state == TrialState::kPruned;
  if (!usable || !t.value || !std::isfinite(*t.value)) return std::nullopt;
  return direction == Direction::kMaximize ? -*t.value : *t.value;
}

History read_history(const Domain& domain, const SampleRequest& req) {
  History h;
  if (req.prior) {  // warm start: observations only, never taken points
    for (const Trial& t : *req.prior) {
      std::optional<Eigen::VectorXd> u = domain.encode(t.params);
      std::optional<double> y = observation(t, req.direction);
      if (!u || !y) continue;
      h.observed.push_back(*u);
      h.values.push_back(*y);
    }
  }
  for (const Trial& t : req.trials) {
    if (t.number == req.number) continue;  // the trial being sampled for, if listed
    std::optional<Eigen::VectorXd> u = domain.encode(t.params);
    if (!u) continue;
    h.taken.insert(*u);
    if (std::optional<double> y = observation(t, req.direction)) {
      h.observed.push_back(*u);
      h.values.push_back(*y);
    } else if (t.state == TrialState::kRunning || t.state == TrialState::kWaiting) {
      h.pending.push_back(*u);
    }
  }
  return h;
}

Eigen::MatrixXd columns(const std::vector<Eigen::VectorXd>& points, Eigen::Index dims) {
  Eigen::MatrixXd m(dims, static_cast<Eigen::Index>(points.size()));
  for (size_t j = 0; j < points.size(); ++j) m.col(static_cast<Eigen::Index>(j)) = points[j];
  return m;
}

// The first point of a finite space not taken, scanning from a seeded start: at most
// taken.size() + 1 steps.  nullopt when the space is infinite or every point is taken.
std::optional<Eigen::VectorXd> scan_untaken(const Domain& domain, const TakenPoints& taken,
                                            uint64_t seed) {
  std::optional<uint64_t> size = domain.finite_size();
  if (!size) return std::nullopt;
  uint64_t start = splitmix64(seed) % *size;
  uint64_t steps = std::min<uint64_t>(*size, taken.size() + 1);
  for (uint64_t k = 0; k < steps; ++k) {
    Eigen::VectorXd u = domain.point((start + k) % *size);
    if (!taken.contains(u)) return u;
  }
  return std::nullopt;
}

Result<Params> untaken_or_error(const Domain& domain, const TakenPoints& taken, uint64_t seed) {
  if (auto u = scan_untaken(domain, taken, seed)) return domain.decode(*u);
  return make_error(ErrorCode::kInternal, "gp sampler: found no untried point");
}

// Every untried point of a finite space (REQUIRES: finite_size() small).
Eigen::MatrixXd untaken_points(const Domain& domain, const TakenPoints& taken) {
  std::vector<Eigen::VectorXd> points;
  for (uint64_t k = 0; k < *domain.finite_size(); ++k) {
    Eigen::VectorXd u = domain.point(k);
    if (!taken.contains(u)) points.push_back(std::move(u));
  }
  return columns(points, domain.dims());
}

Result<Params> startup_point(const SampleRequest& req, std::optional<uint64_t> seed,
                             const Domain& domain, const TakenPoints& taken) {
  auto qmc = QmcSampler(seed).sample(req);
  if (!qmc) return qmc;
  std::optional<Eigen::VectorXd> u = domain.encode(*qmc);
  if (u && !taken.contains(*u)) return qmc;
  // A discrete space can repeat a point: take the next untried point of another shift.
  uint64_t s =
      derive_seed(seed.value_or(req.seed), kCandidateSalt, static_cast<uint64_t>(req.number));
  Eigen::MatrixXd alternatives = gp::sobol_points(domain.dims(), kStartupAlternatives, s);
  for (Eigen::Index j = 0; j < alternatives.cols(); ++j) {
    Eigen::VectorXd c = domain.canonical(alternatives.col(j));
    if (!taken.contains(c)) return domain.decode(c);
  }
  return untaken_or_error(domain, taken, derive_seed(s, kScanSalt, 0));
}

// The best untried point by LogEI of a GP fitted to the history.
Result<Params> model_point(const SampleRequest& req, uint64_t seed, const Domain& domain,
                           const History& h, const GpOptions& options) {
  Eigen::MatrixXd x = columns(h.observed, domain.dims());
  Eigen::VectorXd raw = Eigen::Map<const Eigen::VectorXd>(
      h.values.data(), static_cast<Eigen::Index>(h.values.size()));
  Eigen::VectorXd y = gp::transform_outputs(raw, options.output_warping);
  gp::FitOptions fit;
  fit.input_warping = options.input_warping;
  gp::KernelParams params = gp::fit_kernel_params(domain.kinds(), x, y, fit);
  auto model = gp::GpModel::condition(gp::Kernel(domain.kinds(), params), x, y);
  if (!model) return tl::unexpected(model.error());
  auto believed = model->with_fantasies(columns(h.pending, domain.dims()));
  if (!believed) return tl::unexpected(believed.error());
  Eigen::Index best = 0;
  y.minCoeff(&best);
  gp::LogEi acq(*believed, y[best]);
  uint64_t s = derive_seed(seed, kCandidateSalt, static_cast<uint64_t>(req.number));
  std::optional<uint64_t> size = domain.finite_size();
  Eigen::MatrixXd candidates = size && *size <= static_cast<uint64_t>(options.candidates)
                                   ? untaken_points(domain, h.taken)
                                   : gp::sobol_points(domain.dims(), options.candidates, s);
  for (const gp::ScoredPoint& p :
       gp::rank_points(acq, domain, candidates, x.col(best), gp::SearchOptions{})) {
    if (!h.taken.contains(domain.canonical(p.x))) return domain.decode(p.x);
  }
  return untaken_or_error(domain, h.taken, derive_seed(s, kScanSalt, 0));
}

// ---- options ------------------------------------------------------------------------

constexpr std::array<std::string_view, 5> kGpKeys = {"name", "seed", "n_startup_trials",
                                                     "output_warping", "input_warping"};

tl::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

Status read_bool(const nlohmann::json& config, const char* key, bool& out) {
  auto it = config.find(key);
  if (it == config.end()) return {};
  if (!it->is_boolean()) {
    return invalid(
        fmt::format("sampler \"gp\": \"{}\" must be true or false, got {}", key, it->dump()));
  }
  out = it->get<bool>();
  return {};
}

Status read_startup(const nlohmann::json& config, int& out) {
  auto it = config.find("n_startup_trials");
  if (it == config.end()) return {};
  if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 100000) {
    return invalid(fmt::format(
        "sampler \"gp\": \"n_startup_trials\" must be an integer from 1 to 100000, got {}",
        it->dump()));
  }
  out = static_cast<int>(it->get<int64_t>());
  return {};
}

}  // namespace

Result<Params> GpSampler::sample(const SampleRequest& req) const {
  size_t dims = req.space.size();
  if (dims == 0) return Params{};
  if (dims > QmcSampler::kMaxDimensions) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("the gp sampler handles at most {} parameters; the space has "
                                  "{}; use sampler = \"random\"",
                                  QmcSampler::kMaxDimensions, dims));
  }
  Domain domain(req.space);
  History h = read_history(domain, req);
  if (std::optional<uint64_t> size = domain.finite_size(); size && h.taken.size() >= *size) {
    return make_error(
        ErrorCode::kExhausted,
        fmt::format("every point of the search space has been tried ({} points)", *size));
  }
  uint64_t seed = seed_.value_or(req.seed);
  try {  // Boost's Sobol engine and Eigen allocations report failure by throwing
    if (static_cast<int>(h.observed.size()) < options_.n_startup_trials) {
      return startup_point(req, seed_, domain, h.taken);
    }
    auto params = model_point(req, seed, domain, h, options_);
    // A covariance that cannot be factorised even with jitter (values far beyond the
    // double range): a space-filling point rather than no point.
    if (!params && params.error().code == ErrorCode::kInternal) {
      return startup_point(req, seed_, domain, h.taken);
    }
    return params;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, fmt::format("gp sampler: {}", e.what()));
  }
}

Result<std::unique_ptr<Sampler>> make_gp_sampler(const nlohmann::json& config,
                                                 std::optional<uint64_t> seed) {
  for (const auto& [key, value] : config.items()) {
    if (std::find(kGpKeys.begin(), kGpKeys.end(), key) != kGpKeys.end()) continue;
    return invalid(fmt::format("sampler \"gp\": unknown option \"{}\"; accepted: {}", key,
                               fmt::join(kGpKeys, ", ")));
  }
  GpOptions options;
  if (auto st = read_startup(config, options.n_startup_trials); !st) {
    return tl::unexpected(st.error());
  }
  if (auto st = read_bool(config, "output_warping", options.output_warping); !st) {
    return tl::unexpected(st.error());
  }
  if (auto st = read_bool(config, "input_warping", options.input_warping); !st) {
    return tl::unexpected(st.error());
  }
  return std::make_unique<GpSampler>(seed, options);
}

}  // namespace greentune
