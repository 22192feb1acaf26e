// How fast each sampler finds good points: median best regret (best value found minus
// the known minimum) after 25, 50, 100 and 200 evaluations, and median evaluations to
// reach a regret target, on Branin (2-D), Hartmann6 (6-D) and Rosenbrock (4-D), over 20
// seeds, for random, qmc, tpe, tpe multivariate, gp and auto (the default sampler).
// Studies run in memory through Study::ask / tell, as `greentune tune` would drive them.
//
//   build/bench_tuning_efficiency [--evals 200] [--seeds 20] [--gp-seeds 20] [--json]
//                                 [--optuna]
//
// The default run takes about ten minutes on two cores, nearly all of it in the GP and
// auto samplers; --optuna adds about seven minutes (both Optuna samplers).
//
// --optuna runs Optuna 3.1's TPESampler() and TPESampler(multivariate=True) on the same
// functions, bounds and seed numbers (/usr/bin/python3, tuning_efficiency_optuna.py) and
// prints greentune's figures beside Optuna's.
//
// The regret target of a function is 1% of the gap between its minimum and its median
// value over the domain (the median of 4096 Sobol points): about the quality of the
// best of the first few hundred random points.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "greentune/storage.hpp"
#include "greentune/study.hpp"
#include "greentune/trainer.hpp"
#include "sampling/qmc_sampler.hpp"
#include "trainers/functions.hpp"

namespace greentune {
namespace {

using nlohmann::json;

constexpr std::array<int, 4> kCheckpoints = {25, 50, 100, 200};
constexpr double kTargetShare = 0.01;
constexpr uint64_t kMedianPoints = 4096;

struct Options {
  int evals = 200;
  int seeds = 20;
  int gp_seeds = 20;  // fewer keep a quick run quick: GP costs far more per suggestion
  bool json = false;
  bool optuna = false;
  std::string script;
};

struct Problem {
  std::string name;      // as printed
  std::string function;  // the python side's name
  std::string info;      // test_function_info's name
  std::vector<std::pair<double, double>> bounds;
  std::function<double(std::span<const double>)> f;
  double minimum = 0.0;
  double target = 0.0;  // regret target
};

struct SamplerCase {
  std::string label;
  json config;  // without the seed
  int seeds;
};

// Median regret per checkpoint and median evaluations to the target of one
// (function, sampler): traces are best-so-far regrets, one per seed.
struct Summary {
  std::vector<std::optional<double>> regret_at;  // per checkpoint (nullopt beyond evals)
  std::optional<double> evals_to_target;         // nullopt: the median run never got there
  int reached = 0;
  int runs = 0;
};

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  o.script = (std::filesystem::path(__FILE__).parent_path() / "tuning_efficiency_optuna.py");
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto number = [&]() { return i + 1 < argc ? std::max(1, std::atoi(argv[++i])) : 1; };
    if (a == "--json") {
      o.json = true;
    } else if (a == "--optuna") {
      o.optuna = true;
    } else if (a == "--evals") {
      o.evals = number();
    } else if (a == "--seeds") {
      o.seeds = number();
    } else if (a == "--gp-seeds") {
      o.gp_seeds = number();
    } else if (a == "--optuna-script" && i + 1 < argc) {
      o.script = argv[++i];
    } else {
      fmt::print(stderr, "usage: {} [--evals N] [--seeds N] [--gp-seeds N] [--json] [--optuna]\n",
                 argv[0]);
      return std::nullopt;
    }
  }
  o.gp_seeds = std::min(o.gp_seeds, o.seeds);
  return o;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Sets the regret target from the median value over the domain.
void set_target(Problem& p) {
  std::vector<double> values;
  std::vector<double> x(p.bounds.size());
  for (uint64_t i = 0; i < kMedianPoints; ++i) {
    std::vector<double> u = QmcSampler::point(p.bounds.size(), i, {});
    for (size_t d = 0; d < x.size(); ++d) {
      x[d] = p.bounds[d].first + u[d] * (p.bounds[d].second - p.bounds[d].first);
    }
    values.push_back(p.f(x));
  }
  p.target = kTargetShare * (median(values) - p.minimum);
}

std::vector<Problem> problems() {
  std::vector<Problem> out = {
      {"branin", "branin", "function:branin", {{-5, 10}, {0, 15}}, branin},
      {"hartmann6", "hartmann6", "function:hartmann6", std::vector(6, std::pair(0.0, 1.0)),
       hartmann6},
      {"rosenbrock4", "rosenbrock", "function:rosenbrock", std::vector(4, std::pair(-2.048, 2.048)),
       rosenbrock},
  };
  for (Problem& p : out) {
    p.minimum = test_function_info(p.info)->minimum;
    set_target(p);
  }
  return out;
}

StudyRecord study_record(const Problem& p, json sampler) {
  StudyRecord r;
  r.name = "efficiency";
  for (size_t d = 0; d < p.bounds.size(); ++d) {
    r.space[fmt::format("x{}", d + 1)] = {
        {"type", "float"}, {"low", p.bounds[d].first}, {"high", p.bounds[d].second}};
  }
  r.sampler = std::move(sampler);
  return r;
}

// Best regret so far after each evaluation.
Result<std::vector<double>> run_study(const Problem& p, const json& sampler, int evals) {
  auto storage = open_storage("memory:");
  if (!storage) return tl::unexpected(storage.error());
  auto study = Study::create(**storage, study_record(p, sampler), 0.0);
  if (!study) return tl::unexpected(study.error());
  std::vector<double> trace;
  std::vector<double> x(p.bounds.size());
  double best = INFINITY;
  for (int i = 0; i < evals; ++i) {
    auto trial = study->ask(0.0, "bench");
    if (!trial) return tl::unexpected(trial.error());
    for (size_t d = 0; d < x.size(); ++d) {
      x[d] = std::get<double>(trial->params.at(study->space().params()[d].name));
    }
    double value = p.f(x);
    if (auto ok = study->tell(trial->number, TrialState::kComplete, value, 0.0); !ok) {
      return tl::unexpected(ok.error());
    }
    best = std::min(best, value);
    trace.push_back(best - p.minimum);
  }
  return trace;
}

Summary summarize(const std::vector<std::vector<double>>& traces, double target, int evals) {
  Summary s;
  s.runs = static_cast<int>(traces.size());
  for (int c : kCheckpoints) {
    if (c > evals || traces.empty()) {
      s.regret_at.push_back(std::nullopt);
      continue;
    }
    std::vector<double> at;
    for (const auto& t : traces) at.push_back(t[c - 1]);
    s.regret_at.push_back(median(at));
  }
  std::vector<double> to_target;  // evals + 1 (= INFINITY after the median) when never reached
  for (const auto& t : traces) {
    auto it = std::find_if(t.begin(), t.end(), [&](double r) { return r <= target; });
    s.reached += it != t.end();
    to_target.push_back(it == t.end() ? INFINITY : static_cast<double>(it - t.begin() + 1));
  }
  if (!to_target.empty()) {
    double m = median(to_target);
    if (std::isfinite(m)) s.evals_to_target = m;
  }
  return s;
}

std::vector<SamplerCase> sampler_cases(const Options& o) {
  std::vector<SamplerCase> cases = {
      {"random", {{"name", "random"}}, o.seeds},
      {"qmc", {{"name", "qmc"}}, o.seeds},
      {"tpe", {{"name", "tpe"}}, o.seeds},
      {"tpe-mv", {{"name", "tpe"}, {"multivariate", true}}, o.seeds},
  };
  if (make_sampler({{"name", "gp"}})) cases.push_back({"gp", {{"name", "gp"}}, o.gp_seeds});
  // The default (GP below 300 observations, so the same as gp over 200 evaluations).
  if (make_sampler({{"name", "auto"}})) cases.push_back({"auto", {{"name", "auto"}}, o.gp_seeds});
  return cases;
}

std::string cell(std::optional<double> v) {
  return v ? fmt::format("{:.3g}", *v) : std::string("-");
}

std::string evals_cell(const Summary& s, int evals) {
  std::string median =
      s.evals_to_target ? fmt::format("{:g}", *s.evals_to_target) : fmt::format(">{}", evals);
  return fmt::format("{} ({}/{})", median, s.reached, s.runs);
}

struct Outcome {
  std::string problem;
  std::string sampler;
  Summary summary;
  double seconds = 0.0;
};

void print_header(const std::vector<Problem>& ps, const Options& o) {
  fmt::print("Best regret (best value - known minimum), median over seeds; {} evaluations\n",
             o.evals);
  for (const Problem& p : ps) {
    std::string bounds;
    for (const auto& [lo, hi] : p.bounds) bounds += fmt::format("[{}, {}] ", lo, hi);
    if (p.bounds.size() > 2)
      bounds = fmt::format("[{}, {}]^{} ", p.bounds[0].first, p.bounds[0].second, p.bounds.size());
    fmt::print("  {:<12} domain {}min {:.6g}, regret target {:.3g}\n", p.name, bounds, p.minimum,
               p.target);
  }
  fmt::print("  regret target: 1% of (median value over the domain - minimum)\n");
  if (o.gp_seeds < o.seeds) fmt::print("  gp: {} seeds (--gp-seeds), being slower\n", o.gp_seeds);
  fmt::print("\n{:<12} {:<8} {:>9} {:>9} {:>9} {:>9}  {:<18} {:>7}\n", "function", "sampler", "@25",
             "@50", "@100", "@200", "evals to target", "time s");
}

void print_row(const Outcome& r, const Options& o) {
  const Summary& s = r.summary;
  fmt::print("{:<12} {:<8} {:>9} {:>9} {:>9} {:>9}  {:<18} {:>7.1f}\n", r.problem, r.sampler,
             cell(s.regret_at[0]), cell(s.regret_at[1]), cell(s.regret_at[2]), cell(s.regret_at[3]),
             evals_cell(s, o.evals), r.seconds);
}

std::optional<json> run_optuna(const Options& o, const std::vector<Problem>& ps) {
  json spec = json::array();
  for (const Problem& p : ps)
    spec.push_back({{"name", p.name}, {"function", p.function}, {"bounds", p.bounds}});
  std::string command =
      fmt::format("/usr/bin/python3 '{}' efficiency --problems '{}' --seeds {} --evals {}",
                  o.script, spec.dump(), o.seeds, o.evals);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::string out;
  std::array<char, 65536> buffer{};
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  if (::pclose(pipe) != 0) return std::nullopt;
  json parsed = json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

// Optuna's summaries by (problem, sampler).
std::vector<Outcome> optuna_outcomes(const json& optuna, const std::vector<Problem>& ps,
                                     const Options& o) {
  std::vector<Outcome> out;
  for (const Problem& p : ps) {
    for (const char* sampler : {"tpe", "tpe-mv"}) {
      std::vector<std::vector<double>> traces;
      for (const json& r : optuna.at("results")) {
        if (r.at("problem") != p.name || r.at("sampler") != sampler) continue;
        std::vector<double> t;
        for (const json& b : r.at("best")) t.push_back(b.get<double>() - p.minimum);
        traces.push_back(std::move(t));
      }
      out.push_back({p.name, sampler, summarize(traces, p.target, o.evals), 0.0});
    }
  }
  return out;
}

std::string ratio(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *b <= 0) return "-";
  double r = *a / *b;
  return r >= 0.01 ? fmt::format("{:.2f}", r) : fmt::format("{:.0e}", r);
}

void print_comparison(const std::vector<Outcome>& ours, const std::vector<Outcome>& optuna,
                      const Options& o) {
  fmt::print(
      "\ngreentune vs Optuna {} (same functions, bounds, seed numbers); ratio = "
      "greentune / optuna, below 1: greentune better\n",
      "3.1");
  fmt::print("{:<12} {:<14} {:>18} {:>18} {:>18}  {:<16} {:<16}\n", "function", "gt vs optuna",
             "@50 gt/opt (ratio)", "@100 gt/opt (ratio)", "@200 gt/opt (ratio)", "to target: gt",
             "optuna");
  // greentune's tpe against Optuna's, and the default (auto) against Optuna's default TPE.
  std::vector<std::pair<std::string, const Outcome*>> pairs;
  for (const Outcome& theirs : optuna) {
    pairs.emplace_back(theirs.sampler, &theirs);
    if (theirs.sampler == "tpe") pairs.emplace_back("auto", &theirs);
  }
  for (const auto& [label, theirs_ptr] : pairs) {
    const Outcome& theirs = *theirs_ptr;
    auto mine = std::find_if(ours.begin(), ours.end(), [&](const Outcome& r) {
      return r.problem == theirs.problem && r.sampler == label;
    });
    if (mine == ours.end()) continue;
    std::string cells[3];
    for (int c = 1; c < 4; ++c) {
      cells[c - 1] = fmt::format("{}/{} ({})", cell(mine->summary.regret_at[c]),
                                 cell(theirs.summary.regret_at[c]),
                                 ratio(mine->summary.regret_at[c], theirs.summary.regret_at[c]));
    }
    fmt::print("{:<12} {:<14} {:>18} {:>18} {:>18}  {:<16} {:<16}\n", theirs.problem,
               fmt::format("{}/{}", label, theirs.sampler), cells[0], cells[1], cells[2],
               evals_cell(mine->summary, o.evals), evals_cell(theirs.summary, o.evals));
  }
}

json summary_json(const Outcome& r) {
  json regret = json::object();
  for (size_t c = 0; c < kCheckpoints.size(); ++c) {
    if (r.summary.regret_at[c]) regret[std::to_string(kCheckpoints[c])] = *r.summary.regret_at[c];
  }
  return {{"function", r.problem},
          {"sampler", r.sampler},
          {"seeds", r.summary.runs},
          {"median_regret", regret},
          {"median_evals_to_target",
           r.summary.evals_to_target ? json(*r.summary.evals_to_target) : json(nullptr)},
          {"reached_target", r.summary.reached},
          {"seconds", r.seconds}};
}

int run(const Options& o) {
  std::vector<Problem> ps = problems();
  if (!o.json) print_header(ps, o);
  std::vector<Outcome> ours;
  for (const Problem& p : ps) {
    for (const SamplerCase& c : sampler_cases(o)) {
      auto start = std::chrono::steady_clock::now();
      std::vector<std::vector<double>> traces;
      for (int seed = 0; seed < c.seeds; ++seed) {
        json config = c.config;
        config["seed"] = seed;
        auto trace = run_study(p, config, o.evals);
        if (!trace) {
          fmt::print(stderr, "{} / {} / seed {}: {}\n", p.name, c.label, seed,
                     trace.error().message);
          return 1;
        }
        traces.push_back(std::move(*trace));
      }
      std::chrono::duration<double> spent = std::chrono::steady_clock::now() - start;
      ours.push_back({p.name, c.label, summarize(traces, p.target, o.evals), spent.count()});
      if (!o.json) print_row(ours.back(), o);
    }
  }
  std::vector<Outcome> theirs;
  if (o.optuna) {
    auto optuna = run_optuna(o, ps);
    if (!optuna) fmt::print(stderr, "optuna run failed (is python3-optuna installed?)\n");
    if (optuna) theirs = optuna_outcomes(*optuna, ps, o);
    if (optuna && !o.json) print_comparison(ours, theirs, o);
  }
  if (o.json) {
    json out = {{"evals", o.evals}, {"seeds", o.seeds}, {"gp_seeds", o.gp_seeds}};
    for (const Problem& p : ps) {
      out["functions"].push_back({{"name", p.name},
                                  {"bounds", p.bounds},
                                  {"minimum", p.minimum},
                                  {"regret_target", p.target}});
    }
    for (const Outcome& r : ours) out["greentune"].push_back(summary_json(r));
    for (const Outcome& r : theirs) out["optuna"].push_back(summary_json(r));
    fmt::print("{}\n", out.dump(2));
  }
  return 0;
}

}  // namespace
}  // namespace greentune

int main(int argc, char** argv) {
  auto options = greentune::parse_args(argc, argv);
  if (!options) return 2;
  return greentune::run(*options);
}
