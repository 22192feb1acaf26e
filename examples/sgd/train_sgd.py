#!/usr/bin/env python3
"""Logistic regression trained by minibatch SGD on the breast cancer data (stdlib only).

A trial program for greentune (see study.toml beside it) that also runs on its own:

    python3 train_sgd.py --lr 0.05 --l2 1e-4 --batch-size 32 --epochs 20

Each hyperparameter comes from its command-line option, else from GREENTUNE_PARAMS,
else a default.  --data-fraction F (GREENTUNE_PARAMS "data_fraction", default 1) trains
on the first ceil(F * n) rows of the training split, for studies that try small
experiments first (small_first.toml); validation always uses the whole validation split.

Every epoch it reports train_loss, val_loss and val_accuracy and saves a checkpoint
(epoch, weights, random state) to the checkpoint directory; at start it resumes from
that checkpoint when its hyperparameters match (the data fraction included: a fit on
another share of the data is never resumed).  On SIGTERM it finishes the epoch, saves
the checkpoint and exits with status 0.
"""

import argparse
import csv
import json
import math
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))

import greentune_client as gt  # noqa: E402 (after the path set-up)

DEFAULTS = {"lr": 0.05, "l2": 1e-4, "batch_size": 32, "epochs": 20, "seed": 0,
            "data_fraction": 1.0}
CHECKPOINT = "sgd_checkpoint.json"
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
    p.add_argument("--lr", type=float, help="learning rate (default 0.05)")
    p.add_argument("--l2", type=float, help="L2 penalty (default 1e-4)")
    p.add_argument("--batch-size", type=integer, help="minibatch size (default 32)")
    p.add_argument("--epochs", type=integer, help="epochs to train (default 20)")
    p.add_argument("--seed", type=integer, help="seed of the weights and the shuffling")
    p.add_argument("--data-fraction", type=float,
                   help="share of the training split to train on, in (0, 1] (default 1)")
    p.add_argument("--data", default=os.path.join(HERE, "..", "data", "breast_cancer.csv"))
    p.add_argument("--epoch-delay", type=float, default=0.0,
                   help="seconds to sleep after each epoch (to watch or stop it)")
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
    if chosen["lr"] <= 0 or chosen["l2"] < 0 or chosen["batch_size"] < 1 \
            or chosen["epochs"] < 1 or not 0 < chosen["data_fraction"] <= 1:
        sys.exit(f"train_sgd.py: bad hyperparameters {chosen}")
    return chosen


# --- data ---------------------------------------------------------------------------

def load_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    label = header.index("target")
    xs = [[float(v) for i, v in enumerate(r) if i != label] for r in body]
    ys = [float(r[label]) for r in body]
    return xs, ys


def split(xs, ys):
    order = list(range(len(xs)))
    random.Random(SPLIT_SEED).shuffle(order)
    n_val = int(len(order) * VAL_FRACTION)
    val, train = order[:n_val], order[n_val:]
    pick = lambda idx: ([xs[i] for i in idx], [ys[i] for i in idx])  # noqa: E731
    return pick(train), pick(val)


def standardiser(train_xs):
    """Mean and standard deviation of each feature, from the training rows only."""
    n = len(train_xs)
    means = [sum(col) / n for col in zip(*train_xs)]
    stds = [math.sqrt(sum((v - m) ** 2 for v in col) / n) or 1.0
            for col, m in zip(zip(*train_xs), means)]
    return lambda xs: [[(v - m) / s for v, m, s in zip(row, means, stds)] for row in xs]


# --- model --------------------------------------------------------------------------

def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def predict(model, x):
    w, b = model["weights"], model["bias"]
    return sigmoid(sum(wi * xi for wi, xi in zip(w, x)) + b)


def log_loss(model, xs, ys):
    eps = 1e-15
    total = 0.0
    for x, y in zip(xs, ys):
        p = min(max(predict(model, x), eps), 1 - eps)
        total -= y * math.log(p) + (1 - y) * math.log(1 - p)
    return total / len(xs)


def accuracy(model, xs, ys):
    right = sum((predict(model, x) >= 0.5) == (y == 1.0) for x, y in zip(xs, ys))
    return right / len(xs)


def train_epoch(model, xs, ys, hp, rng):
    order = list(range(len(xs)))
    rng.shuffle(order)
    w = model["weights"]
    for start in range(0, len(order), hp["batch_size"]):
        batch = order[start:start + hp["batch_size"]]
        grad_w = [0.0] * len(w)
        grad_b = 0.0
        for i in batch:
            err = predict(model, xs[i]) - ys[i]
            for j, xj in enumerate(xs[i]):
                grad_w[j] += err * xj
            grad_b += err
        scale = hp["lr"] / len(batch)
        for j in range(len(w)):
            w[j] -= scale * grad_w[j] + hp["lr"] * hp["l2"] * w[j]
        model["bias"] -= scale * grad_b


# --- checkpoints --------------------------------------------------------------------

def save_checkpoint(path, epoch, model, rng, hp):
    version, state, gauss = rng.getstate()
    data = {"epoch": epoch, "weights": model["weights"], "bias": model["bias"],
            "rng_state": [version, list(state), gauss], "hyperparameters": hp}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)  # atomic: a kill leaves the old or the new checkpoint


def load_checkpoint(path, hp):
    """(epoch, model, rng) from the checkpoint, or None to start afresh."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        print(f"train_sgd.py: ignoring unreadable checkpoint {path}: {e}", file=sys.stderr)
        return None
    if data.get("hyperparameters") != hp:
        print(f"train_sgd.py: checkpoint {path} is for other hyperparameters; "
              "starting afresh", file=sys.stderr)
        return None
    rng = random.Random()
    version, state, gauss = data["rng_state"]
    rng.setstate((version, tuple(state), gauss))
    return data["epoch"], {"weights": data["weights"], "bias": data["bias"]}, rng


def fresh_model(n_features, seed):
    rng = random.Random(seed)
    model = {"weights": [rng.gauss(0.0, 0.01) for _ in range(n_features)], "bias": 0.0}
    return model, rng


# --- main ---------------------------------------------------------------------------

def main():
    args = parse_args()
    hp = hyperparameters(args)
    xs, ys = load_csv(args.data)
    (train_xs, train_ys), (val_xs, val_ys) = split(xs, ys)
    # The split is shuffled with a fixed seed, so its first rows are a random sample, and
    # a larger fraction holds every row of a smaller one.
    n_train = max(1, math.ceil(hp["data_fraction"] * len(train_xs)))
    train_xs, train_ys = train_xs[:n_train], train_ys[:n_train]
    scale = standardiser(train_xs)
    train_xs, val_xs = scale(train_xs), scale(val_xs)

    path = os.path.join(gt.checkpoint_dir(), CHECKPOINT)
    resumed = load_checkpoint(path, hp)
    if resumed:
        done, model, rng = resumed
        print(f"train_sgd.py: resuming after epoch {done} from {path}", file=sys.stderr)
    else:
        done = 0
        model, rng = fresh_model(len(train_xs[0]), hp["seed"])

    for epoch in range(done + 1, hp["epochs"] + 1):
        train_epoch(model, train_xs, train_ys, hp, rng)
        gt.report(epoch, train_loss=log_loss(model, train_xs, train_ys),
                  val_loss=log_loss(model, val_xs, val_ys),
                  val_accuracy=accuracy(model, val_xs, val_ys))
        save_checkpoint(path, epoch, model, rng, hp)
        if gt.should_stop():
            print(f"train_sgd.py: stopped after epoch {epoch}; checkpoint saved",
                  file=sys.stderr)
            return 0
        time.sleep(args.epoch_delay)

    gt.final(val_loss=log_loss(model, val_xs, val_ys),
             val_accuracy=accuracy(model, val_xs, val_ys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
