#!/usr/bin/python3
"""Pruning savings on the built-in XGBoost trainer: what ASHA saves against no pruning.

The same tuning study (XGBoost on a shipped dataset, --rounds boosting rounds a trial,
TPE) runs with [pruner] kind none and asha, for several seeds, in greentune (the
xgboost trainer, in process, metered) and in Optuna 3.1 (Debian's python3-optuna) and
Optuna 5.0 (a source checkout, --optuna5 DIR) on xgboost's Python package with
NopPruner and SuccessiveHalvingPruner (the same rungs: --min-resource, 10 by default,
reduction factor 3), all in this script's run.

Every arm of a seed gets the same energy: what --trials unpruned trials spent (the none
arm runs that many; the asha arm runs until it has spent as much, as [budget]
max_energy_kwh does).  For each run, in the order trials finished: the energy spent
until a complete trial first reached the target, and the best value at the end.  Each
tool's target is the median over seeds of its own none arm's best (the validation rows
are each tool's own split).  greentune's
energy is its meter's (per trial, from its storage); Optuna has no meter, so its trials'
CPU-seconds (time.process_time, all threads) are converted at the joules per CPU-second
greentune's meter charged in the same run of this script.

  /usr/bin/python3 bench/pruning_savings_xgb.py [build/greentune] [--seeds 1,2,3,4,5]
      [--trials 30] [--rounds 200] [--dataset digits] [--optuna5 /work/optuna5] [--json]
"""
import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

JOULES_PER_KWH = 3.6e6
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATASETS = {  # file, target column, metric (minimised)
    "digits": ("digits.csv", "digit", "log_loss"),
    "breast_cancer": ("breast_cancer.csv", "diagnosis", "log_loss"),
    "wine": ("wine.csv", "cultivar", "log_loss"),
}
SPACE = """
eta              = { type = "float", low = 0.01, high = 0.3, log = true }
max_depth        = { type = "int", low = 2, high = 10 }
min_child_weight = { type = "float", low = 0.1, high = 10.0, log = true }
subsample        = { type = "float", low = 0.5, high = 1.0 }
colsample_bytree = { type = "float", low = 0.3, high = 1.0 }
"""


def study_text(name, seed, args, trials, max_kwh, pruner):
    file, target, metric = DATASETS[args.dataset]
    budget = f"max_trials = {trials}"
    if max_kwh is not None:
        budget += f"\nmax_energy_kwh = {max_kwh!r}"
    text = f"""[study]
name = "{name}"
direction = "minimize"
metric = "{metric}"

[budget]
{budget}

[search]
sampler = "tpe"
seed = {seed}

[search.space]
{SPACE}
[trial]
trainer = "xgboost"

[trainer]
num_boost_round = {args.rounds}

[data]
path = "{os.path.join(ROOT, 'data', 'datasets', file)}"
target = "{target}"
task = "classification"
split = 0.25
seed = 1
"""
    if pruner == "asha":
        text += (f"\n[pruner]\nkind = \"{args.kind}\"\nmin_resource = {args.min_resource}\n"
                 f"max_resource = {args.rounds}\nreduction_factor = 3\n")
    return text


def trial_rows(db, name):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            """SELECT t.state, t.value,
                      (SELECT COALESCE(SUM(e.joules), 0) FROM trial_energy e WHERE e.trial_id = t.id)
                 FROM trials t JOIN studies s ON s.id = t.study_id
                WHERE s.name = ? AND t.finished IS NOT NULL ORDER BY t.finished, t.number""",
            (name,)).fetchall()
    finally:
        con.close()
    return [{"state": r[0], "value": r[1], "joules": r[2] or 0.0} for r in rows]


def summarise(rows):
    joules, best, trace = 0.0, None, []
    for r in rows:
        joules += r["joules"]
        if r["state"] == "complete" and r["value"] is not None and (best is None or r["value"] < best):
            best = r["value"]
        trace.append((joules / JOULES_PER_KWH, best))
    return {"trials": len(rows), "pruned": sum(r["state"] == "pruned" for r in rows),
            "kwh": joules / JOULES_PER_KWH, "best": best, "trace": trace}


def run_greentune(binary, pruner, seed, args, workdir, max_kwh=None):
    name = f"xgb-{pruner}-s{seed}"
    path = os.path.join(workdir, name + ".toml")
    trials = args.trials if max_kwh is None else 20 * args.trials
    with open(path, "w", encoding="utf-8") as f:
        f.write(study_text(name, seed, args, trials, max_kwh, pruner))
    db = os.path.join(workdir, name + ".db")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    tune = subprocess.run([binary, "tune", path, "--storage", "sqlite:///" + db, "--json", "-q",
                           "--runs-dir", os.path.join(workdir, "runs")],
                          capture_output=True, text=True)
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if tune.returncode != 0:
        sys.exit(f"greentune tune {path} failed ({tune.returncode}):\n{tune.stderr[-2000:]}")
    result = summarise(trial_rows(db, name))
    result.update(tool="greentune", pruner=pruner, seed=seed, wall_s=wall,
                  cpu_s=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
                  sources=json.loads(tune.stdout)["energy"]["sources"])
    return result


# --- Optuna, in a child interpreter per version ------------------------------------------

OPTUNA_CHILD = r'''
import json, sys, time
import numpy as np, pandas as pd, xgboost as xgb, optuna
from sklearn.model_selection import train_test_split
optuna.logging.set_verbosity(optuna.logging.WARNING)
a = json.loads(sys.argv[1])
df = pd.read_csv(a["data"])
y = df[a["target"]].astype("category").cat.codes.values
X = df.drop(columns=[a["target"]]).values.astype(np.float32)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, stratify=y, random_state=1)
k = int(y.max()) + 1
dtr, dva = xgb.DMatrix(Xtr, ytr), xgb.DMatrix(Xva, yva)
rows = []
spent = [0.0]

class Report(xgb.callback.TrainingCallback):
    def __init__(self, trial):
        self.trial = trial
    def after_iteration(self, model, epoch, evals_log):
        loss = evals_log["valid"]["mlogloss" if k > 2 else "logloss"][-1]
        self.trial.report(loss, epoch + 1)
        return self.trial.should_prune()   # True stops training

def objective(trial):
    p = {"objective": "multi:softprob" if k > 2 else "binary:logistic", "tree_method": "hist",
         "eta": trial.suggest_float("eta", 0.01, 0.3, log=True),
         "max_depth": trial.suggest_int("max_depth", 2, 10),
         "min_child_weight": trial.suggest_float("min_child_weight", 0.1, 10.0, log=True),
         "subsample": trial.suggest_float("subsample", 0.5, 1.0),
         "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
         "eval_metric": "mlogloss" if k > 2 else "logloss", "verbosity": 0}
    if k > 2:
        p["num_class"] = k
    t0 = time.process_time()
    evals = {}
    cb = Report(trial)
    b = xgb.train(p, dtr, a["rounds"], evals=[(dva, "valid")], evals_result=evals,
                  verbose_eval=False, callbacks=[cb])
    cpu = time.process_time() - t0
    spent[0] += cpu
    loss = evals["valid"][p["eval_metric"]][-1]
    done = len(evals["valid"][p["eval_metric"]])
    pruned = done < a["rounds"]
    rows.append({"state": "pruned" if pruned else "complete", "value": None if pruned else loss,
                 "cpu_s": cpu})
    if pruned:
        raise optuna.TrialPruned()
    return loss

pruner = (optuna.pruners.SuccessiveHalvingPruner(min_resource=a["min_resource"], reduction_factor=3)
          if a["pruner"] == "asha" else optuna.pruners.NopPruner())
study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=a["seed"]),
                            pruner=pruner)
budget = a.get("max_cpu_s")
n = a["trials"] if budget is None else 20 * a["trials"]
for _ in range(n):
    if budget is not None and spent[0] >= budget:
        break
    study.optimize(objective, n_trials=1)
print(json.dumps({"version": optuna.__version__, "rows": rows}))
'''


def run_optuna(pythonpath, pruner, seed, args, max_cpu_s=None):
    file, target, _ = DATASETS[args.dataset]
    spec = {"data": os.path.join(ROOT, "data", "datasets", file), "target": target,
            "rounds": args.rounds, "trials": args.trials, "seed": seed, "pruner": pruner,
            "min_resource": args.min_resource,
            "max_cpu_s": max_cpu_s}
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    t0 = time.time()
    child = subprocess.run(["/usr/bin/python3", "-c", OPTUNA_CHILD, json.dumps(spec)],
                           capture_output=True, text=True, env=env)
    if child.returncode != 0:
        return None, child.stderr[-1500:]
    out = json.loads(child.stdout)
    rows = out["rows"]
    cpu, best, trace = 0.0, None, []
    for r in rows:
        cpu += r["cpu_s"]
        if r["state"] == "complete" and (best is None or r["value"] < best):
            best = r["value"]
        trace.append((cpu, best))
    return {"tool": "optuna " + out["version"], "pruner": pruner, "seed": seed, "wall_s": time.time() - t0,
            "trials": len(rows), "pruned": sum(r["state"] == "pruned" for r in rows),
            "cpu_s": cpu, "best": best, "cpu_trace": trace}, None


def to_target(trace, target):
    for i, (spent, best) in enumerate(trace):
        if best is not None and best <= target:
            return i + 1, spent
    return None, None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("binary", nargs="?", default=os.path.join(ROOT, "build", "greentune"))
    p.add_argument("--seeds", default="1,2,3,4,5")
    p.add_argument("--trials", type=int, default=30)
    p.add_argument("--rounds", type=int, default=200)
    p.add_argument("--dataset", default="digits", choices=sorted(DATASETS))
    p.add_argument("--kind", default="asha", choices=["asha", "hyperband"],
                   help="greentune's pruner for the pruned arm (Optuna's stays SuccessiveHalving)")
    p.add_argument("--min-resource", type=int, default=10,
                   help="ASHA's first rung, in rounds (rungs at r, 3r, 9r, ...)")
    p.add_argument("--optuna5", default="/work/optuna5",
                   help="an Optuna 5.0 source tree (git archive v5.0.0-rc1); '' to skip")
    p.add_argument("--no-optuna", action="store_true")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="greentune-prune-xgb-") as work:
        for seed in seeds:
            none = run_greentune(args.binary, "none", seed, args, work)
            asha = run_greentune(args.binary, "asha", seed, args, work, max_kwh=none["kwh"])
            results += [none, asha]
            print(f"seed {seed}: greentune none {none['trials']} trials {none['kwh']:.3g} kWh best "
                  f"{none['best']:.4f}; asha {asha['trials']} trials ({asha['pruned']} pruned) "
                  f"best {asha['best']:.4f}", file=sys.stderr)
    gt = [r for r in results if r["tool"] == "greentune"]
    j_per_cpu_s = sum(r["kwh"] for r in gt) * JOULES_PER_KWH / max(sum(r["cpu_s"] for r in gt), 1e-9)
    optuna_versions = [] if args.no_optuna else [("", "3.1")] + ([(args.optuna5, "5.0")] if args.optuna5 else [])
    notes = []
    for path, label in optuna_versions:
        for seed in seeds:
            none, err = run_optuna(path, "none", seed, args)
            if none is None:
                notes.append(f"optuna {label}: not run ({err.strip().splitlines()[-1] if err else '?'})")
                break
            asha, err = run_optuna(path, "asha", seed, args, max_cpu_s=none["cpu_s"])
            for r in (none, asha):
                r["kwh"] = r["cpu_s"] * j_per_cpu_s / JOULES_PER_KWH
                r["trace"] = [(c * j_per_cpu_s / JOULES_PER_KWH, b) for c, b in r.pop("cpu_trace")]
            results += [none, asha]
    # Each tool's target is the median of its own none arm's bests: its validation rows
    # are its own split (greentune's stratified split, scikit-learn's in Python), so log
    # losses are comparable within a tool, not across.
    targets = {}
    for tool in dict.fromkeys(r["tool"] for r in results):
        bests = [r["best"] for r in results if r["tool"] == tool and r["pruner"] == "none" and r["best"]]
        targets[tool] = statistics.median(bests) if bests else None
    target = targets["greentune"]
    rows = []
    for tool in dict.fromkeys(r["tool"] for r in results):
        target = targets[tool]
        for seed in seeds:
            arms = {r["pruner"]: r for r in results if r["tool"] == tool and r["seed"] == seed}
            if len(arms) < 2:
                continue
            n_none, e_none = to_target(arms["none"]["trace"], target)
            n_asha, e_asha = to_target(arms["asha"]["trace"], target)
            rows.append({"tool": tool, "seed": seed, "target": targets[tool],
                         "none_kwh_to_target": e_none, "asha_kwh_to_target": e_asha,
                         "ratio": (e_asha / e_none) if e_none and e_asha else None,
                         "none_best": arms["none"]["best"], "asha_best": arms["asha"]["best"],
                         "none_trials": arms["none"]["trials"], "asha_trials": arms["asha"]["trials"],
                         "asha_pruned": arms["asha"]["pruned"]})
    if args.json:
        print(json.dumps({"targets": targets, "j_per_cpu_s": j_per_cpu_s, "rows": rows, "notes": notes,
                          "energy_sources": gt[0]["sources"]}, indent=1))
        return
    print(f"pruning savings, XGBoost on {args.dataset}: {args.rounds} rounds a trial, ASHA rungs from "
          f"{args.min_resource} rounds, TPE, "
          f"{args.trials} unpruned trials' energy per arm; target {DATASETS[args.dataset][2]} <= the "
          f"median of the tool's none bests ({', '.join(f'{t} {v:.4f}' for t, v in targets.items() if v)}); "
          f"energy sources {gt[0]['sources']}")
    fmt = "{:<14} {:>4} {:>13} {:>13} {:>11} {:>10} {:>10} {:>14}"
    print(fmt.format("tool", "seed", "none kWh->tgt", "asha kWh->tgt", "asha/none", "none best",
                     "asha best", "asha trials"))
    for tool in dict.fromkeys(r["tool"] for r in rows):
        ratios = []
        for r in (x for x in rows if x["tool"] == tool):
            f = lambda v: "-" if v is None else f"{v:.3g}"
            print(fmt.format(tool, r["seed"], f(r["none_kwh_to_target"]), f(r["asha_kwh_to_target"]),
                             f(r["ratio"]), f"{r['none_best']:.4f}" if r["none_best"] else "-",
                             f"{r['asha_best']:.4f}" if r["asha_best"] else "-",
                             f"{r['asha_trials']} ({r['asha_pruned']} pruned)"))
            if r["ratio"] is not None:
                ratios.append(r["ratio"])
        reached = sum(1 for x in rows if x["tool"] == tool and x["asha_kwh_to_target"] is not None)
        # Summed over seeds; a run that never reached the target counts all it spent.
        totals = {"none": 0.0, "asha": 0.0}
        for x in (x for x in results if x["tool"] == tool):
            _, e = to_target(x["trace"], targets[tool])
            totals[x["pruner"]] += e if e is not None else x["kwh"]
        print(f"{tool}: energy to target summed over seeds: none {totals['none']:.3g} kWh, asha "
              f"{totals['asha']:.3g} kWh: asha/none {totals['asha'] / totals['none']:.3f} "
              f"(a run that never reached it counts all it spent)")
        if ratios:
            print(f"{tool}: median asha/none energy to target {statistics.median(ratios):.3f} "
                  f"over {len(ratios)} seeds (asha reached the target in {reached})")
    for n in notes:
        print(n)


if __name__ == "__main__":
    main()
