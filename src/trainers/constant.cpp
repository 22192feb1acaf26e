// constant: the class priors (classification) or the mean / median (regression) of the
// training rows, whatever the features say.  The first rung of every ladder: any model
// worth its energy has to beat it.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "trainers/registry.hpp"
#include "trainers/tabular.hpp"

namespace greentune::trainers {
namespace {

constexpr OptionSpec kOptions[] = {
    // classification: prior (default: the class shares) | most_frequent (all on the
    // majority class); regression: mean (default) | median
    {"strategy", OptionKind::kString, ""},
};

class ConstantTrainer : public Trainer {
 public:
  ConstantTrainer(TrainerSpec spec, std::shared_ptr<const Table> table)
      : spec_(held_copy(spec)), table_(std::move(table)) {}

  Result<TrialOutcome> run(const TrainerRun& run, TrialReporter& reporter) override {
    const Table& t = *table_;
    Options options = options_for(spec_, kOptions, run.params);
    std::string strategy = options.text("strategy", "");
    bool median = strategy == "median";
    bool most_frequent = strategy == "most_frequent";
    double fraction = data_fraction_of(run.params);
    size_t k = t.data.task == data::Task::kClassification ? t.data.n_classes() : 1;
    std::vector<data::Predictions> valid, train;
    std::vector<std::vector<int32_t>> rows;
    std::vector<double> fit;
    StepScores s;
    for (size_t f = 0; f < t.folds.size(); ++f) {
      rows.push_back(training_rows(t, f, fraction));
      fit = constant_of(labels_of(t.data, rows.back()), k, median);
      if (most_frequent) {
        auto top = std::max_element(fit.begin(), fit.end()) - fit.begin();
        std::fill(fit.begin(), fit.end(), 0.0);
        fit[static_cast<size_t>(top)] = 1.0;
      }
      valid.push_back(repeat(fit, t.folds[f].valid.size()));
      train.push_back(repeat(fit, rows.back().size()));
      s = score_step(t, valid, train, rows);
      if (auto ok = reporter.report(static_cast<int64_t>(f) + 1, metrics_of(t, s)); !ok) {
        return tl::unexpected(ok.error());
      }
      if (reporter.should_stop() && f + 1 < t.folds.size()) {
        return stopped_outcome(static_cast<int64_t>(f) + 1);
      }
    }
    std::string path = checkpoint_file(run, "model.json");
    std::ofstream(path) << nlohmann::json{{"trainer", "constant"}, {"values", fit}}.dump() << "\n";
    return finish(t, s, run, reporter, path);
  }

 private:
  // Class shares (classification) or the mean / median (regression).
  static std::vector<double> constant_of(std::vector<float> y, size_t k, bool median) {
    std::vector<double> out(k, 0.0);
    if (k > 1) {
      for (float v : y) out[static_cast<size_t>(v)] += 1.0 / static_cast<double>(y.size());
    } else if (median) {
      std::sort(y.begin(), y.end());
      size_t n = y.size();
      out[0] = n % 2 ? y[n / 2] : (static_cast<double>(y[n / 2 - 1]) + y[n / 2]) / 2;
    } else {
      for (float v : y) out[0] += v / static_cast<double>(y.size());
    }
    return out;
  }

  static data::Predictions repeat(const std::vector<double>& row, size_t n) {
    data::Predictions p{n, row.size(), {}};
    p.values.reserve(n * row.size());
    for (size_t i = 0; i < n; ++i) p.values.insert(p.values.end(), row.begin(), row.end());
    return p;
  }

  TrainerSpec spec_;
  std::shared_ptr<const Table> table_;
};

}  // namespace

Result<std::unique_ptr<Trainer>> make_constant_trainer(const TrainerSpec& spec) {
  if (auto ok = check_options(spec, kOptions); !ok) return tl::unexpected(ok.error());
  auto table = load_table(spec);
  if (!table) return tl::unexpected(table.error());
  bool classify = (*table)->data.task == data::Task::kClassification;
  const char* accepted = classify ? "prior, most_frequent" : "mean, median";
  auto check = [&](const std::string& section, const ParamValue& v) -> Status {
    std::string text = to_display(v);
    bool ok = classify ? (text == "prior" || text == "most_frequent")
                       : (text == "mean" || text == "median");
    if (ok) return {};
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: unknown strategy \"{}\"; accepted: {}",
                                  place(spec, section, "strategy"), text, accepted));
  };
  if (auto s = spec.options.find("strategy"); s != spec.options.end()) {
    if (auto ok = check("trainer", ParamValue(s->get<std::string>())); !ok) return tl::unexpected(ok.error());
  }
  if (spec.space) {
    for (const Param& p : spec.space->params()) {
      const auto* c = std::get_if<CategoricalDistribution>(&p.dist);
      for (const ParamValue& v : c ? c->choices : std::vector<ParamValue>{}) {
        if (auto ok = check("search.space", v); !ok) return tl::unexpected(ok.error());
      }
    }
  }
  return std::unique_ptr<Trainer>(std::make_unique<ConstantTrainer>(spec, std::move(*table)));
}

}  // namespace greentune::trainers
