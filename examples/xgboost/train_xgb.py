#!/usr/bin/env python3
"""Gradient-boosted trees (XGBoost) on the breast cancer data, as a greentune trial.

    python3 train_xgb.py --eta 0.1 --max-depth 4 --rounds 200

Needs the xgboost Python package (Debian: apt-get install python3-xgboost).  Each
hyperparameter comes from its command-line option, else from GREENTUNE_PARAMS, else a
default.  Every boosting round it reports train_logloss, val_logloss and val_auc; every
--checkpoint-every rounds (and when stopped) it saves the booster to the checkpoint
directory, and at start it continues from that booster when its hyperparameters match.
On SIGTERM it saves the booster after the current round and exits with status 0.
"""

import argparse
import csv
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))

import greentune_client as gt  # noqa: E402 (after the path set-up)

try:
    import numpy as np
    import xgboost as xgb
except ImportError as e:
    sys.exit(f"train_xgb.py: {e}; install xgboost (Debian: apt-get install "
             "python3-xgboost) or run it with the Python that has it")

DEFAULTS = {"eta": 0.1, "max_depth": 4, "min_child_weight": 1.0, "subsample": 1.0,
            "colsample_bytree": 1.0, "rounds": 200, "seed": 0}
CHECKPOINT = "xgb_checkpoint.json"
SPLIT_SEED = 2024       # the train/validation split is the same for every trial
VAL_FRACTION = 0.2


def integer(text):
    """An integer written as 16 or 16.0 (as a substituted parameter may be)."""
    value = float(text)
    if value != int(value):
        raise ValueError(f"not an integer: {text}")
    return int(value)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--eta", type=float, help="learning rate (default 0.1)")
    p.add_argument("--max-depth", type=integer, help="tree depth (default 4)")
    p.add_argument("--min-child-weight", type=float, help="(default 1)")
    p.add_argument("--subsample", type=float, help="row fraction per tree (default 1)")
    p.add_argument("--colsample-bytree", type=float, help="column fraction (default 1)")
    p.add_argument("--rounds", type=integer, help="boosting rounds (default 200)")
    p.add_argument("--seed", type=integer, help="seed of the row and column sampling")
    p.add_argument("--nthread", type=integer, default=1,
                   help="threads (default 1: on 569 rows more threads only wait "
                        "for each other)")
    p.add_argument("--checkpoint-every", type=int, default=10, metavar="N",
                   help="save the booster every N rounds (default 10)")
    p.add_argument("--data", default=os.path.join(HERE, "..", "data", "breast_cancer.csv"))
    p.add_argument("--round-delay", type=float, default=0.0,
                   help="seconds to sleep after each round (to watch or stop it)")
    return p.parse_args()


def hyperparameters(args):
    """Command line first, then GREENTUNE_PARAMS, then the defaults."""
    given = gt.params()
    chosen = {}
    for name, default in DEFAULTS.items():
        value = getattr(args, name)
        if value is None:
            value = given.get(name, default)
        chosen[name] = integer(value) if isinstance(default, int) else float(value)
    return chosen


def load_split(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    label = header.index("target")
    xs = np.array([[float(v) for i, v in enumerate(r) if i != label] for r in body])
    ys = np.array([float(r[label]) for r in body])
    order = list(range(len(body)))
    random.Random(SPLIT_SEED).shuffle(order)
    n_val = int(len(order) * VAL_FRACTION)
    val, train = order[:n_val], order[n_val:]
    names = [h for i, h in enumerate(header) if i != label]
    return (xgb.DMatrix(xs[train], label=ys[train], feature_names=names),
            xgb.DMatrix(xs[val], label=ys[val], feature_names=names))


def booster_params(hp, nthread):
    # A list of pairs: the way to give xgboost more than one eval_metric.
    return [("objective", "binary:logistic"), ("eval_metric", "logloss"),
            ("eval_metric", "auc"), ("eta", hp["eta"]), ("max_depth", hp["max_depth"]),
            ("min_child_weight", hp["min_child_weight"]), ("subsample", hp["subsample"]),
            ("colsample_bytree", hp["colsample_bytree"]), ("seed", hp["seed"]),
            ("tree_method", "hist"), ("nthread", nthread)]


def log_loss(p, y):
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def auc(p, y):
    """Area under the ROC curve: the chance that a positive outranks a negative."""
    pos, neg = p[y == 1], p[y == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def save_checkpoint(booster, path, hp):
    booster.set_attr(greentune_hyperparameters=json.dumps(hp, sort_keys=True))
    tmp = path[:-len(".json")] + ".tmp.json"  # the suffix picks the JSON format
    booster.save_model(tmp)
    os.replace(tmp, path)  # atomic: a kill leaves the old or the new checkpoint


def load_checkpoint(path, hp):
    """The saved booster when it was trained with `hp`, else None."""
    if not os.path.exists(path):
        return None
    try:
        booster = xgb.Booster(model_file=path)
    except xgb.core.XGBoostError as e:
        print(f"train_xgb.py: ignoring unreadable checkpoint {path}: {e}", file=sys.stderr)
        return None
    if booster.attr("greentune_hyperparameters") != json.dumps(hp, sort_keys=True):
        print(f"train_xgb.py: checkpoint {path} is for other hyperparameters; "
              "starting afresh", file=sys.stderr)
        return None
    return booster


class Reporter(xgb.callback.TrainingCallback):
    """Reports each round, checkpoints every few, and stops on SIGTERM."""

    def __init__(self, path, hp, every, delay):
        super().__init__()
        self.path, self.hp, self.every, self.delay = path, hp, every, delay
        self.stopped = False

    def after_iteration(self, model, epoch, evals_log):
        rounds = model.num_boosted_rounds()  # counts the rounds of a resumed booster too
        gt.report(rounds, train_logloss=evals_log["train"]["logloss"][-1],
                  val_logloss=evals_log["val"]["logloss"][-1],
                  val_auc=evals_log["val"]["auc"][-1])
        self.stopped = gt.should_stop()
        if self.stopped or rounds % self.every == 0:
            save_checkpoint(model, self.path, self.hp)
        time.sleep(self.delay)
        return self.stopped  # True ends training


def main():
    args = parse_args()
    hp = hyperparameters(args)
    dtrain, dval = load_split(args.data)
    path = os.path.join(gt.checkpoint_dir(), CHECKPOINT)
    booster = load_checkpoint(path, hp)
    done = booster.num_boosted_rounds() if booster else 0
    if booster:
        print(f"train_xgb.py: resuming after round {done} from {path}", file=sys.stderr)
    reporter = Reporter(path, hp, max(args.checkpoint_every, 1), args.round_delay)
    if done < hp["rounds"]:
        booster = xgb.train(booster_params(hp, args.nthread), dtrain,
                            num_boost_round=hp["rounds"] - done,
                            evals=[(dtrain, "train"), (dval, "val")], xgb_model=booster,
                            callbacks=[reporter], verbose_eval=False)
    if reporter.stopped:
        print(f"train_xgb.py: stopped after round {booster.num_boosted_rounds()}; "
              "checkpoint saved", file=sys.stderr)
        return 0
    save_checkpoint(booster, path, hp)
    p, y = booster.predict(dval), dval.get_label()
    gt.final(val_logloss=log_loss(p, y), val_auc=auc(p, y))
    return 0


if __name__ == "__main__":
    sys.exit(main())
