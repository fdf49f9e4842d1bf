#!/usr/bin/python3
"""Writes likelihoods.json: the reconstruction loss of each Bottleneck likelihood computed by PyTorch 1.13, with its gradients.

Run with the system Python that has torch 1.13:  /usr/bin/python3 make_likelihood_fixtures.py
Convention (Bottleneck's, docs/glossary.md): per sample, summed over the features the mask keeps, averaged over the batch (N).
  sigmoid-bce : F.binary_cross_entropy_with_logits(l, x, reduction='none'), masked, summed / N
  linear-mse  : (l - x)^2, masked, summed / N
  tanh-mse    : (tanh(l) - x)^2, masked, summed / N
  gaussian-nll: F.gaussian_nll_loss(l, x, var=exp(s), full=True, reduction='none') (var broadcast over the batch), masked, summed / N
Gradients are taken w.r.t. the logits and, for gaussian-nll, the log-variance s.
"""
import json
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(4321)


def T(t):
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def element_loss(name, logits, x, log_var):
    if name == "sigmoid-bce":
        return F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    if name == "linear-mse":
        return (logits - x) ** 2
    if name == "tanh-mse":
        return (torch.tanh(logits) - x) ** 2
    if name == "gaussian-nll":
        var = torch.exp(log_var).expand_as(logits)
        return F.gaussian_nll_loss(logits, x, var, full=True, reduction="none", eps=1e-12)
    raise ValueError(name)


cases = []
n, d = 5, 7
for name in ["sigmoid-bce", "linear-mse", "tanh-mse", "gaussian-nll"]:
    for masked in [False, True]:
        logits = (torch.randn(n, d) * 2.5).requires_grad_(True)
        x = torch.rand(n, d) if name == "sigmoid-bce" else (torch.rand(n, d) * 2 - 1 if name == "tanh-mse" else torch.randn(n, d))
        log_var = (torch.randn(d) * 0.7).requires_grad_(True)
        mask = (torch.rand(n, d) > 0.3).float() if masked else torch.ones(n, d)
        loss = (element_loss(name, logits, x, log_var) * mask).sum() / n
        loss.backward()
        case = {"name": f"{name}{'-masked' if masked else ''}", "likelihood": name, "logits": T(logits), "target": T(x),
                "loss": float(loss), "grad_logits": T(logits.grad)}
        if masked:
            case["mask"] = T(mask)
        if name == "gaussian-nll":
            case["log_var"] = T(log_var)
            case["grad_log_var"] = T(log_var.grad)
        cases.append(case)

with open(os.path.join(HERE, "likelihoods.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f, separators=(",", ":"), allow_nan=False)
    f.write("\n")
