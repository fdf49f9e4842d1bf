"""Exploration behind AnomalyDefaults' unsupervised recipe: autoencoder variants in PyTorch on ODDS, PyOD's protocol.

For seeds 0..N-1: sklearn train_test_split(test_size=0.4, stratify=y, random_state=seed); standardize on the training split;
train on the whole training split (anomalies included); ROC-AUC on the test split of (a) the row's distance from the training
mean ("norm") and (b) each variant's reconstruction error, scored by squared ("mse") and absolute ("mae") error.
Variants: "pyod" = D-64-32-64-D with Linear -> BatchNorm1d -> ReLU -> Dropout(0.2) blocks and Adam weight decay 1e-5, batch 32;
"z2" / "zdef" = Bottleneck's default rule D-h-z-h-D (h = clamp(ceil(D/2), 8, 256), z = 2 or clamp(round(D/8), 2, 32)), batch 64;
output linear, sigmoid or tanh; loss = squared error summed over features, averaged over the batch.
Prints one line per data set: name and a JSON object {variant + " " + score: mean ROC-AUC}.
Run: /usr/bin/python3 bench/peers/odds_variants.py --data ../shared/data/odds [--seeds 5] (about 15 minutes on 1 thread)
"""
import argparse, json, os
import numpy as np
import torch
from torch import nn
from sklearn.model_selection import train_test_split
from sklearn.metrics import roc_auc_score

VARIANTS = {  # name: (network, output, epochs, batch, weight decay)
    "pyod e10": ("pyod", "linear", 10, 32, 1e-5), "pyod e10 sigmoid": ("pyod", "sigmoid", 10, 32, 1e-5),
    "pyod e10 tanh": ("pyod", "tanh", 10, 32, 1e-5), "pyod e30": ("pyod", "linear", 30, 32, 1e-5),
    "pyod e30 tanh": ("pyod", "tanh", 30, 32, 1e-5), "z2 e10": ("z2", "linear", 10, 64, 0.0),
    "z2 e10 sigmoid": ("z2", "sigmoid", 10, 64, 0.0), "zdef e10": ("zdef", "linear", 10, 64, 0.0),
    "zdef e10 tanh": ("zdef", "tanh", 10, 64, 0.0), "zdef e50 tanh": ("zdef", "tanh", 50, 64, 0.0),
}


def load(path):
    table = np.genfromtxt(path, delimiter=",", names=True)
    cols = [c for c in table.dtype.names if c != "label"]
    return np.stack([table[c] for c in cols], 1).astype(np.float64), table["label"].astype(int)


def network(d, kind, output):
    def block(i, o):
        return [nn.Linear(i, o), nn.BatchNorm1d(o), nn.ReLU(), nn.Dropout(0.2)]
    if kind == "pyod":
        layers = block(d, 64) + block(64, 32) + block(32, 64) + [nn.Linear(64, d)]
    else:
        h = min(max((d + 1) // 2, 8), 256)
        z = 2 if kind == "z2" else min(max(int(round(d / 8)), 2), 32)
        layers = [nn.Linear(d, h), nn.ReLU(), nn.Linear(h, z), nn.Linear(z, h), nn.ReLU(), nn.Linear(h, d)]
    if output == "sigmoid": layers.append(nn.Sigmoid())
    if output == "tanh": layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def train(a, seed, kind, output, epochs, batch, wd):
    torch.manual_seed(seed)
    model = network(a.shape[1], kind, output)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=wd)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(a)).split(batch):
            if len(idx) < 2: continue
            opt.zero_grad(); ((model(a[idx]) - a[idx]) ** 2).sum(1).mean().backward(); opt.step()
    return model.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--sets", default="cardio,arrhythmia,ionosphere,shuttle")
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    for name in args.sets.split(","):
        x, y = load(os.path.join(args.data, name + ".csv"))
        res = {}
        for seed in range(args.seeds):
            tr, te = train_test_split(np.arange(len(y)), test_size=0.4, stratify=y, random_state=seed)
            mu, sd = x[tr].mean(0), x[tr].std(0); sd[sd == 0] = 1
            a = torch.tensor((x[tr] - mu) / sd, dtype=torch.float32); b = torch.tensor((x[te] - mu) / sd, dtype=torch.float32)
            res.setdefault("norm mse", []).append(roc_auc_score(y[te], (b ** 2).sum(1).numpy()))
            res.setdefault("norm mae", []).append(roc_auc_score(y[te], b.abs().sum(1).numpy()))
            for vname, (kind, output, epochs, batch, wd) in VARIANTS.items():
                model = train(a, seed, kind, output, epochs, batch, wd)
                with torch.no_grad(): r = model(b)
                res.setdefault(vname + " mse", []).append(roc_auc_score(y[te], ((r - b) ** 2).sum(1).numpy()))
                res.setdefault(vname + " mae", []).append(roc_auc_score(y[te], (r - b).abs().sum(1).numpy()))
        print(name, json.dumps({k: round(float(np.mean(v)), 3) for k, v in res.items()}), flush=True)


if __name__ == "__main__":
    main()
