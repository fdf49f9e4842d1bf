#!/usr/bin/python3
"""Writes graph.json: a GCN forward/backward and the GAE / VGAE losses of tkipf/gae on a small graph, computed by
PyTorch 1.13 with dense matrices, for Bottleneck's CsrMatrix, GraphConvolution, LinkLoss and GraphAutoencoder.

Run with the system Python that has torch 1.13:  /usr/bin/python3 make_graph_fixtures.py
Graph: 7 nodes, undirected edges below (node 6 isolated), A_norm = D^-1/2 (A + I) D^-1/2 (dense).
X (7, 5) ~ N(0, 1) seeded. Weights in PyTorch Linear layout (out, in):
  gcn      : Y = A_norm @ (X @ W0^T)                                  (W0: 4 x 5), loss = sum(Y * G) with a fixed G
  gae      : H = relu(A_norm X W0^T), Z = A_norm H Wz^T (Wz: 3 x 4); logits = Z Z^T
             labels = A + I, pos_weight = (N^2 - sum A) / sum A, norm = N^2 / (2 (N^2 - sum A))
             loss = norm * binary_cross_entropy_with_logits(logits, labels, pos_weight)   (mean over N^2)
  vgae     : mu = (A_norm H) Wmu^T + bmu, log_var = (A_norm H) Wlv^T + blv, z = mu + exp(0.5 log_var) * eps (eps given)
             loss = recon(z) + (1/N) * mean_i sum_d 0.5 (mu^2 + exp(lv) - 1 - lv)
  sampled  : loss = -mean log sigmoid(z_u . z_v) over pos - mean log(1 - sigmoid(z_u . z_v)) over neg, Z of gae
Gradients with respect to every weight are stored.
"""
import json
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def T(t):
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def main():
    torch.manual_seed(14)
    n, d, hid, lat = 7, 5, 4, 3
    edges = [(0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (4, 5), (1, 5)]
    a = torch.zeros(n, n, dtype=torch.float64)
    for u, v in edges:
        a[u, v] = a[v, u] = 1
    a_tilde = a + torch.eye(n, dtype=torch.float64)
    dinv = a_tilde.sum(1).pow(-0.5)
    a_norm = dinv[:, None] * a_tilde * dinv[None, :]
    x = torch.randn(n, d, dtype=torch.float64)
    w0 = (torch.rand(hid, d, dtype=torch.float64) - 0.5).requires_grad_()
    wz = (torch.rand(lat, hid, dtype=torch.float64) - 0.5).requires_grad_()
    wmu = (torch.rand(lat, hid, dtype=torch.float64) - 0.5).requires_grad_()
    bmu = (torch.rand(lat, dtype=torch.float64) - 0.5).requires_grad_()
    wlv = (torch.rand(lat, hid, dtype=torch.float64) - 0.5).requires_grad_()
    blv = (torch.rand(lat, dtype=torch.float64) - 0.5).requires_grad_()
    g = torch.randn(n, hid, dtype=torch.float64)
    eps = torch.randn(n, lat, dtype=torch.float64)
    pos = [(0, 1), (2, 3), (4, 5), (1, 5)]
    neg = [(0, 6), (3, 5), (2, 6), (0, 4), (1, 3)]
    out = {"nodes": n, "edges": edges, "x": T(x), "w0": T(w0), "wz": T(wz), "wmu": T(wmu), "bmu": T(bmu),
           "wlv": T(wlv), "blv": T(blv), "g": T(g), "eps": T(eps), "a_norm": T(a_norm), "pos": pos, "neg": neg,
           "torch": torch.__version__}

    y = a_norm @ (x @ w0.t())
    (y * g).sum().backward()
    out["gcn"] = {"y": T(y), "grad_w0": T(w0.grad)}
    w0.grad = None

    a_sum = a.sum().item()
    pos_weight = torch.tensor((n * n - a_sum) / a_sum, dtype=torch.float64)
    norm = n * n / (2.0 * (n * n - a_sum))
    out["pos_weight"], out["norm"] = float(pos_weight), norm

    def recon(z):
        return norm * F.binary_cross_entropy_with_logits(z @ z.t(), a_tilde, pos_weight=pos_weight)

    h = F.relu(a_norm @ (x @ w0.t()))
    z = a_norm @ (h @ wz.t())
    loss = recon(z)
    loss.backward()
    out["gae"] = {"z": T(z), "logits": T(z @ z.t()), "loss": float(loss), "grad_w0": T(w0.grad), "grad_wz": T(wz.grad)}
    w0.grad = None

    h = F.relu(a_norm @ (x @ w0.t()))
    ah = a_norm @ h
    mu = ah @ wmu.t() + bmu
    lv = ah @ wlv.t() + blv
    zz = mu + torch.exp(0.5 * lv) * eps
    rec = recon(zz)
    kl = (1.0 / n) * (0.5 * (mu * mu + lv.exp() - 1 - lv)).sum(1).mean()
    loss = rec + kl
    loss.backward()
    out["vgae"] = {"mu": T(mu), "recon": float(rec), "kl": float(kl), "loss": float(loss), "grad_w0": T(w0.grad),
                   "grad_wmu": T(wmu.grad), "grad_bmu": T(bmu.grad), "grad_wlv": T(wlv.grad), "grad_blv": T(blv.grad)}
    w0.grad = None
    wz.grad = None

    h = F.relu(a_norm @ (x @ w0.t()))
    z = a_norm @ (h @ wz.t())
    pu, pv = zip(*pos)
    nu, nv = zip(*neg)
    ps = (z[list(pu)] * z[list(pv)]).sum(1)
    ns = (z[list(nu)] * z[list(nv)]).sum(1)
    loss = -F.logsigmoid(ps).mean() - F.logsigmoid(-ns).mean()
    loss.backward()
    out["sampled"] = {"loss": float(loss), "grad_w0": T(w0.grad), "grad_wz": T(wz.grad)}

    with open(os.path.join(HERE, "graph.json"), "w") as f:
        json.dump(out, f)
    print("wrote graph.json")


if __name__ == "__main__":
    main()
