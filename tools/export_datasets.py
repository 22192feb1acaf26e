#!/usr/bin/python3
"""Writes the shipped datasets (data/datasets/*.csv) from Debian's python3-sklearn."""
import csv
import sys

from sklearn import datasets


def write(out, name, x, y, columns, target, number="%.10g"):
    with open(f"{out}/{name}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(list(columns) + [target])
        for row, label in zip(x, y):
            w.writerow([number % v for v in row] + [label])


def main(out):
    b = datasets.load_breast_cancer()
    write(out, "breast_cancer", b.data, [b.target_names[t] for t in b.target], b.feature_names,
          "diagnosis")
    i = datasets.load_iris()
    write(out, "iris", i.data, [i.target_names[t] for t in i.target],
          ["sepal_length", "sepal_width", "petal_length", "petal_width"], "species")
    w = datasets.load_wine()
    write(out, "wine", w.data, list(w.target), w.feature_names, "cultivar")
    d = datasets.load_digits()
    write(out, "digits", d.data, list(d.target),
          [f"pixel_{r}_{c}" for r in range(8) for c in range(8)], "digit", "%d")
    db = datasets.load_diabetes(scaled=False)
    write(out, "diabetes", db.data, ["%g" % v for v in db.target], db.feature_names, "progression")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/datasets")
