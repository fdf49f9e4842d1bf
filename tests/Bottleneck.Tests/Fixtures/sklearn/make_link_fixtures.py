#!/usr/bin/python3
"""Reference values for Bottleneck.Anomaly.LinkPrediction, computed with scikit-learn as ../shared/peers/gae_cora.py does.

Writes link_fixtures.json next to this script: random embeddings Z (12 x 3, seeded), positive and negative node pairs,
the scores sigmoid(z_i . z_j) and scikit-learn's roc_auc_score and average_precision_score with positives = 1.

Usage: /usr/bin/python3 make_link_fixtures.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import average_precision_score, roc_auc_score


def main():
    rng = np.random.RandomState(14)
    z = rng.randn(12, 3).astype(np.float32)
    pos = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (1, 2)]
    neg = [(0, 5), (3, 9), (2, 11), (4, 7), (1, 8), (6, 10), (5, 9), (0, 11)]
    emb = z.astype(np.float64)

    def score(p):
        p = np.array(p)
        return 1.0 / (1.0 + np.exp(-(emb[p[:, 0]] * emb[p[:, 1]]).sum(1)))

    s = np.concatenate([score(pos), score(neg)])
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    out = {"z": [float(v) for v in z.reshape(-1)], "latent": 3, "pos": pos, "neg": neg,
           "scores": [float(v) for v in s], "roc_auc": float(roc_auc_score(y, s)),
           "ap": float(average_precision_score(y, s)), "sklearn": sklearn.__version__}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "link_fixtures.json"), "w") as f:
        json.dump(out, f, indent=1)
    print(out["roc_auc"], out["ap"])


if __name__ == "__main__":
    main()
