// The "function:*" trainers: evaluate a test function at the trial's params.
#include "trainers/functions.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "greentune/trainer.hpp"

namespace greentune {

double branin(std::span<const double> x) {
  constexpr double kPi = std::numbers::pi;
  constexpr double b = 5.1 / (4 * kPi * kPi);
  constexpr double c = 5 / kPi;
  constexpr double t = 1 / (8 * kPi);
  double a = x[1] - b * x[0] * x[0] + c * x[0] - 6;
  return a * a + 10 * (1 - t) * std::cos(x[0]) + 10;
}

double hartmann6(std::span<const double> x) {
  static constexpr double kAlpha[4] = {1.0, 1.2, 3.0, 3.2};
  static constexpr double kA[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                      {0.05, 10, 17, 0.1, 8, 14},
                                      {3, 3.5, 1.7, 10, 17, 8},
                                      {17, 8, 0.05, 10, 0.1, 14}};
  static constexpr double kP[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                      {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                      {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                      {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j) inner += kA[i][j] * (x[j] - kP[i][j]) * (x[j] - kP[i][j]);
    sum += kAlpha[i] * std::exp(-inner);
  }
  return -sum;
}

double rosenbrock(std::span<const double> x) {
  double sum = 0;
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    double valley = x[i + 1] - x[i] * x[i];
    sum += 100 * valley * valley + (1 - x[i]) * (1 - x[i]);
  }
  return sum;
}

namespace {

struct TestFunction {
  const char* name;
  size_t dims;  // 0: any number >= 2
  double minimum;
  double (*evaluate)(std::span<const double>);
};

constexpr TestFunction kFunctions[] = {
    {"function:branin", 2, 5 / (4 * std::numbers::pi), branin},
    {"function:hartmann6", 6, -3.3223680114155143, hartmann6},
    {"function:rosenbrock", 0, 0.0, rosenbrock},
};

const TestFunction* find_function(const std::string& name) {
  for (const auto& f : kFunctions) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

tl::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

// The space must hold only numeric params, as many as the function takes.
Status check_space(const TestFunction& f, const SearchSpace& space) {
  for (const auto& p : space.params()) {
    if (std::holds_alternative<CategoricalDistribution>(p.dist)) {
      return invalid(
          fmt::format("trainer \"{}\": parameter \"{}\" is categorical; test "
                      "functions take float or int parameters",
                      f.name, p.name));
    }
  }
  if (f.dims != 0 && space.size() != f.dims) {
    return invalid(
        fmt::format("trainer \"{}\" takes {} parameters (x1..x{} in space order); "
                    "the space has {}",
                    f.name, f.dims, f.dims, space.size()));
  }
  if (f.dims == 0 && space.size() < 2) {
    return invalid(fmt::format("trainer \"{}\" takes 2 or more parameters; the space has {}",
                               f.name, space.size()));
  }
  return {};
}

// The trial's params as x1..xn, in the order of the space.
Result<std::vector<double>> point_of(const SearchSpace& space, const Params& params) {
  std::vector<double> x;
  for (const auto& p : space.params()) {
    auto it = params.find(p.name);
    if (it == params.end()) return invalid(fmt::format("missing parameter \"{}\"", p.name));
    if (const auto* i = std::get_if<int64_t>(&it->second)) {
      x.push_back(static_cast<double>(*i));
    } else if (const auto* d = std::get_if<double>(&it->second)) {
      x.push_back(*d);
    } else {
      return invalid(fmt::format("parameter \"{}\": expected a number, got {}", p.name,
                                 to_display(it->second)));
    }
  }
  return x;
}

class FunctionTrainer : public Trainer {
 public:
  FunctionTrainer(const TestFunction& f, std::string metric) : f_(&f), metric_(std::move(metric)) {}

  // Reports the value once, at step 0, and completes.
  Result<TrialOutcome> run(const TrainerRun& run, TrialReporter& reporter) override {
    if (auto st = check_space(*f_, run.space); !st) return tl::unexpected(st.error());
    auto x = point_of(run.space, run.params);
    if (!x) return tl::unexpected(x.error());
    double value = f_->evaluate(*x);
    if (auto st = reporter.report(0, {{metric_, value}}); !st) return tl::unexpected(st.error());
    return TrialOutcome{TrialState::kComplete, {{metric_, value}}, ""};
  }

  bool keeps_checkpoints() const override { return false; }

 private:
  const TestFunction* f_;  // an entry of kFunctions
  std::string metric_;
};

std::string accepted_trainers() {
  std::vector<std::string> names;
  for (const auto& f : kFunctions) names.push_back(f.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

Result<std::unique_ptr<Trainer>> make_trainer(const std::string& name, const SearchSpace& space,
                                              const std::string& metric) {
  const TestFunction* f = find_function(name);
  if (!f)
    return invalid(fmt::format("unknown trainer \"{}\"; accepted: {}", name, accepted_trainers()));
  if (metric.empty()) return invalid(fmt::format("trainer \"{}\": the metric name is empty", name));
  if (auto st = check_space(*f, space); !st) return tl::unexpected(st.error());
  return std::make_unique<FunctionTrainer>(*f, metric);
}

std::optional<TestFunctionInfo> test_function_info(const std::string& name) {
  const TestFunction* f = find_function(name);
  if (!f) return std::nullopt;
  return TestFunctionInfo{f->name, f->dims, f->minimum};
}

}  // namespace greentune
