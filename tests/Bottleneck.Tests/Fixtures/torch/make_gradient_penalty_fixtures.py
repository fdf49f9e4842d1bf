#!/usr/bin/python3
"""Writes gradient_penalty.json: the R1 gradient penalty of Mescheder et al. (2018) on an MLP discriminator in PyTorch 1.13.

Run from anywhere with Debian's interpreter (apt-get install python3-torch):
    /usr/bin/python3 tests/Bottleneck.Tests/Fixtures/torch/make_gradient_penalty_fixtures.py
Each case records the discriminator's state dict (nn.Sequential numbering), real samples x, gamma, the logits D(x), the input
gradient dD/dx = torch.autograd.grad(D(x).sum(), x, create_graph=True), the penalty R1 = gamma/2 * mean_i |dD/dx_i|^2, and the
gradients of R1 with respect to the discriminator's parameters (double backward). The "spectral_norm" case wraps each Linear in
torch.nn.utils.spectral_norm in training mode (one power-iteration step in the forward) and also records u, v after the call.
"""
import json, os
import torch

torch.manual_seed(2027)


def t(x):
    x = x.detach().to(torch.float32)
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


ACTS = {"relu": torch.nn.ReLU, "leaky_relu": torch.nn.LeakyReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}


def run(name, widths, rows, gamma, act="relu", spectral=False):
    layers = []
    for i in range(len(widths) - 1):
        lin = torch.nn.Linear(widths[i], widths[i + 1])
        layers.append(torch.nn.utils.spectral_norm(lin) if spectral else lin)
        if i < len(widths) - 2:
            layers.append(ACTS[act]())
    d = torch.nn.Sequential(*layers)
    d.train(True)
    before = {k: t(v) for k, v in d.state_dict().items()}
    x = (torch.randn(rows, widths[0]) * 1.5).requires_grad_(True)
    out = d(x)
    (g,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    penalty = gamma / 2 * g.pow(2).sum(1).mean()
    penalty.backward()
    return {
        "name": name,
        "activation": act,
        "spectral": spectral,
        "widths": widths,
        "gamma": gamma,
        "state": before,
        "x": t(x),
        "logits": t(out),
        "input_gradient": t(g),
        "penalty": float(penalty),
        # a parameter the penalty does not reach (the last bias; with ReLU every bias) has no grad: recorded as zeros
        "grad_params": {k: t(p.grad if p.grad is not None else torch.zeros_like(p)) for k, p in d.named_parameters()},
        "state_after": {k: t(v) for k, v in d.state_dict().items()},
    }


cases = [
    run("relu", [8, 16, 16, 1], 12, 1.0),
    run("relu_gamma10", [3, 7, 5, 1], 9, 10.0),
    run("leaky_relu", [6, 10, 10, 1], 8, 0.5, act="leaky_relu"),
    run("tanh", [5, 9, 4, 1], 7, 2.0, act="tanh"),
    run("sigmoid_one_hidden", [4, 6, 1], 5, 1.0, act="sigmoid"),
    run("spectral_norm", [8, 12, 12, 1], 10, 1.0, spectral=True),
]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gradient_penalty.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print("wrote", out)
