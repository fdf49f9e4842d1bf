"""PyOD's AutoEncoder (pyod 2.x, pyod/models/auto_encoder.py) rebuilt in PyTorch, run on PyOD's benchmark protocol.

PyOD itself is not installable from this machine's registries, so this script rebuilds its AutoEncoder with the
defaults of pyod 2.0: hidden_neuron_list [64, 32] giving D-64-32-64-D, every hidden block Linear -> BatchNorm1d ->
ReLU -> Dropout(0.2), a plain Linear output; StandardScaler preprocessing fitted on the training rows; MSE loss; Adam
lr 1e-3 with weight_decay 1e-5; 10 epochs of batch 32 (shuffled); scores = Euclidean distance between the
standardized row and its reconstruction, in eval mode.

Protocol (PyOD's benchmark): sklearn train_test_split(test_size=0.4, stratify=y, random_state=seed); the features are
standardized on the training split; unsupervised = train on the whole training split (outliers included),
semi-supervised = on its inliers only; ROC-AUC and average precision on the test split.

Prints one JSON line: {"torch": version, "sets": {name: {"splits": [{"train": [...], "test": [...]}, ...],
"unsupervised": {"auc": [...], "ap": [...], "sec": [...]}, "semi": {...}}}}. --splits-only skips the training.
Run with Debian's interpreter: /usr/bin/python3 bench/peers/pyod_ae.py --data ../shared/data/odds --seeds 5
"""
import argparse, json, os, time
import numpy as np
import torch
from torch import nn
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score, average_precision_score


def load(path):
    table = np.genfromtxt(path, delimiter=",", names=True)
    cols = [c for c in table.dtype.names if c != "label"]
    return np.stack([table[c] for c in cols], 1).astype(np.float64), table["label"].astype(int)


def block(n_in, n_out):
    return [nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.ReLU(), nn.Dropout(0.2)]


def pyod_network(d, hidden=(64, 32)):
    layers, last = [], d
    for h in hidden:
        layers += block(last, h); last = h
    for h in reversed(hidden[:-1]):
        layers += block(last, h); last = h
    layers.append(nn.Linear(last, d))
    return nn.Sequential(*layers)


def standardize(fit_rows, *others):
    mu, sd = fit_rows.mean(0), fit_rows.std(0)
    sd[sd == 0] = 1.0
    return [(a - mu) / sd for a in (fit_rows,) + others]


def run(x_train, x_test, seed, epochs, batch):
    torch.manual_seed(seed); np.random.seed(seed)
    x_train, x_test = standardize(x_train, x_test)            # PyOD's own preprocessing=True
    a = torch.tensor(x_train, dtype=torch.float32); b = torch.tensor(x_test, dtype=torch.float32)
    model = pyod_network(a.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(a)).split(batch):
            if len(idx) < 2: continue                          # BatchNorm1d needs 2 rows in training mode
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(a[idx]), a[idx])
            loss.backward(); opt.step()
    secs = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        return torch.sqrt(((model(b) - b) ** 2).sum(1)).numpy(), secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="folder with the ODDS CSV files (label column 'label')")
    ap.add_argument("--sets", default="cardio,arrhythmia,ionosphere,shuttle")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--splits-only", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = {"torch": torch.__version__, "sets": {}}
    for name in args.sets.split(","):
        path = os.path.join(args.data, name + ".csv")
        if not os.path.exists(path): continue
        x, y = load(path)
        res = {"splits": [], "unsupervised": {"auc": [], "ap": [], "sec": []}, "semi": {"auc": [], "ap": [], "sec": []}}
        for seed in range(args.seeds):
            tr, te = train_test_split(np.arange(len(y)), test_size=0.4, stratify=y, random_state=seed)
            res["splits"].append({"train": tr.tolist(), "test": te.tolist()})
            if args.splits_only: continue
            x_tr, x_te = standardize(x[tr], x[te])              # the protocol's standardization on the training split
            for key, rows in (("unsupervised", np.ones(len(tr), bool)), ("semi", y[tr] == 0)):
                scores, secs = run(x_tr[rows], x_te, seed, args.epochs, args.batch)
                res[key]["auc"].append(float(roc_auc_score(y[te], scores)))
                res[key]["ap"].append(float(average_precision_score(y[te], scores)))
                res[key]["sec"].append(secs)
        out["sets"][name] = res
    print(json.dumps(out))


if __name__ == "__main__":
    main()
