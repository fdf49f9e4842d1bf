"""Peers of the wide anomaly benchmark (`bench anomaly wide`): the splits, scikit-learn's IsolationForest and PCA
reconstruction error, and PyOD's AutoEncoder rebuilt in PyTorch (pyod_ae.py), on every CSV set given.

Protocol (PyOD's benchmark, unsupervised): for seed s = 0..N-1, sklearn train_test_split(test_size=0.4, stratify=y,
random_state=s); StandardScaler-style standardization fitted on the whole training split (anomalies included, constant
columns get sd 1); every detector is fitted on the whole standardized training split and scores the standardized test split;
ROC-AUC and average precision on the test split.
- IsolationForest: sklearn IsolationForest(random_state=s) with its defaults (100 trees, 256 samples); score = -score_samples.
- PCA: sklearn PCA(n_components=max(1, d // 2)); score = squared reconstruction error of the standardized test row (the
  same-machine baseline of ../shared/data/anomaly-bench/SOURCE.md).
- pyod_ae: PyOD 2's AutoEncoder defaults rebuilt in PyTorch (pyod_ae.run: D-64-32-64-D, BatchNorm1d, dropout 0.2, Adam 1e-3
  with weight decay 1e-5, 10 epochs of batch 32, Euclidean-distance score); it standardizes again on what it trains on, as
  PyOD's preprocessing=True does.

Prints one JSON line: {"torch": ..., "sklearn": ..., "sets": {name: {"splits": [{"train": [...], "test": [...]}, ...],
"iforest": {"auc": [...], "ap": [...]}, "pca": {...}, "pyod_ae": {"auc", "ap", "sec"}}}}.
--splits-only skips every detector; --no-ae skips the PyTorch AutoEncoder only.
Run: /usr/bin/python3 bench/peers/wide_peers.py --data ../shared/data/odds/cardio.csv,../shared/data/anomaly-bench/glass.csv --seeds 5
"""
import argparse, json, os, sys, time
import numpy as np
import sklearn
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score, average_precision_score
from sklearn.ensemble import IsolationForest
from sklearn.decomposition import PCA

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyod_ae  # noqa: E402  (same folder)


def metrics(y, s):
    return float(roc_auc_score(y, s)), float(average_precision_score(y, s))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="comma-separated CSV paths (label column 'label'); the set name is the file stem")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--splits-only", action="store_true")
    ap.add_argument("--no-ae", action="store_true")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    out = {"torch": torch.__version__, "sklearn": sklearn.__version__, "sets": {}}
    for path in args.data.split(","):
        name = os.path.splitext(os.path.basename(path))[0]
        x, y = pyod_ae.load(path)
        res = {"splits": [], "iforest": {"auc": [], "ap": []}, "pca": {"auc": [], "ap": []}, "pyod_ae": {"auc": [], "ap": [], "sec": []}}
        for seed in range(args.seeds):
            tr, te = train_test_split(np.arange(len(y)), test_size=0.4, stratify=y, random_state=seed)
            res["splits"].append({"train": tr.tolist(), "test": te.tolist()})
            if args.splits_only: continue
            x_tr, x_te = pyod_ae.standardize(x[tr], x[te])
            forest = IsolationForest(random_state=seed).fit(x_tr)
            a, p = metrics(y[te], -forest.score_samples(x_te))
            res["iforest"]["auc"].append(a); res["iforest"]["ap"].append(p)
            pca = PCA(n_components=max(1, x.shape[1] // 2)).fit(x_tr)
            rec = pca.inverse_transform(pca.transform(x_te))
            a, p = metrics(y[te], ((x_te - rec) ** 2).sum(1))
            res["pca"]["auc"].append(a); res["pca"]["ap"].append(p)
            if args.no_ae: continue
            scores, secs = pyod_ae.run(x_tr, x_te, seed, 10, 32)
            a, p = metrics(y[te], scores)
            res["pyod_ae"]["auc"].append(a); res["pyod_ae"]["ap"].append(p); res["pyod_ae"]["sec"].append(secs)
        out["sets"][name] = res
    print(json.dumps(out))


if __name__ == "__main__":
    main()
