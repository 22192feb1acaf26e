#include "sampling/grid_sampler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "sampling/random_bits.hpp"
#include "space/distribution.hpp"

namespace greentune {
namespace {

constexpr uint64_t kGridSalt = 0x67726964ULL;  // "grid"

using Axis = std::vector<ParamValue>;

Axis axis_values(const SearchSpace& space, size_t index) {
  Axis axis;
  if (std::optional<uint64_t> n = space.cardinality(index)) {
    const Distribution& dist = space.params()[index].dist;
    for (uint64_t k = 0; k < *n; ++k) axis.push_back(discrete_value(dist, k));
  } else {
    constexpr int kLast = GridSampler::kFloatPoints - 1;
    for (int k = 0; k <= kLast; ++k)
      axis.push_back(space.decode(index, static_cast<double>(k) / kLast));
  }
  return axis;
}

std::string count_text(double n) {
  return n < 1e15 ? fmt::format("{:.0f}", n) : fmt::format("{:.3g}", n);
}

// Ascending for numeric axes; exact for int64 beyond 2^53.
bool numeric_less(const ParamValue& a, const ParamValue& b) {
  const auto* ai = std::get_if<int64_t>(&a);
  const auto* bi = std::get_if<int64_t>(&b);
  if (ai && bi) return *ai < *bi;
  return *as_number(a) < *as_number(b);
}

std::optional<uint64_t> find_on_axis(const Axis& axis, bool numeric, const ParamValue& v) {
  auto it = axis.begin();
  if (numeric && as_number(v)) {
    it = std::lower_bound(axis.begin(), axis.end(), v, numeric_less);
  } else {
    it = std::find_if(axis.begin(), axis.end(), [&](const auto& x) { return same_value(x, v); });
  }
  if (it == axis.end() || !same_value(*it, v)) return std::nullopt;
  return static_cast<uint64_t>(it - axis.begin());
}

// Grid points are numbered in mixed radix, the last parameter varying fastest.
class Grid {
 public:
  Grid(const SearchSpace& space, std::vector<Axis> axes) : space_(&space), axes_(std::move(axes)) {
    size_ = 1;
    for (const auto& a : axes_) size_ *= a.size();
  }
  uint64_t size() const { return size_; }

  std::optional<uint64_t> index_of(const Params& params) const {
    uint64_t index = 0;
    for (size_t i = 0; i < axes_.size(); ++i) {
      const Param& p = space_->params()[i];
      auto it = params.find(p.name);
      if (it == params.end()) return std::nullopt;
      bool numeric = !std::holds_alternative<CategoricalDistribution>(p.dist);
      std::optional<uint64_t> k = find_on_axis(axes_[i], numeric, it->second);
      if (!k) return std::nullopt;
      index = index * axes_[i].size() + *k;
    }
    return index;
  }

  Params point(uint64_t index) const {
    Params params;
    for (size_t i = axes_.size(); i-- > 0;) {
      params.emplace(space_->params()[i].name, axes_[i][index % axes_[i].size()]);
      index /= axes_[i].size();
    }
    return params;
  }

 private:
  const SearchSpace* space_;  // outlives the grid
  std::vector<Axis> axes_;
  uint64_t size_ = 1;
};

std::vector<bool> taken_points(const Grid& grid, const SampleRequest& req) {
  std::vector<bool> taken(grid.size(), false);
  for (const Trial& t : req.trials) {
    if (t.number == req.number) continue;  // the trial being sampled for, if listed
    if (std::optional<uint64_t> k = grid.index_of(t.params)) taken[*k] = true;
  }
  return taken;
}

}  // namespace

std::string_view grid_energy_warning() {
  return "grid search spends the most energy for what it finds; consider sampler = \"tpe\"";
}

Result<std::vector<Axis>> grid_axes(const SearchSpace& space) {
  std::vector<Axis> axes;
  double total = 1;
  for (size_t i = 0; i < space.size(); ++i) {
    std::optional<uint64_t> n = space.cardinality(i);
    if (n && *n > GridSampler::kMaxAxisValues) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("parameter \"{}\" has {} values; grid search takes at most "
                                    "{} per parameter; use a larger step, or sampler = \"qmc\" "
                                    "or \"tpe\"",
                                    space.params()[i].name, *n, GridSampler::kMaxAxisValues));
    }
    total *= static_cast<double>(n.value_or(GridSampler::kFloatPoints));
  }
  if (total > static_cast<double>(GridSampler::kMaxPoints)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("the grid has {} points; grid search takes at most {}; use "
                                  "sampler = \"qmc\" or \"tpe\" for a space this large",
                                  count_text(total), GridSampler::kMaxPoints));
  }
  for (size_t i = 0; i < space.size(); ++i) axes.push_back(axis_values(space, i));
  return axes;
}

Result<Params> GridSampler::sample(const SampleRequest& req) const {
  auto axes = grid_axes(req.space);
  if (!axes) return tl::unexpected(axes.error());
  Grid grid(req.space, std::move(*axes));
  std::vector<bool> taken = taken_points(grid, req);
  // A forward Fisher-Yates shuffle fixes position i of the order at step i, so the walk
  // can stop at the first free point and still follow the one seeded permutation.
  std::vector<uint32_t> order(grid.size());
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 gen(derive_seed(seed_.value_or(req.seed), kGridSalt, 0));
  for (uint64_t i = 0; i < grid.size(); ++i) {
    std::swap(order[i], order[i + uniform_below(gen, grid.size() - i)]);
    if (!taken[order[i]]) return grid.point(order[i]);
  }
  return make_error(ErrorCode::kExhausted,
                    fmt::format("grid exhausted: all {} points have been tried", grid.size()));
}

}  // namespace greentune
