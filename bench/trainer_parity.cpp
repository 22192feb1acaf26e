// Trainer parity: the same models, data, split and params through greentune's built-in
// trainers and through Python (scikit-learn's liblinear solvers and Ridge, xgboost's
// Python package), in the same run; and greentune's monitoring and reporting overhead.
//   build/bench_trainer_parity [--repeats 3]
// For each case it prints the quality of both (on the same validation rows), the best of
// `repeats` wall times of one training run of each (greentune: the trainer alone, as a
// trial's work, checkpoints included; Python: fit and per-step evaluation, after the data
// is loaded), and the
// overhead of a real trial around the same run: the trainer inside `tune`'s machinery
// (SQLite study, every step stored, the energy meter, the in-process executor with its
// checkpoint directory) against the trainer alone.  Python: /usr/bin/python3 with
// Debian's python3-sklearn and python3-xgboost (PyTorch, for the mlp, when installed).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "data/split.hpp"
#include "greentune/energy.hpp"
#include "greentune/executor.hpp"
#include "greentune/orchestrator.hpp"
#include "greentune/storage.hpp"
#include "greentune/study.hpp"
#include "greentune/trainer.hpp"

namespace {

namespace fs = std::filesystem;
using namespace greentune;
using Clock = std::chrono::steady_clock;

struct Case {
  std::string name;
  std::string trainer;
  std::string dataset, target;
  DataSection::Task task;
  std::string metric;
  nlohmann::json options;  // greentune's [trainer]
  std::string python;      // the model in Python, given X_train, y_train, X_valid, y_valid
};

std::string root() { return GREENTUNE_SOURCE_DIR; }

TrainerSpec spec_of(const Case& c) {
  TrainerSpec t;
  t.name = c.trainer;
  t.metric = c.metric;
  DataSection d;
  d.path = root() + "/data/datasets/" + c.dataset + ".csv";
  d.target = c.target;
  d.task = c.task;
  d.split = 0.25;
  d.seed = 1;
  t.data = d;
  t.options = c.options;
  return t;
}

struct NullReporter : TrialReporter {
  Status report(int64_t, const std::map<std::string, double>&) override { return {}; }
  bool should_stop() override { return false; }
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Bare {
  double seconds = 1e9;
  double value = 0;
};

// The trainer alone, with a checkpoint directory of its own (checkpoints are part of a
// trainer's work, the same inside a trial).
Bare bare_runs(const Case& c, int repeats, const fs::path& dir) {
  Bare b;
  for (int r = 0; r < repeats; ++r) {
    fs::path checkpoints = dir / fmt::format("bare-{}-{}", c.name, r);
    fs::create_directories(checkpoints);
    auto trainer = make_trainer(spec_of(c));
    if (!trainer) {
      fmt::print(stderr, "{}: {}\n", c.name, trainer.error().message);
      std::exit(1);
    }
    NullReporter null;
    SearchSpace space;
    Params params;
    auto t0 = Clock::now();
    auto out = (*trainer)->run(TrainerRun{space, params, 0, checkpoints.string()}, null);
    b.seconds = std::min(b.seconds, seconds_since(t0));
    if (out) b.value = out->final_metrics[c.metric];
  }
  return b;
}

// One trial of the same run through the study machinery: its duration as stored.
double trial_seconds(const Case& c, const fs::path& dir, int attempt) {
  auto storage = open_storage("sqlite:///" + (dir / fmt::format("{}-{}.db", c.name, attempt)).string());
  StudyRecord r;
  r.name = c.name;
  r.space = nlohmann::json{{"unused", {{"type", "categorical"}, {"choices", {0}}}}};
  r.sampler = {{"name", "random"}, {"seed", 1}};
  r.metric = c.metric;
  auto study = Study::create(**storage, r, 0.0);
  auto trainer = make_trainer(spec_of(c));
  auto meter = open_energy_meter({});
  InProcessOptions in{c.name, (dir / fmt::format("runs-{}", attempt)).string()};
  auto executor = meter ? make_metered_in_process_executor(**trainer, study->space(), **meter, in)
                        : make_in_process_executor(**trainer, study->space(), in);
  TuneOptions o;
  o.metric = c.metric;
  o.completion.max_trials = 1;
  auto result = run_study(*study, *executor, o);
  if (!result) {
    fmt::print(stderr, "{}: {}\n", c.name, result.error().message);
    std::exit(1);
  }
  auto trials = study->trials();
  const Trial& t = trials->front();
  if (t.state != TrialState::kComplete) {
    fmt::print(stderr, "{}: the trial ended {}\n", c.name, to_string(t.state));
    std::exit(1);
  }
  return *t.finished - *t.started;
}

// The Python side: the same split (row indices), fit and evaluation timed in Python.
nlohmann::json python_run(const Case& c, const data::Fold& fold, int repeats, const fs::path& dir) {
  std::string split = (dir / (c.name + "-split.json")).string();
  std::ofstream(split) << nlohmann::json{{"train", fold.train}, {"valid", fold.valid}}.dump();
  std::string script = (dir / ("case_" + c.name + ".py")).string();
  std::ofstream(script) << fmt::format(R"(import json, sys, time
import numpy as np, pandas as pd
from sklearn import metrics
df = pd.read_csv("{data}")
target = "{target}"
y_all = df[target]
if {classify}:
    y_all = y_all.astype(str)
    labels = sorted(set(y_all))
    try:
        labels = sorted(labels, key=float)  # numerically when every label is a number
    except ValueError:
        pass
    y_all = y_all.map({{l: i for i, l in enumerate(labels)}}).values
else:
    y_all = y_all.values.astype(float)
X_all = df.drop(columns=[target]).values.astype(np.float64)
split = json.load(open("{split}"))
X_train, y_train = X_all[split["train"]], y_all[split["train"]]
X_valid, y_valid = X_all[split["valid"]], y_all[split["valid"]]
best, value = 1e9, None
for _ in range({repeats}):
    t0 = time.perf_counter()
{python}
    best = min(best, time.perf_counter() - t0)
print(json.dumps({{"seconds": best, "value": float(value)}}))
)",
                                       fmt::arg("data", root() + "/data/datasets/" + c.dataset + ".csv"),
                                       fmt::arg("target", c.target),
                                       fmt::arg("classify", c.task == DataSection::Task::kClassification ? "True" : "False"),
                                       fmt::arg("split", split), fmt::arg("repeats", repeats),
                                       fmt::arg("python", c.python));
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(("/usr/bin/python3 " + script + " 2>&1").c_str(), "r"), &pclose);
  std::string out;
  char buf[4096];
  while (pipe && fgets(buf, sizeof buf, pipe.get())) out += buf;
  auto j = nlohmann::json::parse(out.substr(out.rfind('{') == std::string::npos ? 0 : out.rfind('{')),
                                 nullptr, false);
  if (j.is_discarded()) return {{"error", out.substr(0, 300)}};
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--repeats") repeats = std::atoi(argv[i + 1]);
  }
  using T = DataSection::Task;
  const std::vector<Case> cases = {
      {"logistic", "linear", "breast_cancer", "diagnosis", T::kClassification, "log_loss",
       {{"model", "logistic"}, {"C", 1.0}},
       "    from sklearn.preprocessing import StandardScaler\n"
       "    from sklearn.linear_model import LogisticRegression\n"
       "    s = StandardScaler().fit(X_train)\n"
       "    m = LogisticRegression(solver='liblinear', C=1.0, tol=1e-4).fit(s.transform(X_train), y_train)\n"
       "    value = metrics.log_loss(y_valid, m.predict_proba(s.transform(X_valid)))"},
      {"linear_svm", "linear", "digits", "digit", T::kClassification, "accuracy",
       {{"model", "svm"}, {"C", 1.0}},
       "    from sklearn.preprocessing import StandardScaler\n"
       "    from sklearn.svm import LinearSVC\n"
       "    s = StandardScaler().fit(X_train)\n"
       "    m = LinearSVC(C=1.0, tol=1e-4, random_state=0).fit(s.transform(X_train), y_train)\n"
       "    value = metrics.accuracy_score(y_valid, m.predict(s.transform(X_valid)))"},
      {"ridge", "linear", "diabetes", "progression", T::kRegression, "r2",
       {{"model", "ridge"}, {"alpha", 1.0}},
       "    from sklearn.preprocessing import StandardScaler\n"
       "    from sklearn.linear_model import Ridge\n"
       "    s = StandardScaler().fit(X_train)\n"
       "    m = Ridge(alpha=1.0).fit(s.transform(X_train), y_train)\n"
       "    value = metrics.r2_score(y_valid, m.predict(s.transform(X_valid)))"},
      {"xgboost", "xgboost", "digits", "digit", T::kClassification, "log_loss",
       {{"num_boost_round", 200}, {"eta", 0.1}, {"max_depth", 6}, {"checkpoint_every", 1000}},
       "    import xgboost as xgb\n"
       "    dtr, dva = xgb.DMatrix(X_train, y_train), xgb.DMatrix(X_valid, y_valid)\n"
       "    p = {'objective': 'multi:softprob', 'num_class': 10, 'eta': 0.1, 'max_depth': 6,\n"
       "         'tree_method': 'hist', 'eval_metric': 'mlogloss', 'verbosity': 0}\n"
       "    ev = {}\n"
       "    b = xgb.train(p, dtr, 200, evals=[(dtr, 'train'), (dva, 'valid')], evals_result=ev, verbose_eval=False)\n"
       "    value = metrics.log_loss(y_valid, b.predict(dva), labels=list(range(10)))"},
      {"xgboost_reg", "xgboost", "diabetes", "progression", T::kRegression, "rmse",
       {{"num_boost_round", 100}, {"eta", 0.05}, {"max_depth", 3}, {"checkpoint_every", 1000}},
       "    import xgboost as xgb\n"
       "    dtr, dva = xgb.DMatrix(X_train, y_train), xgb.DMatrix(X_valid, y_valid)\n"
       "    p = {'objective': 'reg:squarederror', 'eta': 0.05, 'max_depth': 3, 'tree_method': 'hist',\n"
       "         'eval_metric': 'rmse', 'verbosity': 0}\n"
       "    ev = {}\n"
       "    b = xgb.train(p, dtr, 100, evals=[(dtr, 'train'), (dva, 'valid')], evals_result=ev, verbose_eval=False)\n"
       "    value = metrics.mean_squared_error(y_valid, b.predict(dva)) ** 0.5"},
      {"mlp", "mlp", "digits", "digit", T::kClassification, "accuracy",
       {{"layers", 2}, {"width", 64}, {"epochs", 30}, {"lr", 0.001}, {"batch_size", 64}},
       "    import torch\n"
       "    torch.manual_seed(0)\n"
       "    mu, sd = X_train.mean(0), X_train.std(0); sd[sd < 1e-12] = 1\n"
       "    xt = torch.tensor((X_train - mu) / sd, dtype=torch.float32); yt = torch.tensor(y_train, dtype=torch.long)\n"
       "    xv = torch.tensor((X_valid - mu) / sd, dtype=torch.float32)\n"
       "    net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))\n"
       "    opt = torch.optim.Adam(net.parameters(), lr=1e-3)\n"
       "    for epoch in range(30):\n"
       "        perm = torch.randperm(len(xt))\n"
       "        for i in range(0, len(xt), 64):\n"
       "            idx = perm[i:i+64]; opt.zero_grad(); loss = torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx]); loss.backward(); opt.step()\n"
       "        with torch.no_grad(): pv = net(xv).softmax(1).numpy()\n"
       "    value = metrics.accuracy_score(y_valid, pv.argmax(1))"},
  };
  fs::path dir = fs::temp_directory_path() / fmt::format("greentune-parity-{}", ::getpid());
  fs::create_directories(dir);
  fmt::print("trainer parity: best of {} runs; same split (validation quarter, seed 1); Python "
             "times fit + per-step evaluation after loading\n",
             repeats);
  constexpr const char* kRow = "{:<12} {:<14} {:>12} {:>12} {:>10} {:>10} {:>9} {:>10} {:>9}\n";
  fmt::print(kRow, "case", "metric", "greentune", "python", "gt s", "python s", "py/gt", "trial s", "overhead");
  for (const Case& c : cases) {
    Bare bare = bare_runs(c, repeats, dir);
    double trial = 1e9;
    for (int r = 0; r < repeats; ++r) trial = std::min(trial, trial_seconds(c, dir, r));
    auto table = data::read_csv(spec_of(c).data->path, {c.target, c.task, {}});
    auto folds = data::make_folds(*table, 0.25, 0, 1);
    nlohmann::json py = python_run(c, folds[0], repeats, dir);
    std::string py_value = "-", py_s = "-", ratio = "-";
    if (py.contains("value")) {
      py_value = fmt::format("{:.4f}", py["value"].get<double>());
      py_s = fmt::format("{:.4f}", py["seconds"].get<double>());
      ratio = fmt::format("{:.2f}", py["seconds"].get<double>() / bare.seconds);
    } else {
      std::string why = py.value("error", std::string("?"));
      py_value = why.find("No module named 'torch'") != std::string::npos ? "no torch" : "error";
      if (py_value == "error") fmt::print(stderr, "{}: python: {}\n", c.name, why);
    }
    fmt::print(kRow, c.name, c.metric, fmt::format("{:.4f}", bare.value), py_value,
               fmt::format("{:.4f}", bare.seconds), py_s, ratio, fmt::format("{:.4f}", trial),
               fmt::format("{:.1f}%", 100.0 * (trial - bare.seconds) / bare.seconds));
  }
  fmt::print("py/gt > 1: greentune faster.  overhead: a stored, metered trial against the trainer alone.\n");
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
