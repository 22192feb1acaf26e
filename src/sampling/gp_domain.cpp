#include "sampling/gp_domain.hpp"

#include <boost/random/sobol.hpp>
#include <cmath>
#include <variant>

#include "sampling/qmc_sampler.hpp"
#include "sampling/random_bits.hpp"
#include "space/distribution.hpp"

namespace greentune::gp {
namespace {

constexpr uint64_t kMaxFiniteSize = uint64_t{1} << 62;

DimKind kind_of(const Distribution& dist) {
  if (std::holds_alternative<CategoricalDistribution>(dist)) return DimKind::kCategorical;
  if (const auto* f = std::get_if<FloatDistribution>(&dist); f && !f->step) {
    return DimKind::kContinuous;
  }
  return DimKind::kOrdinal;
}

}  // namespace

Domain::Domain(const SearchSpace& space) : space_(&space) {
  uint64_t total = 1;
  bool finite = true;
  for (size_t i = 0; i < space.size(); ++i) {
    kinds_.push_back(kind_of(space.params()[i].dist));
    std::optional<uint64_t> n = space.cardinality(i);
    counts_.push_back(n.value_or(0));
    if (!n || *n == 0 || total > kMaxFiniteSize / *n) {
      finite = false;
    } else {
      total *= *n;
    }
  }
  if (finite) finite_size_ = total;
}

bool Domain::relaxed(Eigen::Index d) const {
  auto i = static_cast<size_t>(d);
  return kinds_[i] == DimKind::kContinuous ||
         (kinds_[i] == DimKind::kOrdinal && counts_[i] > kRelaxAbove);
}

std::optional<Eigen::VectorXd> Domain::encode(const Params& params) const {
  Eigen::VectorXd u(dims());
  for (size_t i = 0; i < space_->size(); ++i) {
    auto it = params.find(space_->params()[i].name);
    if (it == params.end() || !space_->contains(i, it->second)) return std::nullopt;
    u[static_cast<Eigen::Index>(i)] = space_->encode(i, it->second);
  }
  return u;
}

Params Domain::decode(const Eigen::VectorXd& u) const {
  Params params;
  for (size_t i = 0; i < space_->size(); ++i)
    params.emplace(space_->params()[i].name, space_->decode(i, u[static_cast<Eigen::Index>(i)]));
  return params;
}

Eigen::VectorXd Domain::canonical(const Eigen::VectorXd& u) const {
  Eigen::VectorXd out(u.size());
  for (Eigen::Index d = 0; d < u.size(); ++d) {
    auto i = static_cast<size_t>(d);
    out[d] = space_->encode(i, space_->decode(i, u[d]));
  }
  return out;
}

uint64_t Domain::value_index(Eigen::Index d, double u) const {
  auto i = static_cast<size_t>(d);
  const Distribution& dist = space_->params()[i].dist;
  ParamValue value = space_->decode(i, u);
  if (const auto* f = std::get_if<FloatDistribution>(&dist)) {
    return nearest_index(*f, std::get<double>(value));
  }
  if (const auto* n = std::get_if<IntDistribution>(&dist)) {
    return static_cast<uint64_t>(std::get<int64_t>(value) - n->low) /
           static_cast<uint64_t>(n->step);
  }
  // Categorical: the share u falls in, as decode() reads it.
  double k = std::floor(std::clamp(u, 0.0, 1.0) * static_cast<double>(counts_[i]));
  return std::min(static_cast<uint64_t>(std::max(k, 0.0)), counts_[i] - 1);
}

double Domain::encode_index(Eigen::Index d, uint64_t k) const {
  auto i = static_cast<size_t>(d);
  return space_->encode(i, discrete_value(space_->params()[i].dist, k));
}

std::vector<double> Domain::moves(Eigen::Index d, double u) const {
  auto i = static_cast<size_t>(d);
  std::vector<double> out;
  if (kinds_[i] == DimKind::kContinuous) return out;
  uint64_t k = value_index(d, u);
  if (kinds_[i] == DimKind::kOrdinal) {
    if (k > 0) out.push_back(encode_index(d, k - 1));
    if (k + 1 < counts_[i]) out.push_back(encode_index(d, k + 1));
    return out;
  }
  for (uint64_t c = 0; c < counts_[i]; ++c) {
    if (c != k) out.push_back(encode_index(d, c));
  }
  return out;
}

Eigen::VectorXd Domain::point(uint64_t k) const {
  Eigen::VectorXd u(dims());
  for (Eigen::Index d = dims(); d-- > 0;) {
    uint64_t n = counts_[static_cast<size_t>(d)];
    u[d] = encode_index(d, k % n);
    k /= n;
  }
  return u;
}

Eigen::MatrixXd sobol_points(Eigen::Index dims, Eigen::Index count, uint64_t seed) {
  std::vector<uint64_t> shifts = QmcSampler::shifts(static_cast<size_t>(dims), seed);
  boost::random::sobol engine(static_cast<unsigned>(dims));
  Eigen::MatrixXd points(dims, count);
  for (Eigen::Index j = 0; j < count; ++j) {
    for (Eigen::Index d = 0; d < dims; ++d)
      points(d, j) = unit_double(engine() ^ shifts[static_cast<size_t>(d)]);
  }
  return points;
}

}  // namespace greentune::gp
