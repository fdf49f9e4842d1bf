#!/usr/bin/python3
"""Writes dagmm.json: DAGMM's Gaussian-mixture estimates computed by PyTorch 1.13 (float64), with gradients.

Run with the system Python that has torch 1.13:  /usr/bin/python3 make_dagmm_fixtures.py
Follows Zong et al., "Deep Autoencoding Gaussian Mixture Model for Unsupervised Anomaly Detection", ICLR 2018, section 3.3:
  gamma = softmax(a) over K components per sample (a: the estimation network's logits)
  phi_k = mean_i gamma_ik;  mu_k = sum_i gamma_ik z_i / sum_i gamma_ik
  Sigma_k = sum_i gamma_ik (z_i - mu_k)(z_i - mu_k)^T / sum_i gamma_ik
  E(z) = -log sum_k phi_k exp(-1/2 (z - mu_k)^T Sigma~_k^-1 (z - mu_k)) / sqrt(det(2 pi Sigma~_k)),  Sigma~_k = Sigma_k + eps I
  P = sum_k sum_j 1 / Sigma~_k,jj
Objective for the gradients: L = sum_i w_i E(z_i) + P with fixed weights w; gradients w.r.t. z and a.
"""
import json
import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(2018)


def T(t):
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def mixture(z, a, eps):
    gamma = torch.softmax(a, dim=1)
    n, d = z.shape
    weight = gamma.sum(0)
    phi = weight / n
    mu = gamma.t() @ z / weight[:, None]
    diff = z[:, None, :] - mu[None, :, :]
    cov = torch.einsum("nk,nki,nkj->kij", gamma, diff, diff) / weight[:, None, None]
    reg = cov + eps * torch.eye(d, dtype=z.dtype)
    inv = torch.linalg.inv(reg)
    maha = torch.einsum("nki,kij,nkj->nk", diff, inv, diff)
    logdet = torch.logdet(reg)
    logp = torch.log(phi)[None, :] - 0.5 * maha - 0.5 * (d * math.log(2 * math.pi) + logdet)[None, :]
    energy = -torch.logsumexp(logp, dim=1)
    penalty = (1.0 / torch.diagonal(reg, dim1=1, dim2=2)).sum()
    return phi, mu, cov, energy, penalty


cases = []
for (n, d, k, eps) in [(7, 3, 2, 1e-2), (9, 2, 3, 1e-3)]:
    z = torch.randn(n, d, dtype=torch.float64, requires_grad=True)
    a = torch.randn(n, k, dtype=torch.float64, requires_grad=True)
    w = torch.rand(n, dtype=torch.float64) + 0.5
    phi, mu, cov, energy, penalty = mixture(z, a, eps)
    (torch.sum(w * energy) + penalty).backward()
    cases.append({"n": n, "d": d, "k": k, "eps": eps, "z": T(z), "logits": T(a), "w": T(w),
                  "phi": T(phi), "mu": T(mu), "cov": T(cov), "energy": T(energy), "penalty": float(penalty),
                  "grad_z": T(z.grad), "grad_logits": T(a.grad)})

# A whole DAGMM step in eval mode (no dropout): compression network 4-5-1-5-4 (tanh), estimation network 3-10-2 (tanh, the
# dropout layer is index 2 as in Bottleneck's nn.Sequential numbering), linear-mse reconstruction (squared error summed over
# features, batch mean), lambda1 = 0.1, lambda2 = 0.005, eps = 1e-2; gradients of the total loss w.r.t. every parameter.
torch.manual_seed(7)
enc = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)).double()
dec = torch.nn.Sequential(torch.nn.Linear(1, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4)).double()
est = torch.nn.Sequential(torch.nn.Linear(3, 10), torch.nn.Tanh(), torch.nn.Dropout(0.5), torch.nn.Linear(10, 2)).double().eval()
x = torch.randn(8, 4, dtype=torch.float64)
zc = enc(x)
xr = dec(zc)
xn = torch.sqrt((x * x).sum(1) + 1e-10)
rn = torch.sqrt((xr * xr).sum(1) + 1e-10)
rel = torch.sqrt(((x - xr) ** 2).sum(1) + 1e-10) / xn
cos = (x * xr).sum(1) / (xn * rn)
z = torch.cat([zc, rel[:, None], cos[:, None]], 1)
a = est(z)
gamma = torch.softmax(a, 1)
n, d = z.shape
weight = gamma.sum(0)
phi = weight / n
mu = gamma.t() @ z / weight[:, None]
diff = z[:, None, :] - mu[None, :, :]
cov = torch.einsum("nk,nki,nkj->kij", gamma, diff, diff) / weight[:, None, None]
reg = cov + 1e-2 * torch.eye(d, dtype=z.dtype)
maha = torch.einsum("nki,kij,nkj->nk", diff, torch.linalg.inv(reg), diff)
logp = torch.log(phi)[None, :] - 0.5 * maha - 0.5 * (d * math.log(2 * math.pi) + torch.logdet(reg))[None, :]
energy = -torch.logsumexp(logp, 1)
recon = ((xr - x) ** 2).sum(1).mean()
energy_term = 0.1 * energy.mean()
penalty_term = 0.005 * (1.0 / torch.diagonal(reg, dim1=1, dim2=2)).sum()
loss = recon + energy_term + penalty_term
loss.backward()
state = {}
grads = {}
for prefix, m in [("encoder", enc), ("decoder", dec), ("estimation", est)]:
    for name, p in m.named_parameters():
        state[f"{prefix}.{name}"] = T(p)
        grads[f"{prefix}.{name}"] = T(p.grad)
model = {"x": T(x), "state": state, "grads": grads, "reconstruction": float(recon), "energy": float(energy_term),
         "penalty": float(penalty_term), "loss": float(loss)}

with open(os.path.join(HERE, "dagmm.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases, "model": model}, f)
print("wrote dagmm.json")
