#!/usr/bin/python3
"""Writes recommendation.json: PyTorch / scikit-learn references for the collaborative-filtering half of issue 14.

Run with the system Python that has torch 1.13 and scikit-learn:  /usr/bin/python3 make_recommendation_fixtures.py
Cases (everything float32 unless stated, seeded, so re-running reproduces the file):
  * rprop:        torch.optim.Rprop over 6 steps of given gradients (sign changes, exact zeros, step-size clamps).
  * multinomial:  the multinomial log-likelihood loss of Mult-VAE (Liang et al. 2018),
                  -sum_j m_j x_j log_softmax(l)_j summed per row, averaged over the N rows, and its gradient
                  with respect to the logits (autograd).
  * ranking:      NDCG@k from sklearn.metrics.ndcg_score (binary relevance, scores without ties) and Recall@k with
                  Liang's normalisation hits@k / min(k, |relevant|), per user, in float64.
A tensor is {"shape": [...], "data": [...]} (row-major).
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import ndcg_score

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(1414)


def T(t):
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def rprop_cases():
    cases = []
    specs = [
        ("rprop_default", dict(lr=0.01)),
        ("rprop_clamped", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(0.01, 0.08))),
    ]
    for name, hp in specs:
        params = [torch.randn(4, 5), torch.randn(5)]
        ps = [p.clone().requires_grad_(True) for p in params]
        opt = torch.optim.Rprop(ps, **hp)
        steps = []
        for k in range(6):
            grads = []
            for p in params:
                g = torch.randn(p.shape)
                g[torch.rand(p.shape) < 0.2] = 0.0       # exact zeros: sign 0 keeps the step size
                grads.append(g)
            for p, g in zip(ps, grads):
                p.grad = g.clone()
            opt.step()
            steps.append({"grads": [T(g) for g in grads], "params_after": [T(p) for p in ps]})
        hyper = {k: (list(v) if isinstance(v, tuple) else v) for k, v in hp.items()}
        cases.append({"name": name, "hyper": hyper, "params": [T(p) for p in params], "steps": steps})
    return cases


def multinomial_cases():
    cases = []
    for name, n, d, masked in [("multinomial", 4, 7, False), ("multinomial_masked", 3, 9, True)]:
        logits = (torch.randn(n, d) * 2).requires_grad_(True)
        x = (torch.rand(n, d) < 0.4).float() * torch.randint(1, 4, (n, d)).float()   # counts 0..3
        mask = (torch.rand(n, d) < 0.7).float() if masked else torch.ones(n, d)
        loss = -(F.log_softmax(logits, dim=1) * x * mask).sum(1).mean()
        loss.backward()
        case = {"name": name, "logits": T(logits), "target": T(x), "loss": float(loss), "grad": T(logits.grad),
                "mean": T(torch.softmax(logits, dim=1))}
        if masked:
            case["mask"] = T(mask)
        cases.append(case)
    return cases


def ranking_cases():
    rng = np.random.RandomState(7)
    cases = []
    for name, users, items, k in [("ranking_k5", 6, 20, 5), ("ranking_k20", 5, 40, 20)]:
        scores = rng.rand(users, items)
        relevant = (rng.rand(users, items) < 0.15).astype(np.float64)
        relevant[0, :] = 0.0
        relevant[0, 3] = 1.0                      # a user with one relevant item
        relevant[1, :] = 1.0                      # a user for whom every item is relevant
        ndcg = [float(ndcg_score(relevant[u:u + 1], scores[u:u + 1], k=k)) for u in range(users)]
        top = np.argsort(-scores, axis=1)[:, :k]
        hits = np.take_along_axis(relevant, top, axis=1).sum(1)
        recall = (hits / np.minimum(k, relevant.sum(1))).tolist()
        cases.append({"name": name, "k": k, "users": users, "items": items,
                      "scores": scores.reshape(-1).tolist(), "relevant": relevant.reshape(-1).tolist(),
                      "ndcg": ndcg, "recall": recall})
    return cases


def main():
    out = {"torch_version": torch.__version__, "rprop": rprop_cases(), "multinomial": multinomial_cases(),
           "ranking": ranking_cases()}
    with open(os.path.join(HERE, "recommendation.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
