#!/usr/bin/python3
"""Writes conv_layers.json: PyTorch 1.13 outputs and gradients of the convolution, pooling, resampling and image
normalization layers.

Run from anywhere with Debian's interpreter (apt-get install python3-torch):
    /usr/bin/python3 tests/Bottleneck.Tests/Fixtures/torch/make_conv_fixtures.py
Each case has a "spec" (the layer type and its constructor arguments, read by NN/ConvLayerParityTests.cs to build the same
layer), the layer's state dict before the call, an input, a random non-uniform upstream gradient g, the output y, dL/dx and
dL/dparam for L = sum(y * g), and the state after the call (running statistics). Pooling with indices also records them.
"""
import json, os
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1213)


def t(x):
    x = x.detach().to(torch.float32)
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


class CausalConv1d(nn.Conv1d):
    """Causal dilated convolution: left padding d*(k-1), as in WaveNet / TCN."""
    def forward(self, x):
        return super().forward(F.pad(x, ((self.kernel_size[0] - 1) * self.dilation[0], 0)))


class DepthwiseSeparable(nn.Module):
    def __init__(self, cin, cout, k, stride=1, padding=0, mult=1):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin * mult, k, stride=stride, padding=padding, groups=cin)
        self.pointwise = nn.Conv2d(cin * mult, cout, 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class PoolUnpool1d(nn.Module):
    def __init__(self, k, s, p):
        super().__init__()
        self.pool = nn.MaxPool1d(k, s, p, return_indices=True)
        self.unpool = nn.MaxUnpool1d(k, s, p)

    def forward(self, x):
        y, i = self.pool(x)
        return self.unpool(y, i, output_size=x.shape[-1:])


class PoolUnpool(nn.Module):
    def __init__(self, k, s, p):
        super().__init__()
        self.pool = nn.MaxPool2d(k, s, p, return_indices=True)
        self.unpool = nn.MaxUnpool2d(k, s, p)

    def forward(self, x):
        y, i = self.pool(x)
        return self.unpool(y, i, output_size=x.shape[-2:])


def build(spec):
    k = spec["type"]
    if k == "conv2d":
        return nn.Conv2d(spec["in"], spec["out"], spec["k"], stride=spec.get("stride", 1), padding=spec.get("padding", 0),
                         dilation=spec.get("dilation", 1), groups=spec.get("groups", 1), bias=spec.get("bias", True))
    if k == "conv1d":
        if spec.get("padding") == "causal":
            return CausalConv1d(spec["in"], spec["out"], spec["k"], dilation=spec.get("dilation", 1), bias=spec.get("bias", True))
        return nn.Conv1d(spec["in"], spec["out"], spec["k"], stride=spec.get("stride", 1), padding=spec.get("padding", 0),
                         dilation=spec.get("dilation", 1), groups=spec.get("groups", 1), bias=spec.get("bias", True))
    if k == "convtranspose2d":
        return nn.ConvTranspose2d(spec["in"], spec["out"], spec["k"], stride=spec.get("stride", 1), padding=spec.get("padding", 0),
                                  output_padding=spec.get("output_padding", 0), dilation=spec.get("dilation", 1),
                                  groups=spec.get("groups", 1), bias=spec.get("bias", True))
    if k == "convtranspose1d":
        return nn.ConvTranspose1d(spec["in"], spec["out"], spec["k"], stride=spec.get("stride", 1), padding=spec.get("padding", 0),
                                  output_padding=spec.get("output_padding", 0), dilation=spec.get("dilation", 1),
                                  groups=spec.get("groups", 1), bias=spec.get("bias", True))
    if k == "separable":
        return DepthwiseSeparable(spec["in"], spec["out"], spec["k"], spec.get("stride", 1), spec.get("padding", 0), spec.get("mult", 1))
    if k == "maxpool2d":
        return nn.MaxPool2d(spec["k"], spec.get("stride"), spec.get("padding", 0), spec.get("dilation", 1))
    if k == "maxpool1d":
        return nn.MaxPool1d(spec["k"], spec.get("stride"), spec.get("padding", 0), spec.get("dilation", 1))
    if k == "avgpool2d":
        return nn.AvgPool2d(spec["k"], spec.get("stride"), spec.get("padding", 0), count_include_pad=spec.get("count_include_pad", True))
    if k == "avgpool1d":
        return nn.AvgPool1d(spec["k"], spec.get("stride"), spec.get("padding", 0), count_include_pad=spec.get("count_include_pad", True))
    if k == "adaptiveavgpool2d":
        return nn.AdaptiveAvgPool2d((spec["h"], spec["w"]))
    if k == "unpool":
        return PoolUnpool(spec["k"], spec.get("stride", spec["k"]), spec.get("padding", 0))
    if k == "unpool1d":
        return PoolUnpool1d(spec["k"], spec.get("stride", spec["k"]), spec.get("padding", 0))
    if k == "upsample":
        if "scale" in spec:
            return nn.Upsample(scale_factor=spec["scale"], mode=spec["mode"], **({"align_corners": spec["align_corners"]} if spec["mode"] == "bilinear" else {}))
        return nn.Upsample(size=(spec["h"], spec["w"]), mode=spec["mode"], **({"align_corners": spec["align_corners"]} if spec["mode"] == "bilinear" else {}))
    if k == "pixelshuffle":
        return nn.PixelShuffle(spec["r"])
    if k == "batchnorm2d":
        bn = nn.BatchNorm2d(spec["c"], momentum=spec.get("momentum", 0.1), eps=spec.get("eps", 1e-5))
        with torch.no_grad():
            bn.weight.copy_(torch.rand(spec["c"]) + 0.5); bn.bias.copy_(torch.randn(spec["c"]))
            if not spec.get("train", True):
                bn.running_mean.copy_(torch.randn(spec["c"])); bn.running_var.copy_(torch.rand(spec["c"]) + 0.5)
        return bn
    if k == "flatten":
        return nn.Flatten(spec.get("start", 1))
    if k == "unflatten":
        return nn.Unflatten(spec["dim"], tuple(spec["sizes"]))
    raise ValueError(k)


def run(name, spec, shape, distinct=False):
    layer = build(spec)
    train = spec.get("train", True)
    layer.train(train)
    if distinct:  # values far apart so max pooling has no near-ties
        x = (torch.randperm(int(torch.tensor(shape).prod())).float() * 0.25 - 3.0).reshape(shape)
    else:
        x = torch.randn(shape)
    x = x.clone().requires_grad_(True)
    state = {k: t(v) for k, v in layer.state_dict().items()}
    y = layer(x)
    g = (torch.rand(y.shape) + 0.5) * torch.where(torch.rand(y.shape) < 0.5, -1.0, 1.0)
    (y * g).sum().backward()
    case = {
        "name": name, "spec": spec, "train": train, "state": state, "input": t(x), "upstream": t(g), "output": t(y),
        "grad_input": t(x.grad), "grad_params": {k: t(p.grad) for k, p in layer.named_parameters()},
        "state_after": {k: t(v) for k, v in layer.state_dict().items()},
    }
    if spec["type"] == "maxpool2d":
        _, idx = F.max_pool2d(x.detach(), spec["k"], spec.get("stride"), spec.get("padding", 0), spec.get("dilation", 1), return_indices=True)
        case["indices"] = t(idx.float())
    return case


cases = [
    run("conv2d_basic", {"type": "conv2d", "in": 3, "out": 4, "k": 3}, (2, 3, 6, 5)),
    run("conv2d_stride2_pad1", {"type": "conv2d", "in": 2, "out": 5, "k": 3, "stride": 2, "padding": 1}, (2, 2, 7, 8)),
    run("conv2d_same", {"type": "conv2d", "in": 2, "out": 3, "k": 4, "padding": "same"}, (2, 2, 5, 6)),
    run("conv2d_dilation2", {"type": "conv2d", "in": 2, "out": 3, "k": 3, "dilation": 2, "padding": 1}, (1, 2, 8, 7)),
    run("conv2d_groups2_nobias", {"type": "conv2d", "in": 4, "out": 6, "k": 3, "groups": 2, "bias": False, "padding": 1}, (2, 4, 5, 5)),
    run("conv2d_depthwise", {"type": "conv2d", "in": 3, "out": 6, "k": 3, "groups": 3, "stride": 2, "padding": 1}, (2, 3, 7, 7)),
    run("conv2d_1x1", {"type": "conv2d", "in": 5, "out": 3, "k": 1}, (3, 5, 4, 4)),
    run("separable", {"type": "separable", "in": 3, "out": 4, "k": 3, "padding": 1, "mult": 2}, (2, 3, 6, 6)),
    run("conv1d_basic", {"type": "conv1d", "in": 3, "out": 4, "k": 3, "stride": 2, "padding": 1}, (2, 3, 11)),
    run("conv1d_same_dilated", {"type": "conv1d", "in": 2, "out": 3, "k": 3, "dilation": 2, "padding": "same"}, (2, 2, 9)),
    run("conv1d_groups", {"type": "conv1d", "in": 4, "out": 4, "k": 2, "groups": 4}, (2, 4, 7)),
    run("conv1d_causal_d1", {"type": "conv1d", "in": 2, "out": 3, "k": 3, "padding": "causal", "dilation": 1}, (2, 2, 10)),
    run("conv1d_causal_d4", {"type": "conv1d", "in": 3, "out": 2, "k": 2, "padding": "causal", "dilation": 4}, (2, 3, 12)),
    run("convtranspose2d_s2_op1", {"type": "convtranspose2d", "in": 4, "out": 3, "k": 3, "stride": 2, "padding": 1, "output_padding": 1}, (2, 4, 4, 5)),
    run("convtranspose2d_basic", {"type": "convtranspose2d", "in": 2, "out": 3, "k": 3}, (2, 2, 4, 4)),
    run("convtranspose2d_groups_dilation", {"type": "convtranspose2d", "in": 4, "out": 6, "k": 2, "groups": 2, "dilation": 2, "bias": False}, (1, 4, 3, 4)),
    run("convtranspose2d_s3_k4", {"type": "convtranspose2d", "in": 2, "out": 2, "k": 4, "stride": 3, "padding": 1, "output_padding": 2}, (2, 2, 3, 3)),
    run("convtranspose1d_s2_op1", {"type": "convtranspose1d", "in": 3, "out": 2, "k": 3, "stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 6)),
    run("maxpool2d_k2", {"type": "maxpool2d", "k": 2}, (2, 3, 6, 5), distinct=True),
    run("maxpool2d_k3_s2_p1", {"type": "maxpool2d", "k": 3, "stride": 2, "padding": 1}, (2, 2, 7, 6), distinct=True),
    run("maxpool2d_dilated", {"type": "maxpool2d", "k": 2, "stride": 1, "dilation": 2}, (1, 2, 6, 6), distinct=True),
    run("maxpool1d", {"type": "maxpool1d", "k": 3, "stride": 2, "padding": 1}, (2, 3, 9), distinct=True),
    run("unpool", {"type": "unpool", "k": 2, "stride": 2}, (2, 2, 5, 6), distinct=True),
    run("avgpool2d_k2", {"type": "avgpool2d", "k": 2}, (2, 3, 6, 5)),
    run("avgpool2d_k3_s2_p1", {"type": "avgpool2d", "k": 3, "stride": 2, "padding": 1}, (2, 2, 7, 6)),
    run("avgpool2d_nopadcount", {"type": "avgpool2d", "k": 3, "stride": 2, "padding": 1, "count_include_pad": False}, (1, 2, 7, 6)),
    run("avgpool1d", {"type": "avgpool1d", "k": 3, "stride": 2, "padding": 1}, (2, 3, 9)),
    run("adaptiveavgpool2d", {"type": "adaptiveavgpool2d", "h": 3, "w": 4}, (2, 2, 7, 9)),
    run("upsample_nearest_x2", {"type": "upsample", "scale": 2, "mode": "nearest"}, (2, 2, 3, 4)),
    run("upsample_nearest_size", {"type": "upsample", "h": 7, "w": 5, "mode": "nearest"}, (1, 2, 3, 4)),
    run("upsample_bilinear_x2", {"type": "upsample", "scale": 2, "mode": "bilinear", "align_corners": False}, (2, 2, 3, 4)),
    run("upsample_bilinear_size", {"type": "upsample", "h": 7, "w": 5, "mode": "bilinear", "align_corners": False}, (1, 2, 4, 3)),
    run("upsample_bilinear_aligned", {"type": "upsample", "h": 5, "w": 7, "mode": "bilinear", "align_corners": True}, (1, 2, 3, 4)),
    run("pixelshuffle_r2", {"type": "pixelshuffle", "r": 2}, (2, 8, 3, 4)),
    run("pixelshuffle_r3", {"type": "pixelshuffle", "r": 3}, (1, 9, 2, 2)),
    run("batchnorm2d_train", {"type": "batchnorm2d", "c": 3, "momentum": 0.2, "eps": 1e-3}, (4, 3, 3, 5)),
    run("batchnorm2d_eval", {"type": "batchnorm2d", "c": 3, "train": False}, (2, 3, 4, 4)),
    run("flatten", {"type": "flatten", "start": 1}, (2, 3, 2, 2)),
    run("unflatten", {"type": "unflatten", "dim": 1, "sizes": [3, 2, 2]}, (2, 12)),
    run("unpool1d", {"type": "unpool1d", "k": 3, "stride": 2, "padding": 1}, (2, 2, 9), distinct=True),
]



class ConvAE(nn.Module):
    """The peer's architecture (../shared/peers/conv_ae.py) at a small size: 1x12x12, channels 4, 8, latent 5."""
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(8 * 3 * 3, 5))
        self.decoder = nn.Sequential(
            nn.Linear(5, 8 * 3 * 3), nn.ReLU(), nn.Unflatten(1, (8, 3, 3)),
            nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1))


def model_case():
    m = ConvAE()
    x = torch.rand(3, 1, 12, 12)
    state = {k: t(v) for k, v in m.state_dict().items()}
    logits = m.decoder(m.encoder(x))
    loss = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1).mean()
    loss.backward()
    return {"name": "conv_ae", "state": state, "input": t(x), "logits": t(logits), "loss": float(loss),
            "grad_params": {k: t(p.grad) for k, p in m.named_parameters()}}


out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv_layers.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases, "model": model_case()}, f)
print("wrote", out, len(cases), "cases")
