#!/usr/bin/python3
"""Reference values for Bottleneck.Anomaly.ErrorGaussian, computed with scikit-learn's LedoitWolf.

Writes error_gaussian_fixtures.json next to this script: sets of error vectors (N x D, float32 values) with
sklearn.covariance.LedoitWolf's location_, covariance_, shrinkage_ and the squared Mahalanobis distances
(LedoitWolf.mahalanobis) of a few query vectors. The cases: few samples for many dimensions (shrinkage near 1),
correlated errors with many samples (shrinkage near 0), and errors shaped like a sliding window's (neighbouring
steps correlated).

Usage: /usr/bin/python3 make_error_gaussian_fixtures.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.covariance import LedoitWolf


def case(name, x, queries):
    x = np.asarray(x, dtype=np.float32).astype(np.float64)
    queries = np.asarray(queries, dtype=np.float32).astype(np.float64)
    lw = LedoitWolf().fit(x)
    return {"name": name, "dimension": int(x.shape[1]), "errors": x.ravel().tolist(),
            "mean": lw.location_.tolist(), "covariance": lw.covariance_.ravel().tolist(), "shrinkage": float(lw.shrinkage_),
            "queries": queries.ravel().tolist(), "distances": lw.mahalanobis(queries).tolist()}


def main():
    rng = np.random.RandomState(20261130)
    cases = []
    cases.append(case("few_samples", np.abs(rng.randn(6, 5)), np.abs(rng.randn(3, 5)) * 2))
    mix = rng.randn(4, 4)
    cases.append(case("correlated", rng.randn(200, 4) @ mix + 3, rng.randn(4, 4) @ mix + 3))
    # |error| of a window of 12 steps whose neighbouring steps share a slowly varying component
    base = rng.randn(40, 15)
    window = np.abs(np.stack([base[:, t:t + 4].mean(1) for t in range(12)], axis=1))
    cases.append(case("window", window, np.abs(rng.randn(3, 12))))
    out = {"sklearn": sklearn.__version__, "cases": cases}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "error_gaussian_fixtures.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
