#!/usr/bin/python3
"""Optuna 3.1 side of greentune's sampler benchmarks.

Run by bench/tuning_efficiency (--optuna) and bench/sampler_overhead (--optuna) with
/usr/bin/python3 and Debian's python3-optuna; prints one JSON object on stdout.

  efficiency: best value so far after each evaluation, for TPESampler() and
              TPESampler(multivariate=True) on the benchmark functions and seeds.
  overhead:   mean ask+tell time per trial of TPESampler() with a 6-D history of N
              finished trials, in memory and on SQLite.

The test functions follow their published definitions (the same as
src/trainers/functions.cpp); their bounds come from the command line so both sides
agree.
"""

import argparse
import json
import math
import os
import sys
import tempfile
import time
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def branin(x):
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    a = x[1] - b * x[0] ** 2 + c * x[0] - 6
    return a * a + 10 * (1 - t) * math.cos(x[0]) + 10


HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2]
HARTMANN_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
HARTMANN_P = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
]


def hartmann6(x):
    total = 0.0
    for i in range(4):
        inner = sum(HARTMANN_A[i][j] * (x[j] - HARTMANN_P[i][j]) ** 2 for j in range(6))
        total += HARTMANN_ALPHA[i] * math.exp(-inner)
    return -total


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


FUNCTIONS = {"branin": branin, "hartmann6": hartmann6, "rosenbrock": rosenbrock}


def make_sampler(name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    raise SystemExit(f"unknown sampler {name}")


def run_efficiency(args):
    problems = json.loads(args.problems)  # [{"name", "function", "bounds": [[lo, hi], ...]}]
    results = []
    for problem in problems:
        f = FUNCTIONS[problem["function"]]
        bounds = problem["bounds"]
        for sampler in args.samplers.split(","):
            for seed in range(args.seeds):
                study = optuna.create_study(sampler=make_sampler(sampler, seed))
                best = []

                def objective(trial):
                    x = [trial.suggest_float(f"x{i + 1}", lo, hi) for i, (lo, hi) in enumerate(bounds)]
                    return f(x)

                study.optimize(objective, n_trials=args.evals)
                running = math.inf
                for t in study.trials:
                    running = min(running, t.value)
                    best.append(running)
                results.append({"problem": problem["name"], "sampler": sampler, "seed": seed,
                                "best": best})
    return {"optuna": optuna.__version__, "results": results}


def hartmann_history(study, n, seed):
    """Adds n finished trials at uniform random points (cheaper than sampling them)."""
    import random

    rng = random.Random(seed)
    dists = {f"x{i + 1}": optuna.distributions.FloatDistribution(0.0, 1.0) for i in range(6)}
    trials = []
    for _ in range(n):
        params = {name: rng.random() for name in dists}
        value = hartmann6([params[f"x{i + 1}"] for i in range(6)])
        trials.append(optuna.trial.create_trial(params=params, distributions=dists, value=value))
    study.add_trials(trials)


def measure(study, count):
    start = time.perf_counter()
    for _ in range(count):
        trial = study.ask()
        x = [trial.suggest_float(f"x{i + 1}", 0.0, 1.0) for i in range(6)]
        study.tell(trial, hartmann6(x))
    return (time.perf_counter() - start) / count * 1000.0


def run_overhead(args):
    rows = []
    for storage_kind in args.storages.split(","):
        for n in [int(s) for s in args.sizes.split(",")]:
            with tempfile.TemporaryDirectory() as tmp:
                storage = None
                if storage_kind == "sqlite":
                    storage = "sqlite:///" + os.path.join(tmp, "optuna.db")
                study = optuna.create_study(storage=storage,
                                            sampler=optuna.samplers.TPESampler(seed=1))
                hartmann_history(study, n, 1)
                ms = measure(study, args.measure)
                rows.append({"storage": storage_kind, "finished": n, "ms_per_trial": ms})
    return {"optuna": optuna.__version__, "rows": rows}


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    eff = sub.add_parser("efficiency")
    eff.add_argument("--problems", required=True)
    eff.add_argument("--samplers", default="tpe,tpe-mv")
    eff.add_argument("--seeds", type=int, default=20)
    eff.add_argument("--evals", type=int, default=200)
    ovh = sub.add_parser("overhead")
    ovh.add_argument("--sizes", default="100,300,1000")
    ovh.add_argument("--storages", default="memory,sqlite")
    ovh.add_argument("--measure", type=int, default=20)
    args = parser.parse_args()
    out = run_efficiency(args) if args.mode == "efficiency" else run_overhead(args)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
