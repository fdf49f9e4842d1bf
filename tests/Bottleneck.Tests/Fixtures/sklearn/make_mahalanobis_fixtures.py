#!/usr/bin/python3
"""Reference values for Bottleneck.Anomaly.RobustMahalanobis, computed with scikit-learn and SciPy.

Writes mahalanobis_fixtures.json next to this script. Per case: float32 training rows, scikit-learn's ledoit_wolf
(covariance and shrinkage, assume_centered=False), and the robust squared Mahalanobis distances of the training rows and of
a few test rows under the procedure RobustMahalanobis.Fit documents, written here in NumPy on top of sklearn's ledoit_wolf:
three concentration steps keeping the ceil(0.75 n) rows of smallest distance (a stable sort), then the MCD reweighting step
(distances rescaled by chi2_D(0.5)/median, rows with rescaled distance <= chi2_D(0.975) kept), each estimate being the
Ledoit-Wolf covariance plus a ridge of 1e-6 * max(trace/D, 1).

Usage: /usr/bin/python3 make_mahalanobis_fixtures.py
"""
import json
import math
import os

import numpy as np
import scipy
import sklearn
from scipy.stats import chi2
from sklearn.covariance import ledoit_wolf


def estimate(x, idx):
    sub = x[idx]
    loc = sub.mean(axis=0)
    cov, _ = ledoit_wolf(sub)
    p = x.shape[1]
    cov = cov + 1e-6 * max(np.trace(cov) / p, 1.0) * np.eye(p)
    return loc, np.linalg.inv(cov)


def dist(x, loc, prec):
    c = x - loc
    return np.einsum("ij,jk,ik->i", c, prec, c)


def robust(x):
    n, p = x.shape
    h = max(2, math.ceil(0.75 * n))
    loc, prec = estimate(x, np.arange(n))
    for _ in range(3):
        d = dist(x, loc, prec)
        idx = np.sort(np.argsort(d, kind="stable")[:h])
        loc, prec = estimate(x, idx)
    d = dist(x, loc, prec)
    med = np.median(d)
    scale = chi2.ppf(0.5, p) / med if med > 0 else 1.0
    keep = np.nonzero(d * scale <= chi2.ppf(0.975, p))[0]
    if len(keep) >= 2:
        loc, prec = estimate(x, keep)
    return loc, prec


def case(name, x, test):
    x = x.astype(np.float32).astype(np.float64)
    test = test.astype(np.float32).astype(np.float64)
    cov, shrinkage = ledoit_wolf(x)
    loc, prec = robust(x)
    return {"name": name, "features": x.shape[1], "rows": x.ravel().tolist(), "test": test.ravel().tolist(),
            "lw_mean": x.mean(axis=0).tolist(), "lw_covariance": cov.ravel().tolist(), "lw_shrinkage": float(shrinkage),
            "train_d2": dist(x, loc, prec).tolist(), "test_d2": dist(test, loc, prec).tolist()}


def main():
    rng = np.random.RandomState(20261130)
    cases = []
    a = rng.randn(5, 5)
    x = rng.randn(60, 5) @ a
    x[:5] += 6 * rng.randn(5, 5)                      # planted outliers
    cases.append(case("correlated_with_outliers", x, rng.randn(6, 5) @ a))
    cases.append(case("more_features_than_rows", rng.randn(12, 20), rng.randn(4, 20)))
    x = rng.randn(40, 4)
    x[:, 2] = 1.5                                     # a constant feature
    t = rng.randn(3, 4)
    t[:, 2] = 1.5
    cases.append(case("constant_feature", x, t))
    out = {"sklearn": sklearn.__version__, "scipy": scipy.__version__, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mahalanobis_fixtures.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
