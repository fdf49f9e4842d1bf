#!/usr/bin/python3
"""Writes resize.json: PyTorch 1.13 F.interpolate outputs and input gradients for the resize filters Bottleneck matches
(Tensor.Resize2d): bicubic (align_corners=False), bicubic with antialias=True (Pillow's filter) and area, shrinking and
enlarging, integer and fractional factors.

Run from anywhere with Debian's interpreter (apt-get install python3-torch):
    /usr/bin/python3 tests/Bottleneck.Tests/Fixtures/torch/make_resize_fixtures.py
Each case: the mode, antialias flag, output size, input x (N, C, H, W), a random upstream gradient g, y and dL/dx for
L = sum(y * g).
"""
import json, os
import torch
import torch.nn.functional as F

torch.manual_seed(2016)


def t(x):
    x = x.detach().to(torch.float32)
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


cases = []
specs = [
    ("bicubic up x2", "bicubic", False, (2, 3, 5, 6), (10, 12)),
    ("bicubic up x3", "bicubic", False, (1, 1, 4, 4), (12, 12)),
    ("bicubic up fractional", "bicubic", False, (1, 2, 5, 7), (8, 9)),
    ("bicubic down x2 no antialias", "bicubic", False, (1, 2, 8, 10), (4, 5)),
    ("bicubic down x2 antialias", "bicubic", True, (2, 2, 12, 10), (6, 5)),
    ("bicubic down x3 antialias", "bicubic", True, (1, 3, 15, 12), (5, 4)),
    ("bicubic down x4 antialias", "bicubic", True, (1, 1, 16, 16), (4, 4)),
    ("bicubic down fractional antialias", "bicubic", True, (1, 1, 11, 13), (4, 6)),
    ("bicubic up antialias", "bicubic", True, (1, 1, 4, 5), (8, 9)),
    ("area down x2", "area", False, (2, 2, 8, 6), (4, 3)),
    ("area down fractional", "area", False, (1, 2, 7, 10), (3, 4)),
]
for name, mode, aa, shape, size in specs:
    x = torch.rand(shape, dtype=torch.float64, requires_grad=True)
    kw = {"align_corners": False} if mode == "bicubic" else {}
    if aa:
        kw["antialias"] = True
    y = F.interpolate(x, size=size, mode=mode, **kw)
    g = torch.randn(y.shape, dtype=torch.float64)
    (y * g).sum().backward()
    cases.append({"name": name, "mode": mode, "antialias": aa, "size": list(size),
                  "x": t(x), "g": t(g), "y": t(y), "dx": t(x.grad)})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resize.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {out}: {len(cases)} cases")
