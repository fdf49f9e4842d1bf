#!/usr/bin/python3
"""scikit-learn's t-SNE on the codes `bench tsne --save-codes FILE.npy` wrote, for a side-by-side figure.

Runs sklearn.manifold.TSNE(2, perplexity=30, init="pca", learning_rate="auto", method="barnes_hut", angle=0.5,
random_state=0) (1,000 iterations, scikit-learn 1.2's defaults; Barnes-Hut gradient single-threaded unless
--threads) and sklearn.manifold.trustworthiness(codes, map, n_neighbors=10), and prints one JSON line with the
wall-clock and CPU seconds of the fit, the final KL divergence and the trustworthiness.

Usage: dotnet run -c Release --project bench/Bottleneck.Bench -- tsne --save-codes /tmp/codes.npy
       /usr/bin/python3 bench/peers/tsne_sklearn.py /tmp/codes.npy [--threads 2]
"""
import argparse
import json
import time

import numpy as np
from sklearn.manifold import TSNE, trustworthiness


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("codes")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    x = np.load(a.codes).astype(np.float32)
    wall, cpu = time.perf_counter(), time.process_time()
    tsne = TSNE(2, perplexity=30.0, init="pca", learning_rate="auto", method="barnes_hut", angle=0.5,
                random_state=0, n_jobs=a.threads)
    y = tsne.fit_transform(x)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    t = trustworthiness(x, y, n_neighbors=10)
    print(json.dumps({"peer": "sklearn", "n": int(x.shape[0]), "dim": int(x.shape[1]), "tsneSeconds": wall,
                      "tsneCpuSeconds": cpu, "klDivergence": float(tsne.kl_divergence_), "trustworthiness": float(t)}))


if __name__ == "__main__":
    main()
