#!/usr/bin/python3
"""Writes the PyTorch parity fixtures for Bottleneck's losses, optimizers, clipping and LR schedules.

Run from anywhere with the system Python that has torch 1.13:  /usr/bin/python3 make_fixtures.py
Outputs (next to this script): losses.json, optimizers.json, schedulers.json, clipping.json.
Everything is float32 and seeded, so re-running reproduces the same files.
A tensor is stored as {"shape": [...], "data": [...]} (row-major); float32 values are written exactly (as doubles).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(1234)
torch.set_default_dtype(torch.float32)


def T(t):
    if t is None:
        return None
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def dump(name, obj):
    obj = {"torch_version": torch.__version__, **obj}
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(obj, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")


# ----------------------------------------------------------------------------- losses

REDUCTIONS = ["mean", "sum", "none", "batchmean"]


def reduce(values, reduction, n, numel_mean=None):
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum()
    if reduction == "batchmean":
        return values.sum() / n
    return values.sum() / numel_mean if numel_mean is not None else values.mean()


def torch_loss(loss, reduction, x, y, extra):
    """The reference computation; 'batchmean' = sum / N (dimension 0)."""
    n = x.shape[0]
    if loss in ("mse", "l1", "huber", "bce", "bce_with_logits"):
        f = {
            "mse": lambda r: F.mse_loss(x, y, reduction=r),
            "l1": lambda r: F.l1_loss(x, y, reduction=r),
            "huber": lambda r: F.huber_loss(x, y, reduction=r, delta=extra["delta"]),
            "bce": lambda r: F.binary_cross_entropy(x, y, reduction=r),
            "bce_with_logits": lambda r: F.binary_cross_entropy_with_logits(x, y, reduction=r),
        }[loss]
        return f("sum") / n if reduction == "batchmean" else f(reduction)
    if loss == "masked_mse":
        m = extra["mask"]
        e = m * (x - y) ** 2
        if reduction == "mean":
            s = m.sum()
            return e.sum() / s if s.item() != 0 else e.sum() * 0
        return reduce(e, reduction, n)
    if loss == "cross_entropy":
        t = extra["targets"]
        if reduction == "batchmean":
            return F.cross_entropy(x, t, reduction="sum") / n
        return F.cross_entropy(x, t, reduction=reduction)
    if loss == "cross_entropy_probs":
        if reduction == "batchmean":
            return F.cross_entropy(x, y, reduction="sum") / n
        return F.cross_entropy(x, y, reduction=reduction)
    if loss == "kl_standard_normal":
        terms = 1 + y - x ** 2 - y.exp()            # x = mu, y = logVar
        per_sample = -0.5 * terms.sum(dim=1)
        if reduction == "mean":
            return -0.5 * terms.sum() / terms.numel()
        return reduce(per_sample, reduction, n)
    raise ValueError(loss)


def loss_case(name, loss, x, y, grad_target=True, **extra):
    cases = []
    for reduction in REDUCTIONS:
        xi = x.clone().requires_grad_(True)
        yi = y.clone().requires_grad_(grad_target) if y is not None else None
        out = torch_loss(loss, reduction, xi, yi, extra)
        upstream = torch.randn(out.shape) if reduction == "none" else None
        if upstream is not None:
            out.backward(upstream)
        else:
            out.backward()
        inputs = {"input": T(x)}
        if y is not None:
            inputs["target"] = T(y)
        if "mask" in extra:
            inputs["mask"] = T(extra["mask"])
        if "targets" in extra:
            inputs["targets"] = T(extra["targets"].to(torch.float32))
        grads = {"input": T(xi.grad)}
        if yi is not None and grad_target:
            grads["target"] = T(yi.grad)
        cases.append({
            "name": f"{name}_{reduction}", "loss": loss, "reduction": reduction,
            "delta": extra.get("delta"), "inputs": inputs, "upstream": T(upstream),
            "output": T(out), "grads": grads,
        })
    return cases


def make_losses():
    N, D = 4, 5
    cases = []
    x = torch.randn(N, D)
    y = torch.randn(N, D)
    cases += loss_case("mse", "mse", x, y)
    y_l1 = x + torch.sign(torch.randn(N, D)) * (0.2 + torch.rand(N, D))   # no ties: |x − y| ≥ 0.2
    cases += loss_case("l1", "l1", x, y_l1)
    x_h = torch.randn(N, D) * 1.5
    y_h = torch.randn(N, D)
    cases += loss_case("huber", "huber", x_h, y_h, delta=1.0)
    cases += loss_case("huber_d05", "huber", x_h, y_h, delta=0.5)
    p = 0.02 + 0.96 * torch.rand(N, D)
    t = torch.rand(N, D)
    t[0, :3] = torch.tensor([0.0, 1.0, 1.0])
    cases += loss_case("bce", "bce", p, t)
    p_edge = p.clone()
    p_edge[0, 0], p_edge[1, 1], p_edge[2, 2] = 0.0, 1.0, 1e-30   # clamp of the log terms at −100
    cases += loss_case("bce_clamp", "bce", p_edge, t, grad_target=False)
    logits = torch.randn(N, D) * 3
    logits[0, 0], logits[1, 1], logits[2, 2], logits[3, 3] = 30.0, -30.0, 15.0, -12.0
    cases += loss_case("bce_with_logits", "bce_with_logits", logits, t)
    mask = (torch.rand(N, D) > 0.4).to(torch.float32)
    mask[0, 1] = 0.5                                               # a non-binary weight
    cases += loss_case("masked_mse", "masked_mse", x, y, mask=mask)
    cases += loss_case("masked_mse_empty", "masked_mse", x, y, mask=torch.zeros(N, D))
    ce_logits = torch.randn(N, D) * 2
    cases += loss_case("cross_entropy", "cross_entropy", ce_logits, None, targets=torch.tensor([1, 0, 4, 2]))
    probs = torch.softmax(torch.randn(N, D), dim=1)
    cases += loss_case("cross_entropy_probs", "cross_entropy_probs", ce_logits, probs)
    mu = torch.randn(N, 3)
    logvar = torch.randn(N, 3) * 0.5
    cases += loss_case("kl", "kl_standard_normal", mu, logvar)
    dump("losses.json", {"cases": cases})


# ----------------------------------------------------------------------------- optimizers

OPTIMIZERS = [
    ("sgd", "sgd", dict(lr=0.1)),
    ("sgd_momentum_nesterov_wd", "sgd", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("sgd_momentum_dampening", "sgd", dict(lr=0.05, momentum=0.8, dampening=0.3)),
    ("adam", "adam", dict(lr=0.01)),
    ("adam_wd_skip", "adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("adam_amsgrad", "adam", dict(lr=0.01, amsgrad=True)),
    ("adamw", "adamw", dict(lr=0.01, weight_decay=0.1)),
    ("adamw_amsgrad", "adamw", dict(lr=0.01, weight_decay=0.05, amsgrad=True)),
    ("rmsprop", "rmsprop", dict(lr=0.01)),
    ("rmsprop_centered_momentum", "rmsprop", dict(lr=0.01, alpha=0.9, momentum=0.9, centered=True, weight_decay=0.05)),
]


def make_optimizer(kind, params, hp):
    return {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
            "rmsprop": torch.optim.RMSprop}[kind](params, **hp)


def make_optimizers():
    cases = []
    for name, kind, hp in OPTIMIZERS:
        params = [torch.randn(4, 5), torch.randn(5)]   # 20 = vector body + tail; 5 = tail only
        ps = [p.clone().requires_grad_(True) for p in params]
        opt = make_optimizer(kind, ps, hp)
        steps = []
        for k in range(3):
            grads = [torch.randn(p.shape) * (1 + k) for p in params]
            if name == "adam_wd_skip" and k == 1:
                grads[1] = None                          # skipped: its step count must not advance
            for p, g in zip(ps, grads):
                p.grad = None if g is None else g.clone()
            opt.step()
            steps.append({"grads": [T(g) for g in grads], "params_after": [T(p) for p in ps]})
        hyper = {k: (list(v) if isinstance(v, tuple) else v) for k, v in hp.items()}
        cases.append({"name": name, "optimizer": kind, "hyper": hyper, "params": [T(p) for p in params], "steps": steps})
    dump("optimizers.json", {"cases": cases})


# ----------------------------------------------------------------------------- schedulers

def make_schedulers():
    S = torch.optim.lr_scheduler
    base_lr, epochs = 0.1, 15
    plateau_min_metrics = [1.0, 0.9, 0.85, 0.86, 0.87, 0.84999, 0.9, 0.91, 0.92, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6]
    plateau_max_metrics = [0.1, 0.2, 0.205, 0.3, 0.3, 0.3, 0.305, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]
    specs = [
        ("step", dict(step_size=3, gamma=0.5), lambda o: S.StepLR(o, step_size=3, gamma=0.5), None),
        ("exponential", dict(gamma=0.9), lambda o: S.ExponentialLR(o, gamma=0.9), None),
        ("cosine", dict(t_max=10, eta_min=0.001), lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001), None),
        ("warmup", dict(warmup_steps=5, start_factor=0.25), lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=5), None),
        ("plateau", dict(mode="min", factor=0.5, patience=2, threshold=1e-4, threshold_mode="rel", cooldown=1, min_lr=0.01),
         lambda o: S.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2, threshold=1e-4, threshold_mode="rel", cooldown=1, min_lr=0.01),
         plateau_min_metrics),
        ("plateau", dict(mode="max", factor=0.1, patience=1, threshold=0.01, threshold_mode="abs", cooldown=0, min_lr=0.0),
         lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.1, patience=1, threshold=0.01, threshold_mode="abs"),
         plateau_max_metrics),
    ]
    cases = []
    for kind, args, ctor, metrics in specs:
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=base_lr)
        sched = ctor(opt)
        lrs = [opt.param_groups[0]["lr"]]
        for e in range(epochs):
            opt.step()
            if metrics is None:
                sched.step()
            else:
                sched.step(metrics[e])
            lrs.append(opt.param_groups[0]["lr"])
        cases.append({"name": kind if metrics is None else f"plateau_{args['mode']}", "scheduler": kind, "args": args,
                      "base_lr": base_lr, "metrics": metrics, "lrs": lrs})
    dump("schedulers.json", {"cases": cases})


# ----------------------------------------------------------------------------- clipping

def make_clipping():
    cases = []
    grads = [torch.randn(4, 5), torch.randn(5) * 2, torch.randn(3) * 0.5]
    for name, max_norm, norm_type in [("l2_clip", 1.0, 2.0), ("l2_noclip", 100.0, 2.0), ("l1_clip", 0.5, 1.0),
                                      ("inf_clip", 0.3, math.inf), ("l3_clip", 1.0, 3.0)]:
        ps = [torch.zeros(g.shape, requires_grad=True) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
        cases.append({"name": name, "max_norm": max_norm, "norm_type": "inf" if math.isinf(norm_type) else norm_type,
                      "grads": [T(g) for g in grads], "total_norm": float(total), "grads_after": [T(p.grad) for p in ps]})
    g = torch.randn(4, 5) * 2
    p = torch.zeros(4, 5, requires_grad=True)
    p.grad = g.clone()
    torch.nn.utils.clip_grad_value_([p], 1.5)
    value_case = {"name": "value", "clip_value": 1.5, "grads": [T(g)], "grads_after": [T(p.grad)]}
    dump("clipping.json", {"norm_cases": cases, "value_cases": [value_case]})


if __name__ == "__main__":
    make_losses()
    make_optimizers()
    make_schedulers()
    make_clipping()
    print("fixtures written to", HERE)
