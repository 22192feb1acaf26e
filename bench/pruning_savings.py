#!/usr/bin/python3
"""Pruning savings: what stopping trials early saves on the SGD example.

Runs the same tuning study (bench/pruning_sgd.toml: examples/sgd/train_sgd.py, 40
epochs a trial, TPE) with greentune's pruners none, median and asha, for several seeds,
and the same workload driven by Optuna 3.1 (Debian's python3-optuna) with NopPruner,
MedianPruner and SuccessiveHalvingPruner, side by side.  The arm
asha:resource=data_fraction (greentune only) tries small experiments first: each trial
trains all its epochs on 1/27 of the data, then 3/27, 9/27 and all of it, ASHA deciding
between the stages.

Every arm of a seed gets the same energy: what `--trials` unpruned trials spent (the
"none" arm runs that many; the others run until they have spent as much, as a study with
[budget] max_energy_kwh does), so pruning shows as more trials for the same energy.  For
each run it reads, in the order trials finished: the CPU-seconds and kWh spent until a
complete trial first reached the target, how many trials that took, and the best value
at the end.  greentune's figures come from its storage (the energy its meter charged
each trial, their CPU time from /proc and wait4) and `greentune report --json` (totals,
and its own estimate of what pruning saved).  Optuna has no meter: its trials run as the
same program (a subprocess per trial, reporting on stdout; pruning sends SIGTERM as
greentune does), their CPU time comes from wait4, their budget is the CPU-seconds of its
own none arm, and their kWh are estimated at the joules per CPU-second greentune's meter
measured for the same program in the same run of this script.

The example's data is small enough that starting Python costs more than an epoch, which
no real training job looks like.  By default each row is used 32 times, jittered
(--augment), and the batch sizes are 32 times the example's: a data set 32 times larger
with batches in proportion, so an epoch makes as many SGD updates as on the example's
data (the learning curves keep their shape: with the batch sizes unchanged, 32x the
updates per epoch would make every configuration converge within a few epochs and
leave nothing to tune) and costs ~75 ms of CPU, against ~0.4 s to start Python and
load the data.

  /usr/bin/python3 bench/pruning_savings.py [build/greentune] [--seeds 1,2,3]
      [--trials 30] [--epochs 40] [--target auto|0.041] [--json] [--no-optuna]

Takes about 6 minutes a seed with the defaults (most of it greentune's and Optuna's per-trial
overhead, not training).
"""

import argparse
import json
import math
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SGD_DIR = os.path.join(ROOT, "examples", "sgd")
STUDY_FILE = os.path.join(HERE, "pruning_sgd.toml")
JOULES_PER_KWH = 3.6e6

KINDS = ("none", "median", "asha", "hyperband")


def parse_arm(text):
    """"asha" or "asha:min_resource=3:reduction_factor=2" -> ("asha", {options})."""
    kind, *options = text.split(":")
    if kind not in KINDS:
        sys.exit(f"unknown pruner {kind!r}; accepted: {', '.join(KINDS)}")
    values = {}
    for option in options:
        key, _, value = option.partition("=")
        try:
            values[key] = float(value) if "." in value else int(value)
        except ValueError:
            values[key] = value  # resource=data_fraction
    return kind, values


def staged(arm):
    """Whether an arm runs its trials in stages over data fractions (greentune only)."""
    return parse_arm(arm)[1].get("resource") == "data_fraction"


def pruner_section(arm):
    """The [pruner] section of an arm ("" for none)."""
    kind, options = parse_arm(arm)
    if kind == "none":
        return ""
    lines = [f'kind = "{kind}"'] + [
        f"{key} = {json.dumps(value) if isinstance(value, str) else repr(value)}"
        for key, value in options.items()]
    return "[pruner]\n" + "\n".join(lines) + "\n"


# --- greentune ------------------------------------------------------------------------

def augmented_data(path, copies, seed=7):
    """examples/data/breast_cancer.csv with each row `copies` times, features jittered by
    10% of their standard deviation: the same problem, an epoch `copies` times longer."""
    import csv
    import random

    src = os.path.join(ROOT, "examples", "data", "breast_cancer.csv")
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    label = header.index("target")
    columns = list(zip(*[[float(v) for v in r] for r in body]))
    sds = [statistics.pstdev(c) for c in columns]
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        for r in body:
            for _ in range(copies):
                out.writerow([v if i == label else repr(float(v) + rng.gauss(0.0, 0.1 * sds[i]))
                              for i, v in enumerate(r)])
    return path


BATCH_SIZES = (8, 16, 32, 64)  # the example's choices; times --augment here


def batch_sizes(augment):
    return [b * max(1, augment) for b in BATCH_SIZES]


def study_text(template, name, seed, trials, epochs, python, data, augment, max_kwh=None,
               data_fraction=False):
    """bench/pruning_sgd.toml with this run's name, seed, trials, epochs, interpreter, data,
    batch sizes and energy budget (and the {data_fraction} argument for a staged arm)."""
    text = re.sub(r'(?m)^name = ".*"$', f'name = "{name}"', template)
    text = re.sub(r"(?m)^seed = \d+$", f"seed = {seed}", text)
    budget = f"max_trials = {trials}"
    if max_kwh is not None:
        budget += f"\nmax_energy_kwh = {max_kwh!r}"
    text = re.sub(r"(?m)^max_trials = \d+$", budget, text)
    text = re.sub(r"(?m)^max_steps = \d+$", f"max_steps = {epochs}", text)
    text = text.replace("choices = [8, 16, 32, 64]", f"choices = {batch_sizes(augment)}")
    fraction = ', "--data-fraction", "{data_fraction}"' if data_fraction else ""
    text = text.replace('"--epochs", "40"',
                        f'"--epochs", "{epochs}", "--data", {json.dumps(data)}{fraction}')
    text = text.replace('command = ["python3"', f"command = [{json.dumps(python)}")
    text = re.sub(r'(?m)^cwd = ".*$', f"cwd = {json.dumps(SGD_DIR)}", text)
    return text


def cpu_seconds(samples):
    """A trial's CPU-seconds from its samples in order: cumulative within one run of its
    program, from zero again in the next (a staged trial's next stage, a resumed attempt),
    so the sum of each run's last."""
    total = last = 0.0
    for cpu in samples:
        if cpu < last:
            total += last
        last = cpu
    return total + last


def trial_rows(db_path, study_name):
    """Per trial, in the order they finished: number, state, value, finished, joules, cpu_s."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            """SELECT t.id, t.number, t.state, t.value, t.finished,
                      (SELECT COALESCE(SUM(e.joules), 0) FROM trial_energy e
                        WHERE e.trial_id = t.id)
                 FROM trials t JOIN studies st ON st.id = t.study_id
                WHERE st.name = ? AND t.finished IS NOT NULL
                ORDER BY t.finished, t.number""",
            (study_name,)).fetchall()
        cpu = {r[0]: cpu_seconds([s[0] for s in con.execute(
            "SELECT cpu_user_s + cpu_system_s FROM system_samples WHERE trial_id = ? ORDER BY id",
            (r[0],))]) for r in rows}
    finally:
        con.close()
    return [{"number": r[1], "state": r[2], "value": r[3], "joules": r[5] or 0.0,
             "cpu_s": cpu[r[0]]} for r in rows]


def run_greentune(binary, template, pruner, seed, args, workdir, max_kwh=None):
    """One study; with max_kwh, up to 10x the trials until it has spent that much."""
    name = "sgd-{}-s{}".format(re.sub(r"[^A-Za-z0-9]+", "-", pruner), seed)
    path = os.path.join(workdir, f"{name}.toml")
    trials = args.trials if max_kwh is None else 10 * args.trials
    with open(path, "w", encoding="utf-8") as f:
        f.write(study_text(template, name, seed, trials, args.epochs, args.python,
                           args.data, args.augment, max_kwh, staged(pruner)))
        f.write("\n" + pruner_section(pruner))
    db = os.path.join(workdir, f"{name}.db")
    storage = f"sqlite:///{db}" if db.startswith("/") else f"sqlite:///./{db}"
    t0 = time.time()
    tune = subprocess.run([binary, "tune", path, "--storage", storage, "--json"],
                          capture_output=True, text=True, cwd=workdir)
    wall = time.time() - t0
    if tune.returncode != 0:
        sys.exit(f"greentune tune {path} failed ({tune.returncode}):\n{tune.stderr[-2000:]}")
    report = subprocess.run([binary, "report", "--study", name, "--storage", storage, "--json"],
                            capture_output=True, text=True, cwd=workdir, check=True)
    summary = json.loads(report.stdout)
    rows = trial_rows(db, name)
    result = summarise(rows)
    result.update(tool="greentune", pruner=pruner, seed=seed, wall_s=wall,
                  report_kwh=summary["energy"]["kwh"],
                  report_cpu_s=summary["cpu_hours"] * 3600.0,
                  stopped_because=summary.get("stopped_because"),
                  saved_kwh=(summary.get("saved") or {}).get("kwh"),
                  energy_sources=summary["energy"]["sources"])
    return result


# --- Optuna ---------------------------------------------------------------------------

def run_optuna(pruner, seed, args, workdir, max_cpu_s=None):
    """One study; with max_cpu_s, up to 10x the trials until they have used that much."""
    import optuna  # Debian's python3-optuna 3.1

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    kind, options = parse_arm(pruner)
    if kind == "none":
        made = optuna.pruners.NopPruner()
    elif kind == "median":
        made = optuna.pruners.MedianPruner(**options)
    elif kind == "asha":
        # greentune's defaults: min_resource 1, reduction_factor 3.
        made = optuna.pruners.SuccessiveHalvingPruner(
            **{"min_resource": 1, "reduction_factor": 3, **options})
    else:
        made = optuna.pruners.HyperbandPruner(
            **{"min_resource": 1, "max_resource": args.epochs, "reduction_factor": 3, **options})
    study = optuna.create_study(direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=seed),
                                pruner=made)
    rows = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTUNE_")}
    spent = 0.0
    for number in range(args.trials if max_cpu_s is None else 10 * args.trials):
        if max_cpu_s is not None and spent >= max_cpu_s:
            break
        trial = study.ask()
        lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
        l2 = trial.suggest_float("l2", 1e-6, 1e-1, log=True)
        batch_size = trial.suggest_categorical("batch_size", batch_sizes(args.augment))
        env["GREENTUNE_CHECKPOINT_DIR"] = os.path.join(workdir, f"optuna-{pruner}-{seed}",
                                                       f"trial-{number}")
        child = subprocess.Popen(
            [args.python, "train_sgd.py", "--lr", repr(lr), "--l2", repr(l2),
             "--batch-size", str(batch_size), "--epochs", str(args.epochs),
             "--data", args.data],
            cwd=SGD_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        pruned = False
        final = None
        for line in child.stdout:
            record = json.loads(line)
            if "step" in record:
                trial.report(record["metrics"]["val_loss"], record["step"])
                if not pruned and trial.should_prune():
                    pruned = True
                    child.send_signal(signal.SIGTERM)
            elif "final" in record:
                final = record["final"]["val_loss"]
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        cpu_s = usage.ru_utime + usage.ru_stime
        spent += cpu_s
        if pruned or final is None:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            state, value = "pruned", None
        else:
            study.tell(trial, final)
            state, value = "complete", final
        rows.append({"number": number, "state": state, "value": value, "joules": None,
                     "cpu_s": cpu_s})
    result = summarise(rows)
    result.update(tool="optuna", pruner=pruner, seed=seed)
    return result


# --- figures --------------------------------------------------------------------------

def summarise(rows):
    """Totals and, after each trial in the order they finished, the CPU-seconds and kWh
    spent so far and the best complete value so far."""
    cpu = joules = 0.0
    best = None
    trace = []
    for r in rows:
        cpu += r["cpu_s"]
        joules += r["joules"] or 0.0
        if r["state"] == "complete" and r["value"] is not None \
                and (best is None or r["value"] < best):
            best = r["value"]
        trace.append([round(cpu, 4), joules / JOULES_PER_KWH, best])
    return {
        "trials": len(rows),
        "pruned": sum(r["state"] == "pruned" for r in rows),
        "cpu_s": cpu,
        "kwh": joules / JOULES_PER_KWH,
        "best": best,
        "trace": trace,
    }


def to_target(run, target):
    """Trials, CPU-seconds and kWh until a complete trial first reached the target."""
    for i, (cpu_s, kwh, best) in enumerate(run["trace"]):
        if best is not None and best <= target:
            return {"trials": i + 1, "cpu_s": cpu_s, "kwh": kwh}
    return None


def auto_target(results):
    """The median over seeds of the best greentune's none arm found."""
    bests = [r["best"] for r in results if r["tool"] == "greentune" and r["pruner"] == "none"
             and r["best"] is not None]
    bests = bests or [r["best"] for r in results if r["pruner"] == "none" and r["best"]]
    return statistics.median(bests) if bests else None


def estimate_optuna_kwh(results):
    """Optuna's kWh at greentune's measured joules per CPU-second (same program, same run)."""
    gt = [r for r in results if r["tool"] == "greentune" and r["cpu_s"] > 0]
    if not gt:
        return None
    j_per_cpu_s = sum(r["kwh"] for r in gt) * JOULES_PER_KWH / sum(r["cpu_s"] for r in gt)
    for r in results:
        if r["tool"] != "optuna":
            continue
        r["kwh"] = r["cpu_s"] * j_per_cpu_s / JOULES_PER_KWH
        r["kwh_estimated"] = True
        for point in r["trace"]:
            point[1] = point[0] * j_per_cpu_s / JOULES_PER_KWH
    return j_per_cpu_s


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def table(results, target):
    for r in results:
        r["to_target"] = to_target(r, target)
    groups = {}
    for r in results:
        groups.setdefault((r["tool"], r["pruner"]), []).append(r)
    rows = []
    baseline = {}
    for (tool, pruner), runs in groups.items():
        reached = [r for r in runs if r["to_target"]]
        to_kwh = [r["to_target"]["kwh"] for r in reached]
        row = {
            "tool": tool, "pruner": pruner, "seeds": len(runs), "reached": len(reached),
            "trials_to_target": median_or_none([r["to_target"]["trials"] for r in reached]),
            "cpu_s_to_target": median_or_none([r["to_target"]["cpu_s"] for r in reached]),
            "kwh_to_target": median_or_none(to_kwh),
            # Sum over seeds (a seed that never reached the target counts all it spent).
            "kwh_to_target_total": sum(r["to_target"]["kwh"] if r["to_target"] else r["kwh"]
                                       for r in runs),
            "best_median": median_or_none([r["best"] for r in runs]),
            "best_mean": statistics.fmean([r["best"] for r in runs if r["best"] is not None])
            if any(r["best"] is not None for r in runs) else None,
            "best_stdev": statistics.stdev([r["best"] for r in runs if r["best"] is not None])
            if sum(r["best"] is not None for r in runs) > 1 else None,
            "trials_run": median_or_none([r["trials"] for r in runs]),
            "pruned_share": sum(r["pruned"] for r in runs) / max(1, sum(r["trials"] for r in runs)),
            "cpu_s_total": sum(r["cpu_s"] for r in runs),
            "kwh_total": sum(r["kwh"] for r in runs),
            "saved_kwh": sum(r.get("saved_kwh") or 0.0 for r in runs) if tool == "greentune"
            else None,
        }
        if pruner == "none":
            baseline[tool] = row
        rows.append(row)
    for row in rows:
        base = baseline.get(row["tool"])
        row["energy_to_target_vs_none"] = (
            base["kwh_to_target_total"] / row["kwh_to_target_total"]
            if base and row["kwh_to_target_total"] > 0 else None)
    return rows


def print_table(rows, args, target, j_per_cpu_s):
    def f(v, spec):
        return "-" if v is None else format(v, spec)

    print(f"SGD example (data x{args.augment}), {args.epochs} epochs a trial, TPE, seeds "
          f"{args.seeds}; each arm gets the energy of {args.trials} unpruned trials; target "
          f"val_loss <= {target:.5g}"
          f"{' (auto: the median best of none)' if args.target == 'auto' else ''}")
    print("to target (trials, CPU-s, kWh): median over the seeds that reached it; x less: "
          "energy until the target summed over seeds (all of a run's when it never got "
          "there), none / this")
    w = max([8] + [len(r["pruner"]) + 2 for r in rows])
    header = (f"{'tool':<10}{'pruner':<{w}}{'reached':>8}{'trials':>8}{'CPU-s':>8}"
              f"{'kWh':>11}{'x less':>8}{'best (median)':>15}{'best sd':>9}{'run':>6}"
              f"{'pruned':>8}{'total kWh':>11}{'saved kWh':>11}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['tool']:<10}{r['pruner']:<{w}}{r['reached']:>5}/{r['seeds']:<2}"
              f"{f(r['trials_to_target'], '.1f'):>8}{f(r['cpu_s_to_target'], '.2f'):>8}"
              f"{f(r['kwh_to_target'], '.3g'):>11}{f(r['energy_to_target_vs_none'], '.2f'):>8}"
              f"{f(r['best_median'], '.5f'):>15}{f(r['best_stdev'], '.5f'):>9}"
              f"{f(r['trials_run'], '.0f'):>6}{r['pruned_share']:>8.0%}"
              f"{f(r['kwh_total'], '.3g'):>11}{f(r['saved_kwh'], '.3g'):>11}")
    if j_per_cpu_s is not None:
        print(f"optuna kWh are estimated at greentune's measured {j_per_cpu_s:.3g} J per "
              "CPU-second for the same program; saved kWh is greentune's own estimate "
              "(report --json \"saved\")")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("greentune", nargs="?", default=os.path.join(ROOT, "build", "greentune"))
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--trials", type=int, default=30,
                   help="trials of the none arm; the others get the energy these spent")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--target", default="auto",
                   help="val_loss to reach; auto: the median over seeds of the best greentune's "
                        "none arm found")
    p.add_argument("--pruners", default="none,median,asha",
                   help="arms: none, median, asha, hyperband, each with options as in "
                        "asha:min_resource=3:reduction_factor=2; asha:resource=data_fraction "
                        "runs greentune's trials in stages over shares of the data (small "
                        "experiments first; no Optuna arm)")
    p.add_argument("--python", default=sys.executable,
                   help="the interpreter that runs train_sgd.py (both sides)")
    p.add_argument("--augment", type=int, default=32,
                   help="copies of each data row (jittered), and batch sizes this many times "
                        "the example's: an epoch this many times longer, as epochs are in "
                        "real work, with as many updates; 1: the example's data")
    p.add_argument("--no-optuna", action="store_true")
    p.add_argument("--no-greentune", action="store_true",
                   help="run only the Optuna arms (e.g. beside a --no-optuna run; join the "
                        "two outputs with --from-json a.json,b.json)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--keep", help="keep the study files and databases in this directory")
    p.add_argument("--from-json", help="tabulate the runs of earlier --json outputs again "
                                       "(e.g. at another --target; several, comma-separated, "
                                       "are joined) instead of running")
    args = p.parse_args()
    args.seeds = [int(s) for s in args.seeds.split(",")]
    pruners = args.pruners.split(",")
    for arm in pruners:
        parse_arm(arm)
    binary = os.path.abspath(args.greentune)
    if args.from_json:
        runs = []
        for path in args.from_json.split(","):
            with open(path, encoding="utf-8") as f:
                earlier = json.load(f)
            for key in ("epochs", "trials", "augment", "seeds"):
                setattr(args, key, earlier["settings"][key])
            runs += earlier["runs"]
        # Optuna's kWh again, at the joules per CPU-second of all greentune runs joined.
        report(runs, args, estimate_optuna_kwh(runs))
        return
    if not os.access(binary, os.X_OK):
        sys.exit(f"no greentune binary at {binary}; build it or pass its path")
    with open(STUDY_FILE, encoding="utf-8") as f:
        template = f.read()
    workdir = args.keep or tempfile.mkdtemp(prefix="greentune-pruning-bench-")
    os.makedirs(workdir, exist_ok=True)
    args.data = (os.path.join(ROOT, "examples", "data", "breast_cancer.csv")
                 if args.augment <= 1 else
                 augmented_data(os.path.join(workdir, f"breast_cancer_x{args.augment}.csv"),
                                args.augment))
    results = []
    # "none" first: its energy (CPU-seconds for Optuna) is the budget of the other arms.
    pruners.sort(key=lambda name: name != "none")
    try:
        for seed in args.seeds:
            budget_kwh = budget_cpu_s = None
            for pruner in pruners:
                if not args.no_greentune:
                    r = run_greentune(binary, template, pruner, seed, args, workdir, budget_kwh)
                    results.append(r)
                    print(f"greentune {pruner} seed {seed}: {r['trials']} trials, "
                          f"{r['cpu_s']:.1f} CPU-s, best {r['best']}", file=sys.stderr)
                    if pruner == "none":
                        budget_kwh = r["report_kwh"]
                # Optuna 3.1 has no pruner over data fractions.
                if not args.no_optuna and not staged(pruner):
                    r = run_optuna(pruner, seed, args, workdir, budget_cpu_s)
                    results.append(r)
                    print(f"optuna {pruner} seed {seed}: {r['trials']} trials, "
                          f"{r['cpu_s']:.1f} CPU-s, best {r['best']}", file=sys.stderr)
                    if pruner == "none":
                        budget_cpu_s = r["cpu_s"]
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report(results, args, estimate_optuna_kwh(results))


def report(results, args, j_per_cpu_s):
    target = auto_target(results) if args.target == "auto" else float(args.target)
    if target is None:
        sys.exit("--target auto needs the none arm")
    rows = table(results, target)
    if args.json:
        print(json.dumps({"settings": {"epochs": args.epochs, "trials": args.trials,
                                       "augment": args.augment,
                                       "seeds": args.seeds, "target": target,
                                       "python": args.python,
                                       "optuna_joules_per_cpu_s": j_per_cpu_s},
                          "summary": rows, "runs": results}, indent=1))
    else:
        print_table(rows, args, target, j_per_cpu_s)


if __name__ == "__main__":
    main()
