#!/usr/bin/python3
"""Reference curves for Bottleneck.Anomaly.RankingCurves, computed with scikit-learn.

Writes curve_fixtures.json next to this script: score/label sets (random, heavy ties, perfect, inverted) with
roc_curve(drop_intermediate=False) and precision_recall_curve. sklearn's first ROC threshold (+inf, or max+1 before
1.3) is written as null.

Usage: /usr/bin/python3 make_curve_fixtures.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import precision_recall_curve, roc_curve


def case(name, scores, labels):
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    fpr, tpr, th = roc_curve(labels, scores, drop_intermediate=False)
    precision, recall, pth = precision_recall_curve(labels, scores)
    th = [None] + [float(t) for t in th[1:]]
    return {"name": name, "scores": scores.tolist(), "labels": labels.tolist(),
            "roc": {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": th},
            "pr": {"precision": precision.tolist(), "recall": recall.tolist(), "thresholds": pth.tolist()}}


def main():
    rng = np.random.RandomState(20261130)
    cases = []
    y = rng.randint(0, 2, 50)
    cases.append(case("random_continuous", rng.randn(50) + y, y))
    y = rng.randint(0, 2, 120)
    cases.append(case("heavy_ties", rng.randint(0, 6, 120).astype(float) + y * (rng.rand(120) < 0.4), y))
    cases.append(case("perfect", [0.1, 0.2, 0.3, 0.8, 0.9], [0, 0, 0, 1, 1]))
    cases.append(case("inverted", [0.9, 0.8, 0.3, 0.2, 0.1], [0, 0, 0, 1, 1]))
    y = (rng.rand(300) < 0.05).astype(int)
    cases.append(case("imbalanced", rng.rand(300) + 0.3 * y, y))
    out = {"sklearn": sklearn.__version__, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "curve_fixtures.json")
    with open(path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
