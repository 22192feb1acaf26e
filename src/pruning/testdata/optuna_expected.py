#!/usr/bin/python3
"""The Optuna 3.1 decisions that src/pruning/pruner_test.cpp expects (marked "Optuna 3.1"
there): the same histories run through optuna.pruners.* with an in-memory study.

  /usr/bin/python3 src/pruning/testdata/optuna_expected.py   (Debian's python3-optuna 3.1.0)

Prints one JSON object: decision lists keyed by case.
"""
import json
import optuna
from optuna.trial import create_trial, TrialState
optuna.logging.set_verbosity(optuna.logging.ERROR)
nan = float('nan')

def run(pruner, direction, finished, running):
    """finished: list of (state, {step: value}); running: {step: value} reported in step order.
    Returns decisions after each report of the running trial."""
    study = optuna.create_study(direction=direction, pruner=pruner)
    for state, iv in finished:
        kw = dict(params={}, distributions={}, intermediate_values=iv, state=state)
        if state == TrialState.COMPLETE:
            kw['value'] = list(iv.values())[-1] if iv else 0.0
        study.add_trial(create_trial(**kw))
    t = study.ask()
    out = []
    for step, v in running:
        t.report(v, step)
        out.append(t.should_prune())
    return out

curves = {
 0: {1: 0.9, 2: 0.7, 3: 0.5, 4: 0.4, 5: 0.35},
 1: {1: 0.8, 2: 0.6, 3: 0.45, 4: 0.3, 5: 0.25},
 2: {1: 1.0, 2: 0.9, 3: 0.8, 4: 0.75, 5: 0.7},
 3: {1: 0.7, 2: 0.5, 3: 0.4, 4: 0.35},
 4: {1: 0.95, 2: 0.85},
}
C = TrialState.COMPLETE; P = TrialState.PRUNED
fin5 = [(C, curves[i]) for i in range(5)]
running = [(1, 0.85), (2, 0.8), (3, 0.45), (4, 0.5), (5, 0.3)]
res = {}
res['median_min_default'] = run(optuna.pruners.MedianPruner(), 'minimize', fin5, running)
res['median_min_4complete_1pruned'] = run(optuna.pruners.MedianPruner(), 'minimize',
    fin5[:4] + [(P, curves[4])], running)
res['median_min_startup0'] = run(optuna.pruners.MedianPruner(n_startup_trials=0), 'minimize',
    fin5[:2], running)
res['median_min_warmup2_interval2'] = run(optuna.pruners.MedianPruner(n_warmup_steps=2, interval_steps=2),
    'minimize', fin5, running)
# gaps in reports: steps 1, 4, 5 with warmup 1 interval 3
res['median_min_warmup1_interval3_gaps'] = run(optuna.pruners.MedianPruner(n_warmup_steps=1, interval_steps=3),
    'minimize', fin5, [(1, 0.99), (2, 0.98), (3, 0.97), (4, 0.96), (5, 0.95), (6, 0.94), (7, 0.93)])
res['median_min_nmin3'] = run(optuna.pruners.MedianPruner(n_min_trials=3), 'minimize', fin5, running)
res['median_min_nmin4'] = run(optuna.pruners.MedianPruner(n_min_trials=4), 'minimize', fin5, running)
# maximize: accuracies
acc = {i: {s: 1 - v for s, v in c.items()} for i, c in curves.items()}
fin5a = [(C, acc[i]) for i in range(5)]
running_a = [(s, 1 - v) for s, v in running]
res['median_max_default'] = run(optuna.pruners.MedianPruner(), 'maximize', fin5a, running_a)
for p in (25.0, 75.0):
    res[f'percentile{int(p)}_min'] = run(optuna.pruners.PercentilePruner(p), 'minimize', fin5, running)
    res[f'percentile{int(p)}_max'] = run(optuna.pruners.PercentilePruner(p), 'maximize', fin5a, running_a)
res['median_nan_running'] = run(optuna.pruners.MedianPruner(), 'minimize', fin5, [(1, nan), (2, 0.1)])
# reference values
import numpy as np
res['np_percentiles'] = {str(q): float(np.nanpercentile(np.array([0.7,0.5,0.9,0.4,0.85, nan]), q)) for q in (0, 10, 25, 50, 75, 90, 100, 33.3)}
# patience wrapping median
res['patient_median_p1'] = run(optuna.pruners.PatientPruner(optuna.pruners.MedianPruner(), patience=1), 'minimize', fin5,
    [(1, 0.85), (2, 0.8), (3, 0.82), (4, 0.83), (5, 0.2)])
res['patient_none_p2_delta'] = run(optuna.pruners.PatientPruner(None, patience=2, min_delta=0.05), 'minimize', [],
    [(1, 0.5), (2, 0.4), (3, 0.42), (4, 0.44), (5, 0.46), (6, 0.47)])
res['patient_none_p0_max'] = run(optuna.pruners.PatientPruner(None, patience=0), 'maximize', [],
    [(1, 0.5), (2, 0.6), (3, 0.6), (4, 0.55)])
res['threshold'] = run(optuna.pruners.ThresholdPruner(lower=0.1, upper=1.0, n_warmup_steps=1), 'minimize', [],
    [(0, 5.0), (1, 0.5), (2, 1.5)])
res['threshold_nan'] = run(optuna.pruners.ThresholdPruner(upper=1.0), 'minimize', [], [(0, nan)])
res['threshold_low'] = run(optuna.pruners.ThresholdPruner(lower=0.1), 'minimize', [], [(0, 0.05)])

# ASHA with concurrent trials: reports interleaved in a given order.
def asha(direction, order, values, pruner):
    """order: list of (trial_index, step); values[trial_index][step]. Returns list of (i, step, prune)."""
    study = optuna.create_study(direction=direction, pruner=pruner)
    n = max(i for i, _ in order) + 1
    trials = [study.ask() for _ in range(n)]
    out = []
    dead = set()
    for i, step in order:
        if i in dead: continue
        trials[i].report(values[i][step], step)
        p = trials[i].should_prune()
        out.append([i, step, p])
        if p:
            study.tell(trials[i], state=TrialState.PRUNED)
            dead.add(i)
    return out

vals = {
 0: {1: 0.50, 2: 0.45, 3: 0.40, 4: 0.38},
 1: {1: 0.60, 2: 0.55, 3: 0.50, 4: 0.48},
 2: {1: 0.40, 2: 0.35, 3: 0.30, 4: 0.28},
 3: {1: 0.55, 2: 0.50, 3: 0.45, 4: 0.44},
 4: {1: 0.30, 2: 0.28, 3: 0.26, 4: 0.25},
 5: {1: 0.70, 2: 0.65, 3: 0.60, 4: 0.59},
 6: {1: 0.45, 2: 0.40, 3: 0.35, 4: 0.33},
 7: {1: 0.35, 2: 0.33, 3: 0.31, 4: 0.29},
 8: {1: 0.65, 2: 0.62, 3: 0.58, 4: 0.55},
}
order_a = [(i, 1) for i in range(9)] + [(i, s) for s in (2, 3, 4) for i in range(9)]
order_b = [(i, 1) for i in (8, 5, 1, 3, 0, 6, 2, 7, 4)] + [(i, s) for s in (2, 3, 4) for i in (4, 7, 2, 6, 0, 3, 1, 5, 8)]
# interleaved: some trials run ahead to rung 1 (step 3) before others reach rung 0
order_c = [(2, 1), (2, 2), (2, 3), (4, 1), (0, 1), (4, 2), (4, 3), (1, 1), (0, 2), (0, 3), (5, 1), (3, 1), (6, 1), (7, 1), (7, 2), (7, 3), (8, 1), (3, 2), (3, 3), (6, 2), (6, 3), (2, 4), (4, 4), (7, 4)]
sh = lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3, min_early_stopping_rate=0)
res['asha_a'] = asha('minimize', order_a, vals, sh())
res['asha_b'] = asha('minimize', order_b, vals, sh())
res['asha_c'] = asha('minimize', order_c, vals, sh())
valsmax = {i: {s: 1 - v for s, v in c.items()} for i, c in vals.items()}
res['asha_c_max'] = asha('maximize', order_c, valsmax, sh())
res['asha_rf2_mesr1'] = asha('minimize', order_a, vals, optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, min_early_stopping_rate=1))

# Hyperband bracket assignment
def brackets(name, min_r, max_r, rf, n):
    study = optuna.create_study(study_name=name, pruner=optuna.pruners.HyperbandPruner(min_resource=min_r, max_resource=max_r, reduction_factor=rf))
    hb = study.pruner
    hb._try_initialization(study)
    t = [hb._get_bracket_id(study, type('T', (), {'number': k})()) for k in range(n)]
    return {'n_brackets': hb._n_brackets, 'budgets': hb._trial_allocation_budgets, 'ids': t}
res['hb_s_1_27_3'] = brackets('s', 1, 27, 3, 20)
res['hb_sgd_1_40_3'] = brackets('sgd-bench', 1, 40, 3, 20)
res['hb_x_2_100_4'] = brackets('x', 2, 100, 4, 12)
import binascii
res['crc'] = [binascii.crc32(b's_0'), binascii.crc32(b'breast-cancer-sgd_17')]
# step 3 would prune (0.6 > 0.475) but is skipped by interval
r2 = [(1, 0.85), (2, 0.8), (3, 0.6), (4, 0.5), (5, 0.3)]
res['median_w2_i2_skip'] = run(optuna.pruners.MedianPruner(n_warmup_steps=2, interval_steps=2), 'minimize', fin5, r2)
res['median_default_r2'] = run(optuna.pruners.MedianPruner(), 'minimize', fin5, r2)
res['median_nmin5'] = run(optuna.pruners.MedianPruner(n_min_trials=5), 'minimize', fin5, r2)
res['median_gaps_i2'] = run(optuna.pruners.MedianPruner(interval_steps=2), 'minimize', fin5, [(1, 0.95), (3, 0.9), (5, 0.8)])
# pruned trials with low values do not count for the reference
low = {1: 0.1, 2: 0.1, 3: 0.1}
res['median_pruned_ignored'] = run(optuna.pruners.MedianPruner(), 'minimize', fin5 + [(P, low)] * 3, r2)
res['median_failed_ignored'] = run(optuna.pruners.MedianPruner(), 'minimize', fin5[:4] + [(TrialState.FAIL, low)] * 3, r2)

def hb_sim(name, n, steps, value):
    study = optuna.create_study(study_name=name, direction='minimize',
        pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=3))
    trials = [study.ask() for _ in range(n)]
    dead = set(); out = []
    for step in steps:
        for i in range(n):
            if i in dead: continue
            trials[i].report(value(i, step), step)
            p = trials[i].should_prune()
            out.append([i, step, bool(p)])
            if p:
                study.tell(trials[i], state=TrialState.PRUNED); dead.add(i)
    return out
res['hb_sim'] = hb_sim('s', 20, range(1, 11), lambda i, s: (((i * 37) % 20) / 20 + 0.1) * 0.9 ** s)
print(json.dumps(res, default=bool))
