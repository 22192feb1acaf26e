// greentune make-data OUT.csv [--task classification|regression] [--rows N] ...: a
// synthetic table of any size, for scaling runs (small data first, then more).
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "data/synthetic.hpp"

namespace greentune::cli {
namespace {

struct MakeDataArgs {
  std::string out;
  std::string task = "classification";
  data::SyntheticSpec spec;
};

int run_make_data(MakeDataArgs& args) {
  if (args.task == "regression") {
    args.spec.task = data::Task::kRegression;
  } else if (args.task != "classification") {
    return fail(Error{ErrorCode::kInvalidArgument,
                      fmt::format("--task: unknown task \"{}\"; accepted: classification, regression",
                                  args.task)});
  }
  if (auto ok = data::write_synthetic_csv(args.spec, args.out); !ok) return fail(ok.error());
  fmt::print(stderr, "wrote {}: {} rows, {} features and the target y ({})\n", args.out,
             args.spec.rows, args.spec.features, args.task);
  return 0;
}

}  // namespace

Runner setup_make_data(CLI::App& sub) {
  auto args = std::make_shared<MakeDataArgs>();
  sub.add_option("out", args->out, "the CSV file to write")->required();
  sub.add_option("--task", args->task, "classification or regression")->capture_default_str();
  sub.add_option("--rows", args->spec.rows, "rows")->capture_default_str()->check(CLI::PositiveNumber);
  sub.add_option("--features", args->spec.features, "feature columns (x0, x1, ...)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub.add_option("--classes", args->spec.classes, "classes (classification)")
      ->capture_default_str()
      ->check(CLI::Range(2, 1000));
  sub.add_option("--noise", args->spec.noise,
                 "share of labels flipped (classification), noise sd over signal sd (regression)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sub.add_option("--seed", args->spec.seed, "the same seed writes the same file")->capture_default_str();
  sub.footer("The first half of the features carries the signal; the rest is noise.");
  return [args] { return run_make_data(*args); };
}

}  // namespace greentune::cli
