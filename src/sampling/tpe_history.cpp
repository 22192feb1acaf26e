#include "sampling/tpe_history.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <tuple>

namespace greentune::tpe {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Axis axis_of(const Distribution& dist) {
  Axis axis;
  if (const auto* c = std::get_if<CategoricalDistribution>(&dist)) {
    axis.kind = Axis::Kind::kCategorical;
    axis.count = c->choices.size();
  } else if (const auto* i = std::get_if<IntDistribution>(&dist); i && i->log) {
    axis.kind = Axis::Kind::kLogIntBinned;
    axis.low = i->low;
    axis.log_low = std::log(static_cast<double>(i->low) - 0.5);
    axis.log_high = std::log(static_cast<double>(i->high) + 0.5);
  } else if (!std::holds_alternative<FloatDistribution>(dist) ||
             std::get<FloatDistribution>(dist).step) {
    axis.kind = Axis::Kind::kBinned;
  }
  return axis;
}

// The last step at which a pruned trial reported anything (0 when it reported nothing).
double last_step(const Trial& t) {
  int64_t step = 0;
  for (const auto& [metric, values] : t.intermediate) {
    if (!values.empty()) step = std::max(step, values.back().step);
  }
  return static_cast<double>(step);
}

bool row_less(std::span<const double> a, std::span<const double> b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

std::vector<Axis> axes_of(const SearchSpace& space) {
  std::vector<Axis> axes;
  axes.reserve(space.size());
  for (size_t d = 0; d < space.size(); ++d) {
    axes.push_back(axis_of(space.params()[d].dist));
    if (axes.back().kind != Axis::Kind::kContinuous) axes.back().count = *space.cardinality(d);
  }
  return axes;
}

double canonical(const SearchSpace& space, size_t d, double u) {
  return space.encode(d, space.decode(d, u));
}

std::pair<double, double> bin_of(const SearchSpace& space, size_t d, const Axis& axis, double u) {
  if (axis.kind == Axis::Kind::kLogIntBinned) {
    auto v = static_cast<double>(std::get<int64_t>(space.decode(d, u)));
    double span = axis.log_high - axis.log_low;
    return {(std::log(v - 0.5) - axis.log_low) / span, (std::log(v + 0.5) - axis.log_low) / span};
  }
  auto n = static_cast<double>(axis.count);
  double k = std::min(std::floor(u * n), n - 1);
  return {k / n, (k + 1) / n};
}

std::optional<uint64_t> point_count(const std::vector<Axis>& axes) {
  constexpr uint64_t kMax = uint64_t{1} << 62;
  uint64_t total = 1;
  for (const Axis& a : axes) {
    if (a.kind == Axis::Kind::kContinuous || a.count == 0) return std::nullopt;
    if (total > kMax / a.count) return std::nullopt;
    total *= a.count;
  }
  return total;
}

History::History(const SampleRequest& req) : dims_(req.space.size()) {
  // Params is a map sorted by name: walking it beside the space's params in name order
  // saves a lookup per value.
  std::vector<size_t> by_name(dims_);
  std::iota(by_name.begin(), by_name.end(), size_t{0});
  const auto& params = req.space.params();
  std::sort(by_name.begin(), by_name.end(),
            [&](size_t a, size_t b) { return params[a].name < params[b].name; });
  size_t prior = req.prior ? req.prior->size() : 0;
  points_.reserve((prior + req.trials.size()) * dims_);
  ranks_.reserve(prior + req.trials.size());
  for (size_t i = 0; i < prior; ++i) add(req.space, by_name, (*req.prior)[i], req.direction);
  prior_rows_ = rows_;
  for (const Trial& t : req.trials) {
    if (t.number != req.number) add(req.space, by_name, t, req.direction);
  }
}

void History::add(const SearchSpace& space, const std::vector<size_t>& by_name, const Trial& t,
                  Direction direction) {
  size_t base = points_.size();
  points_.resize(base + dims_, std::nan(""));
  double* row = points_.data() + base;
  auto it = t.params.begin();
  bool in_order = t.params.size() == dims_;
  for (size_t j = 0; j < dims_ && in_order; ++j, ++it) {
    in_order = it->first == space.params()[by_name[j]].name;
    if (in_order) row[by_name[j]] = space.encode(by_name[j], it->second);
  }
  for (size_t d = 0; d < dims_ && !in_order; ++d) {
    auto found = t.params.find(space.params()[d].name);
    row[d] = found == t.params.end() ? std::nan("") : space.encode(d, found->second);
  }
  auto r = static_cast<uint32_t>(rows_++);
  if (!std::all_of(row, row + dims_, [](double x) { return std::isfinite(x); })) return;
  std::optional<Rank> rank = rank_of(t, r, direction);
  if (!rank) return;
  ranks_.push_back(*rank);
  if (rank->tier < 3) ++finished_;
}

std::optional<History::Rank> History::rank_of(const Trial& t, uint32_t row, Direction direction) {
  double sign = direction == Direction::kMinimize ? 1.0 : -1.0;
  double value = t.value ? (std::isnan(*t.value) ? kInf : sign * *t.value) : 0.0;
  switch (t.state) {
    case TrialState::kComplete:
      if (!t.value) return std::nullopt;
      return Rank{0, 0.0, value, row};
    case TrialState::kPruned:
      if (!t.value) return Rank{2, 0.0, 0.0, row};
      return Rank{1, -last_step(t), value, row};
    case TrialState::kRunning:
    case TrialState::kWaiting:
      return Rank{3, 0.0, 0.0, row};
    case TrialState::kFailed:
      return std::nullopt;
  }
  return std::nullopt;
}

void History::split(size_t n_below, std::vector<uint32_t>& below,
                    std::vector<uint32_t>& above) const {
  std::vector<Rank> order = ranks_;
  n_below = std::min(n_below, finished_);
  auto less = [](const Rank& a, const Rank& b) {
    return std::tie(a.tier, a.step, a.value, a.row) < std::tie(b.tier, b.step, b.value, b.row);
  };
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_below), order.end(),
                   less);
  below.clear();
  above.clear();
  for (size_t i = 0; i < order.size(); ++i) (i < n_below ? below : above).push_back(order[i].row);
  std::sort(below.begin(), below.end());
  std::sort(above.begin(), above.end());
}

bool History::seen(std::span<const double> point) const {
  for (size_t r = prior_rows_; r < rows_; ++r) {
    std::span<const double> x = row(r);
    if (std::equal(x.begin(), x.end(), point.begin())) return true;
  }
  return false;
}

PointSet::PointSet(const History& history) : history_(&history) {
  for (size_t r = history.prior_rows(); r < history.rows(); ++r) {
    std::span<const double> x = history.row(r);
    if (std::all_of(x.begin(), x.end(), [](double v) { return !std::isnan(v); })) {
      rows_.push_back(static_cast<uint32_t>(r));
    }
  }
  auto less = [&](uint32_t a, uint32_t b) { return row_less(history.row(a), history.row(b)); };
  std::sort(rows_.begin(), rows_.end(), less);
  auto same = [&](uint32_t a, uint32_t b) { return !less(a, b) && !less(b, a); };
  rows_.erase(std::unique(rows_.begin(), rows_.end(), same), rows_.end());
}

bool PointSet::contains(std::span<const double> point) const {
  auto it = std::lower_bound(rows_.begin(), rows_.end(), point,
                             [&](uint32_t r, auto p) { return row_less(history_->row(r), p); });
  if (it == rows_.end()) return false;
  std::span<const double> x = history_->row(*it);
  return std::equal(x.begin(), x.end(), point.begin());
}

}  // namespace greentune::tpe
