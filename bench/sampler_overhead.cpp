// What a suggestion costs as a study grows: mean ask + tell time per trial of the TPE
// sampler (6 float params, Hartmann6 values) with 100, 300 and 1000 finished trials, in
// memory and on SQLite (a temporary file); of the GP sampler at 50, 100 and 200; and of
// sampler = "auto" (GP, then TPE: see auto_sampler.hpp) at the TPE sizes.  With --optuna,
// the same figures for Optuna 3.1's TPESampler (/usr/bin/python3,
// bench/tuning_efficiency_optuna.py) in the same run.
//
//   build/bench_sampler_overhead [--measure 20] [--sizes 100,300,1000] [--json] [--optuna]
//                                [--gp-scaling [--gp-dims 2,6,12,20]
//                                              [--gp-finished 100,200,300,500]]
//
// The history is made by the sampler itself (ask, evaluate, tell), so TPE's "above"
// trials crowd around the good region as they do in a real study.  Optuna's history is
// added as finished trials at random points (sampling it with TPE would take minutes);
// its cost depends on the number of trials, not on where they lie.
//
// --gp-scaling prints only the GP sampler's time per suggestion by number of float params
// and finished trials (the figures behind sampler = "auto"'s thresholds).  That history
// is enqueued at scrambled Sobol points with Rosenbrock values (Hartmann6 for 6 params):
// making 500 trials with the GP itself would take minutes, and the cost depends on the
// number of points, not on where they lie.
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "greentune/storage.hpp"
#include "greentune/study.hpp"
#include "sampling/qmc_sampler.hpp"
#include "trainers/functions.hpp"

namespace greentune {
namespace {

using nlohmann::json;

struct Options {
  int measure = 20;                           // ask + tell pairs timed at each size
  std::vector<int> sizes = {100, 300, 1000};  // finished trials before timing (TPE)
  std::vector<int> gp_sizes = {50, 100, 200};
  bool gp_scaling = false;
  std::vector<int> gp_dims = {2, 6, 12, 20};
  std::vector<int> gp_finished = {100, 200, 300, 500};
  bool json = false;
  bool optuna = false;
  std::string script;
};

struct Row {
  std::string sampler;
  std::string storage;
  int finished = 0;
  double ms = 0.0;
  std::optional<double> optuna_ms;
};

std::vector<int> parse_sizes(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
  return out;
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  o.script = (std::filesystem::path(__FILE__).parent_path() / "tuning_efficiency_optuna.py");
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--json") {
      o.json = true;
    } else if (a == "--optuna") {
      o.optuna = true;
    } else if (a == "--measure") {
      o.measure = std::max(1, std::stoi(value()));
    } else if (a == "--sizes") {
      o.sizes = parse_sizes(value());
    } else if (a == "--gp-scaling") {
      o.gp_scaling = true;
    } else if (a == "--gp-dims") {
      o.gp_dims = parse_sizes(value());
    } else if (a == "--gp-finished") {
      o.gp_finished = parse_sizes(value());
    } else if (a == "--optuna-script") {
      o.script = value();
    } else {
      fmt::print(stderr,
                 "usage: {} [--measure N] [--sizes A,B,C] [--json] [--optuna] [--gp-scaling "
                 "[--gp-dims A,B] [--gp-finished A,B]]\n",
                 argv[0]);
      return std::nullopt;
    }
  }
  return o;
}

StudyRecord six_dim_study(const json& sampler) {
  StudyRecord r;
  r.name = "overhead";
  for (int i = 1; i <= 6; ++i) {
    r.space[fmt::format("x{}", i)] = {{"type", "float"}, {"low", 0.0}, {"high", 1.0}};
  }
  r.sampler = sampler;
  return r;
}

double hartmann_of(const SearchSpace& space, const Params& params) {
  std::array<double, 6> x{};
  for (size_t i = 0; i < 6; ++i) x[i] = std::get<double>(params.at(space.params()[i].name));
  return hartmann6(x);
}

Status ask_tell(Study& study) {
  auto trial = study.ask(0.0, "bench");
  if (!trial) return tl::unexpected(trial.error());
  return study.tell(trial->number, TrialState::kComplete, hartmann_of(study.space(), trial->params),
                    0.0);
}

std::string temp_db() {
  auto path = std::filesystem::temp_directory_path() /
              fmt::format("greentune-overhead-{}.db", static_cast<long>(::getpid()));
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

// Mean milliseconds per ask + tell after `finished` trials.
Result<double> time_at(const json& sampler, const std::string& storage_kind, int finished,
                       int measure) {
  std::string db = storage_kind == "sqlite" ? temp_db() : "";
  auto storage = open_storage(db.empty() ? "memory:" : "sqlite:///" + db);
  if (!storage) return tl::unexpected(storage.error());
  auto study = Study::create(**storage, six_dim_study(sampler), 0.0);
  if (!study) return tl::unexpected(study.error());
  for (int i = 0; i < finished; ++i) {
    if (auto ok = ask_tell(*study); !ok) return tl::unexpected(ok.error());
  }
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < measure; ++i) {
    if (auto ok = ask_tell(*study); !ok) return tl::unexpected(ok.error());
  }
  std::chrono::duration<double, std::milli> spent = std::chrono::steady_clock::now() - start;
  if (!db.empty()) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  }
  return spent.count() / measure;
}

// ---- --gp-scaling

StudyRecord float_study(int dims, const json& sampler) {
  StudyRecord r;
  r.name = "gp-scaling";
  for (int i = 1; i <= dims; ++i) {
    r.space[fmt::format("x{}", i)] = {{"type", "float"}, {"low", 0.0}, {"high", 1.0}};
  }
  r.sampler = sampler;
  return r;
}

double scaling_value(const SearchSpace& space, const Params& params) {
  std::vector<double> x;
  for (const Param& p : space.params()) x.push_back(std::get<double>(params.at(p.name)));
  if (x.size() == 6) return hartmann6(x);
  for (double& v : x) v = 4.0 * v - 2.0;
  return x.size() >= 2 ? rosenbrock(x) : x[0] * x[0];
}

// Mean milliseconds per GP ask + tell after `finished` trials enqueued at Sobol points.
Result<double> gp_time_at(int dims, int finished, int measure) {
  auto storage = open_storage("memory:");
  if (!storage) return tl::unexpected(storage.error());
  auto study = Study::create(**storage, float_study(dims, {{"name", "gp"}, {"seed", 1}}), 0.0);
  if (!study) return tl::unexpected(study.error());
  std::vector<uint64_t> shifts = QmcSampler::shifts(static_cast<size_t>(dims), 1);
  const SearchSpace& space = study->space();
  for (int i = 0; i < finished; ++i) {
    std::vector<double> u =
        QmcSampler::point(static_cast<size_t>(dims), static_cast<uint64_t>(i), shifts);
    Params params;
    for (size_t d = 0; d < u.size(); ++d)
      params.emplace(space.params()[d].name, space.decode(d, u[d]));
    if (auto ok = study->enqueue(params, 0.0); !ok) return tl::unexpected(ok.error());
    auto trial = study->ask(0.0, "bench");
    if (!trial) return tl::unexpected(trial.error());
    auto ok = study->tell(trial->number, TrialState::kComplete, scaling_value(space, params), 0.0);
    if (!ok) return tl::unexpected(ok.error());
  }
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < measure; ++i) {
    auto trial = study->ask(0.0, "bench");
    if (!trial) return tl::unexpected(trial.error());
    auto ok =
        study->tell(trial->number, TrialState::kComplete, scaling_value(space, trial->params), 0.0);
    if (!ok) return tl::unexpected(ok.error());
  }
  std::chrono::duration<double, std::milli> spent = std::chrono::steady_clock::now() - start;
  return spent.count() / measure;
}

int run_gp_scaling(const Options& o) {
  json rows = json::array();
  if (!o.json) {
    fmt::print("gp ask + tell per trial (ms), float params x finished trials, mean of {}\n",
               o.measure);
    fmt::print("{:>6}", "params");
    for (int n : o.gp_finished) fmt::print(" {:>9}", n);
    fmt::print("\n");
  }
  for (int dims : o.gp_dims) {
    if (!o.json) fmt::print("{:>6}", dims);
    for (int n : o.gp_finished) {
      auto ms = gp_time_at(dims, n, o.measure);
      if (!ms) {
        fmt::print(stderr, "gp, {} params, {} trials: {}\n", dims, n, ms.error().message);
        return 1;
      }
      rows.push_back({{"params", dims}, {"finished", n}, {"ms_per_trial", *ms}});
      if (!o.json) fmt::print(" {:>9.1f}", *ms);
      std::fflush(stdout);
    }
    if (!o.json) fmt::print("\n");
  }
  if (o.json) fmt::print("{}\n", json{{"measure", o.measure}, {"gp_scaling", rows}}.dump(2));
  return 0;
}

std::optional<json> run_optuna(const Options& o) {
  std::string sizes;
  for (int s : o.sizes) sizes += (sizes.empty() ? "" : ",") + std::to_string(s);
  std::string command = fmt::format("/usr/bin/python3 '{}' overhead --sizes {} --measure {}",
                                    o.script, sizes, o.measure);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::string out;
  std::array<char, 4096> buffer{};
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  if (::pclose(pipe) != 0) return std::nullopt;
  json parsed = json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

void attach_optuna(std::vector<Row>& rows, const json& optuna) {
  for (const json& r : optuna.at("rows")) {
    for (Row& row : rows) {
      if (row.sampler == "tpe" && row.storage == r.at("storage") &&
          row.finished == r.at("finished").get<int>()) {
        row.optuna_ms = r.at("ms_per_trial").get<double>();
      }
    }
  }
}

void print_table(const std::vector<Row>& rows, const Options& o) {
  fmt::print("ask + tell per trial, 6 float params (Hartmann6), mean of {} trials\n", o.measure);
  fmt::print("{:<9} {:<8} {:>9} {:>12} {:>14} {:>8}\n", "sampler", "storage", "finished",
             "greentune ms", "optuna 3.1 ms", "speedup");
  for (const Row& r : rows) {
    std::string optuna = r.optuna_ms ? fmt::format("{:.3f}", *r.optuna_ms) : "-";
    std::string ratio = r.optuna_ms ? fmt::format("{:.0f}x", *r.optuna_ms / r.ms) : "-";
    fmt::print("{:<9} {:<8} {:>9} {:>12.3f} {:>14} {:>8}\n", r.sampler, r.storage, r.finished, r.ms,
               optuna, ratio);
  }
}

json rows_json(const std::vector<Row>& rows) {
  json out = json::array();
  for (const Row& r : rows) {
    out.push_back({{"sampler", r.sampler},
                   {"storage", r.storage},
                   {"finished", r.finished},
                   {"ms_per_trial", r.ms},
                   {"optuna_ms_per_trial", r.optuna_ms ? json(*r.optuna_ms) : json(nullptr)}});
  }
  return out;
}

int run(const Options& o) {
  if (o.gp_scaling) return run_gp_scaling(o);
  std::vector<std::pair<json, std::vector<int>>> samplers = {
      {{{"name", "tpe"}, {"seed", 1}}, o.sizes},
      {{{"name", "tpe"}, {"seed", 1}, {"multivariate", true}}, o.sizes}};
  if (make_sampler({{"name", "gp"}}))
    samplers.push_back({{{"name", "gp"}, {"seed", 1}}, o.gp_sizes});
  if (make_sampler({{"name", "auto"}}))
    samplers.push_back({{{"name", "auto"}, {"seed", 1}}, o.sizes});
  std::vector<Row> rows;
  for (const auto& [sampler, sizes] : samplers) {
    std::string label = sampler.value("multivariate", false) ? "tpe-mv" : sampler.value("name", "");
    for (const char* storage : {"memory", "sqlite"}) {
      for (int n : sizes) {
        auto ms = time_at(sampler, storage, n, o.measure);
        if (!ms) {
          fmt::print(stderr, "{} on {} at {}: {}\n", label, storage, n, ms.error().message);
          return 1;
        }
        rows.push_back({label, storage, n, *ms, std::nullopt});
      }
    }
  }
  if (o.optuna) {
    auto optuna = run_optuna(o);
    if (!optuna) fmt::print(stderr, "optuna run failed (is python3-optuna installed?)\n");
    if (optuna) attach_optuna(rows, *optuna);
  }
  if (o.json) {
    fmt::print("{}\n", json{{"measure", o.measure}, {"rows", rows_json(rows)}}.dump(2));
  } else {
    print_table(rows, o);
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
