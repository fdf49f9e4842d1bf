#!/usr/bin/python3
"""Reference values for ScalingKind.Robust (Bottleneck.Data.Preprocessor), computed with scikit-learn's RobustScaler.

Writes robust_scaler_fixtures.json next to this script: float32 rows with heavy tails, outliers, ties and one feature whose
interquartile range is 0, and RobustScaler(quantile_range=(25, 75)).fit's center_ (the medians) and scale_ (the IQRs; 1 where
the IQR is 0, where Bottleneck uses the population sd instead), plus numpy's population sd of each feature.

Usage: /usr/bin/python3 make_robust_scaler_fixtures.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.preprocessing import RobustScaler


def main():
    rng = np.random.RandomState(20261130)
    x = np.column_stack([rng.standard_t(2, 101), rng.randn(101) * 3 + 7, rng.randint(0, 4, 101).astype(float),
                         np.where(rng.rand(101) < 0.9, 0.0, rng.rand(101) * 50), rng.exponential(2.0, 101)])
    x[:3, 1] += 1000.0                                         # outliers
    x = x.astype(np.float32).astype(np.float64)
    s = RobustScaler(quantile_range=(25.0, 75.0)).fit(x)
    iqr = np.percentile(x, 75, axis=0) - np.percentile(x, 25, axis=0)
    out = {"sklearn": sklearn.__version__, "features": x.shape[1], "rows": x.ravel().tolist(), "center": s.center_.tolist(),
           "iqr": iqr.tolist(), "std": x.std(axis=0).tolist()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "robust_scaler_fixtures.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print(f"wrote {path}; iqr {iqr}")


if __name__ == "__main__":
    main()
