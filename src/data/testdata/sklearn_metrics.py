"""Scores the predictions in a file with scikit-learn, for metrics_test.cpp.

Input (argv[1]): JSON {"labels": [...], "probs": [[...], ...]} or {"labels", "values"}.
Output: JSON {metric: value} on stdout, with the names greentune uses.
"""
import json
import sys

import numpy as np
from sklearn import metrics

case = json.load(open(sys.argv[1]))
y = np.array(case["labels"])
out = {}
if "probs" in case:
    p = np.array(case["probs"])
    pred = p.argmax(axis=1)
    k = p.shape[1]
    out["accuracy"] = metrics.accuracy_score(y, pred)
    out["balanced_accuracy"] = metrics.balanced_accuracy_score(y, pred)
    out["log_loss"] = metrics.log_loss(y, p, labels=list(range(k)))
    out["f1_macro"] = metrics.f1_score(y, pred, average="macro")
    if k == 2:
        out["roc_auc"] = metrics.roc_auc_score(y, p[:, 1])
        out["f1"] = metrics.f1_score(y, pred)
    elif len(set(y.tolist())) == k:
        out["roc_auc"] = metrics.roc_auc_score(y, p, multi_class="ovr", average="macro")
else:
    v = np.array(case["values"])
    out["rmse"] = metrics.mean_squared_error(y, v) ** 0.5
    out["mae"] = metrics.mean_absolute_error(y, v)
    out["r2"] = metrics.r2_score(y, v)
print(json.dumps(out))
