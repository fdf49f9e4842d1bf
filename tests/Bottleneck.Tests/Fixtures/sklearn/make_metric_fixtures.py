#!/usr/bin/python3
"""Reference values for Bottleneck.Anomaly.AnomalyMetrics, computed with scikit-learn.

Writes metric_fixtures.json next to this script: several score/label sets (random, heavy ties, all-equal
scores, imbalanced, perfect and inverted rankings) with roc_auc_score, average_precision_score, and at a few
thresholds (flagged = score > threshold, PyOD's rule) precision_score, recall_score, f1_score
(zero_division=0) and confusion_matrix; plus precision@n with ties shared proportionally (no sklearn function
exists for it; computed here by brute force over all tie-breaking orders' expectation).

Usage: /usr/bin/python3 make_metric_fixtures.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import (average_precision_score, confusion_matrix, f1_score, precision_score,
                             recall_score, roc_auc_score)


def precision_at_n(scores, labels, n):
    order = np.argsort(-scores, kind="stable")
    cut = scores[order[n - 1]]
    above = scores > cut
    tied = scores == cut
    places = n - int(above.sum())
    hits = labels[above].sum() + places * labels[tied].mean()
    return float(hits / n)


def case(name, scores, labels):
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    qs = np.unique(np.quantile(scores, [0.0, 0.5, 0.9]))
    thresholds = sorted(set([float(q) for q in qs] + [float(scores.min()) - 1.0]))
    at = []
    for t in thresholds:
        pred = (scores > t).astype(int)
        cm = confusion_matrix(labels, pred, labels=[0, 1])
        at.append({"threshold": t,
                   "precision": float(precision_score(labels, pred, zero_division=0)),
                   "recall": float(recall_score(labels, pred, zero_division=0)),
                   "f1": float(f1_score(labels, pred, zero_division=0)),
                   "confusion": cm.tolist()})
    npos = int(labels.sum())
    return {"name": name, "scores": scores.tolist(), "labels": labels.tolist(),
            "roc_auc": float(roc_auc_score(labels, scores)),
            "average_precision": float(average_precision_score(labels, scores)),
            "precision_at_n": {"n": npos, "value": precision_at_n(scores, labels, npos)},
            "at_thresholds": at}


def main():
    rng = np.random.RandomState(20240601)
    cases = []
    y = rng.randint(0, 2, 60)
    cases.append(case("random_continuous", rng.randn(60) + y * 0.8, y))
    y = rng.randint(0, 2, 200)
    cases.append(case("heavy_ties", rng.randint(0, 5, 200).astype(float) + y * (rng.rand(200) < 0.3), y))
    y = np.array([0, 1] * 10)
    cases.append(case("all_equal", np.full(20, 0.25), y))
    y = (rng.rand(500) < 0.03).astype(int)
    y[0] = 1
    cases.append(case("imbalanced", rng.exponential(1.0, 500) + 1.5 * y, y))
    y = np.array([0] * 7 + [1] * 3)
    cases.append(case("perfect", np.arange(10, dtype=float), y))
    cases.append(case("inverted", -np.arange(10, dtype=float), y))
    y = rng.randint(0, 2, 40)
    cases.append(case("ties_at_cut", np.round(rng.rand(40) * 3) / 3 + 0.1 * y, y))
    out = {"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metric_fixtures.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {path}: {len(cases)} cases (sklearn {sklearn.__version__})")


if __name__ == "__main__":
    main()
