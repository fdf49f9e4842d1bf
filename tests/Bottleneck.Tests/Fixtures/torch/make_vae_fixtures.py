#!/usr/bin/python3
"""Writes vae.json: the training loss of a small Gaussian VAE and its parameter gradients, computed by PyTorch 1.13, for the
loss conventions of Bottleneck's variational kinds (docs/glossary.md, docs/vae.md).

Run with the system Python that has torch 1.13:  /usr/bin/python3 make_vae_fixtures.py
Model (PyTorch default init, seeded): encoder Linear(D,H)-ReLU, heads mu = Linear(H,k), log_var = Linear(H,k); decoder
Linear(k,H)-ReLU-Linear(H,D) giving Bernoulli logits. With a fixed eps (N,k): z = mu + exp(0.5 log_var) * eps.
Reconstruction: BCE-with-logits summed over features / N. KL per dim: 0.5 (mu^2 + exp(lv) - 1 - lv).
Cases (the "kl" term is what enters the loss):
  plain      : kl = sum(KL) / N                                  (beta 1)
  beta-free  : kl = beta * sum_j max(lambda, mean_i KL_ij)       (beta 4, free bits lambda 0.3)
  capacity   : kl = gamma * |sum(KL)/N - C|                      (gamma 50, C 1.5)
  tc         : MI + beta*TC + dim-KL, Chen et al. 2018 minibatch-weighted sampling with dataset size 1000 (beta 6)
  mmd-imq    : kl (beta 1) + lambda * MMD^2 unbiased, IMQ kernel, scales s * 2k for s in {.1,.2,.5,1,2,5,10} (lambda 3)
  mmd-rbf    : kl (beta 1) + lambda * MMD^2 unbiased, RBF exp(-d^2 / (2k)) (lambda 3)
MMD prior samples are given in the fixture (prior, (N,k)).
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
LN2PI = math.log(2 * math.pi)


def T(t):
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def lse(x, dim):
    return torch.logsumexp(x, dim)


def tc_terms(z, mu, lv, n_data):
    m, k = z.shape
    log_q = -0.5 * ((z.unsqueeze(1) - mu.unsqueeze(0)) ** 2 * torch.exp(-lv.unsqueeze(0)) + lv.unsqueeze(0) + LN2PI)  # (M,M,k)
    log_nm = math.log(n_data * m)
    log_qz = lse(log_q.sum(2), 1) - log_nm
    log_qprod = (lse(log_q, 1) - log_nm).sum(1)
    log_qzx = (-0.5 * ((z - mu) ** 2 * torch.exp(-lv) + lv + LN2PI)).sum(1)
    log_pz = (-0.5 * (z ** 2 + LN2PI)).sum(1)
    return (log_qzx - log_qz).mean(), (log_qz - log_qprod).mean(), (log_qprod - log_pz).mean()


def gram(a, b, kernel, k):
    d2 = ((a.unsqueeze(1) - b.unsqueeze(0)) ** 2).sum(2)
    c = 2.0 * k
    if kernel == "rbf":
        return torch.exp(-d2 / c)
    return sum(s * c / (s * c + d2) for s in [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0])


def mmd(x, y, kernel):
    n, k = x.shape
    kxx, kyy, kxy = gram(x, x, kernel, k), gram(y, y, kernel, k), gram(x, y, kernel, k)
    off = 1.0 / (n * (n - 1))
    return (kxx.sum() - kxx.diagonal().sum()) * off + (kyy.sum() - kyy.diagonal().sum()) * off - 2.0 * kxy.sum() / (n * n)


cases = []
D, H, K, N = 6, 5, 3, 8
for i, name in enumerate(["plain", "beta-free", "capacity", "tc", "mmd-imq", "mmd-rbf"]):
    torch.manual_seed(100 + i)
    enc, mu_head, lv_head = nn.Linear(D, H), nn.Linear(H, K), nn.Linear(H, K)
    dec1, dec2 = nn.Linear(K, H), nn.Linear(H, D)
    x = torch.rand(N, D)
    eps = torch.randn(N, K)
    prior = torch.randn(N, K)
    h = F.relu(enc(x))
    mu, lv = mu_head(h), lv_head(h)
    z = mu + torch.exp(0.5 * lv) * eps
    logits = dec2(F.relu(dec1(z)))
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum() / N
    kl_dim = 0.5 * (mu ** 2 + torch.exp(lv) - 1 - lv)
    kl = kl_dim.sum() / N
    terms = {"reconstruction": rec}
    if name == "plain":
        terms["kl"] = kl
    elif name == "beta-free":
        terms["kl"] = 4.0 * torch.clamp(kl_dim.mean(0), min=0.3).sum()
    elif name == "capacity":
        terms["kl"] = 50.0 * torch.abs(kl - 1.5)
    elif name == "tc":
        mi, tc, dimkl = tc_terms(z, mu, lv, 1000)
        terms["mi"], terms["tc"], terms["dim-kl"] = mi, 6.0 * tc, dimkl
    else:
        terms["kl"] = kl
        terms["mmd"] = 3.0 * mmd(z, prior, name[4:])
    loss = sum(terms.values())
    params = {"encoder.0.weight": enc.weight, "encoder.0.bias": enc.bias,
              "latent.mu.weight": mu_head.weight, "latent.mu.bias": mu_head.bias,
              "latent.log_var.weight": lv_head.weight, "latent.log_var.bias": lv_head.bias,
              "decoder.0.weight": dec1.weight, "decoder.0.bias": dec1.bias,
              "decoder.2.weight": dec2.weight, "decoder.2.bias": dec2.bias}
    grads = torch.autograd.grad(loss, list(params.values()))
    cases.append({"name": name, "x": T(x), "eps": T(eps), "prior": T(prior),
                  "params": {k: T(v) for k, v in params.items()},
                  "grads": {k: T(g) for k, g in zip(params.keys(), grads)},
                  "terms": {k: float(v) for k, v in terms.items()}, "loss": float(loss)})

with open(os.path.join(HERE, "vae.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "dims": {"D": D, "H": H, "K": K, "N": N}, "cases": cases}, f,
              separators=(",", ":"), allow_nan=False)
