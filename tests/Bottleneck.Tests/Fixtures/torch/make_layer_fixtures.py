#!/usr/bin/python3
"""Writes layers.json: PyTorch 1.13 forward outputs and gradients for Linear, BatchNorm1d and LayerNorm.

Run from anywhere with Debian's interpreter (apt-get install python3-torch):
    /usr/bin/python3 tests/Bottleneck.Tests/Fixtures/torch/make_layer_fixtures.py
Each case records the layer's parameters, an input, a random non-uniform upstream gradient g, the output y,
dL/dx and dL/dparam for L = sum(y * g), and (for batch norm) the running statistics after the call.
"""
import json, os
import torch

torch.manual_seed(2024)


def t(x):
    x = x.detach().to(torch.float32)
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


def run(name, layer, x, train=True):
    layer.train(train)
    x = x.clone().requires_grad_(True)
    params_before = {k: t(v) for k, v in layer.state_dict().items()}
    y = layer(x)
    g = torch.rand(y.shape) + 0.5
    g = g * torch.where(torch.rand(y.shape) < 0.5, -1.0, 1.0)
    (y * g).sum().backward()
    return {
        "name": name,
        "train": train,
        "state": params_before,
        "input": t(x),
        "upstream": t(g),
        "output": t(y),
        "grad_input": t(x.grad),
        "grad_params": {k: t(p.grad) for k, p in layer.named_parameters()},
        "state_after": {k: t(v) for k, v in layer.state_dict().items()},
    }


cases = []
cases.append(run("linear", torch.nn.Linear(7, 5), torch.randn(4, 7)))
cases.append(run("linear_nobias_3d", torch.nn.Linear(6, 3, bias=False), torch.randn(2, 4, 6)))
bn = torch.nn.BatchNorm1d(5)
with torch.no_grad():
    bn.weight.copy_(torch.rand(5) + 0.5); bn.bias.copy_(torch.randn(5))
cases.append(run("batchnorm1d_train", bn, torch.randn(8, 5) * 2 + 1))
bn3 = torch.nn.BatchNorm1d(3, momentum=0.2, eps=1e-3)
cases.append(run("batchnorm1d_train_3d", bn3, torch.randn(4, 3, 6)))
bne = torch.nn.BatchNorm1d(5)
with torch.no_grad():
    bne.running_mean.copy_(torch.randn(5)); bne.running_var.copy_(torch.rand(5) + 0.5)
    bne.weight.copy_(torch.rand(5) + 0.5); bne.bias.copy_(torch.randn(5))
cases.append(run("batchnorm1d_eval", bne, torch.randn(6, 5), train=False))
ln = torch.nn.LayerNorm(9)
with torch.no_grad():
    ln.weight.copy_(torch.rand(9) + 0.5); ln.bias.copy_(torch.randn(9))
cases.append(run("layernorm", ln, torch.randn(2, 3, 9) * 3))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layers.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print("wrote", out)
