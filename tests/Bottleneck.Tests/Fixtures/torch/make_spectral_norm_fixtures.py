#!/usr/bin/python3
"""Writes spectral_norm.json: torch.nn.utils.spectral_norm(nn.Linear) in PyTorch 1.13, forward and gradients.

Run from anywhere with Debian's interpreter (apt-get install python3-torch):
    /usr/bin/python3 tests/Bottleneck.Tests/Fixtures/torch/make_spectral_norm_fixtures.py
Each case records the layer's state dict before the call (weight_orig, bias, weight_u, weight_v), an input x, a random
non-uniform upstream gradient g, the output y of one forward (training mode: one power-iteration step first; evaluation
mode: none), dL/dx and dL/dweight_orig, dL/dbias for L = sum(y * g), the normalised weight W / sigma that forward used,
and the state dict after the call (u and v after the power iteration). The "two_forwards" case calls the layer twice in
training mode and back-propagates L = sum(y1 * g1) + sum(y2 * g2), as a GAN discriminator sees real and fake samples.
"""
import json, os
import torch

torch.manual_seed(2026)


def t(x):
    x = x.detach().to(torch.float32)
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


def upstream(shape):
    g = torch.rand(shape) + 0.5
    return g * torch.where(torch.rand(shape) < 0.5, -1.0, 1.0)


def run(name, in_f, out_f, rows, train=True, bias=True, calls=1, scale=1.0):
    layer = torch.nn.utils.spectral_norm(torch.nn.Linear(in_f, out_f, bias=bias))
    with torch.no_grad():
        layer.weight_orig.mul_(scale)
    layer.train(train)
    before = {k: t(v) for k, v in layer.state_dict().items()}
    xs, gs, ys, ws = [], [], [], []
    loss = 0
    for _ in range(calls):
        x = torch.randn(rows, in_f).requires_grad_(True)
        y = layer(x)
        g = upstream(y.shape)
        loss = loss + (y * g).sum()
        xs.append(x); gs.append(g); ys.append(y); ws.append(layer.weight.detach().clone())
    loss.backward()
    return {
        "name": name,
        "train": train,
        "state": before,
        "inputs": [t(x) for x in xs],
        "upstream": [t(g) for g in gs],
        "outputs": [t(y) for y in ys],
        "normalized_weights": [t(w) for w in ws],
        "grad_inputs": [t(x.grad) for x in xs],
        "grad_params": {k: t(p.grad) for k, p in layer.named_parameters()},
        "state_after": {k: t(v) for k, v in layer.state_dict().items()},
        "sigma_exact": float(torch.linalg.matrix_norm(layer.weight_orig.detach(), ord=2)),
    }


cases = [
    run("train", 7, 5, 4),
    run("train_wide_scaled", 9, 3, 6, scale=4.0),
    run("train_no_bias", 5, 6, 3, bias=False),
    run("eval", 6, 4, 5, train=False),
    run("two_forwards", 8, 5, 4, calls=2),
]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spectral_norm.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print("wrote", out)
