#!/usr/bin/python3
"""Reference values for Bottleneck.Anomaly.KnnDistance, computed with scikit-learn's NearestNeighbors.

Writes knn_fixtures.json next to this script. Per case: float32 training rows, test rows, k, and the score KnnDistance
documents, s(x) = mean over the k nearest training rows of the squared Euclidean distance: for test rows
NearestNeighbors(n_neighbors=k).kneighbors(test); for training rows leaving each row out of its own neighbours,
kneighbors(None) (scikit-learn's "query points are the training points, each not its own neighbour").

Usage: /usr/bin/python3 make_knn_fixtures.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.neighbors import NearestNeighbors


def case(name, x, test, k):
    x = x.astype(np.float32).astype(np.float64)
    test = test.astype(np.float32).astype(np.float64)
    nn = NearestNeighbors(n_neighbors=k).fit(x)
    d_test, _ = nn.kneighbors(test)
    d_train, _ = nn.kneighbors(None)
    return {"name": name, "features": x.shape[1], "k": k, "rows": x.ravel().tolist(), "test": test.ravel().tolist(),
            "train_scores": (d_train ** 2).mean(axis=1).tolist(), "test_scores": (d_test ** 2).mean(axis=1).tolist()}


def main():
    rng = np.random.RandomState(20261130)
    cases = []
    x = rng.randn(50, 4)
    x[:3] += 5                                        # a small group of outliers
    cases.append(case("gaussian_with_group", x, np.vstack([rng.randn(5, 4), 6 + rng.randn(2, 4)]), 5))
    cases.append(case("wide_k1", rng.randn(30, 37), rng.randn(4, 37), 1))
    cases.append(case("one_feature_k3", rng.randn(20, 1), rng.randn(6, 1), 3))
    out = {"sklearn": sklearn.__version__, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "knn_fixtures.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
