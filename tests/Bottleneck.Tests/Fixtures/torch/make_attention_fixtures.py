#!/usr/bin/python3
"""Writes attention.json: PyTorch 1.13 outputs and gradients of nn.MultiheadAttention (self-attention, batch_first) and
nn.TransformerEncoderLayer(norm_first=True, batch_first=True), with and without causal and key-padding masks.

Run from anywhere with Debian's interpreter (apt-get install python3-torch):
    /usr/bin/python3 tests/Bottleneck.Tests/Fixtures/torch/make_attention_fixtures.py
Each case records the module's state dict (PyTorch's names), the input, the masks, a random non-uniform upstream gradient g,
the output y and the gradients of L = sum(y * g) with respect to the input and every parameter. Dropout is 0 and the
modules are in training mode (PyTorch's fused inference path is not taken).
"""
import json, os
import torch

torch.manual_seed(1314)


def t(x):
    x = x.detach().to(torch.float32)
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


def upstream(shape):
    g = torch.rand(shape) + 0.5
    return g * torch.where(torch.rand(shape) < 0.5, -1.0, 1.0)


def causal_mask(T):
    return torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)


def run(name, kind, module, x, causal, padding):
    module.train()
    # non-trivial biases and norms, so that every parameter matters
    with torch.no_grad():
        for k, p in module.named_parameters():
            if "bias" in k:
                p.copy_(torch.randn_like(p) * 0.1)
            if k.startswith("norm") and k.endswith("weight"):
                p.copy_(torch.rand_like(p) + 0.5)
    x = x.clone().requires_grad_(True)
    attn_mask = causal_mask(x.shape[1]) if causal else None
    if kind == "mha":
        y, _ = module(x, x, x, attn_mask=attn_mask, key_padding_mask=padding, need_weights=False)
    else:
        y = module(x, src_mask=attn_mask, src_key_padding_mask=padding)
    g = upstream(y.shape)
    (y * g).sum().backward()
    case = {"name": name, "kind": kind, "causal": causal, "state": {k: t(v) for k, v in module.state_dict().items()},
            "input": t(x), "upstream": t(g), "output": t(y), "grad_input": t(x.grad),
            "grad_params": {k: t(p.grad) for k, p in module.named_parameters()}}
    if padding is not None:
        case["key_padding_mask"] = t(padding.float())
    return case


cases = []
E, H, T, N = 8, 2, 5, 3
pad = torch.zeros(N, T, dtype=torch.bool)
pad[1, 3:] = True
pad[2, 4:] = True
cases.append(run("mha", "mha", torch.nn.MultiheadAttention(E, H, batch_first=True), torch.randn(N, T, E), False, None))
cases.append(run("mha_causal", "mha", torch.nn.MultiheadAttention(E, H, batch_first=True), torch.randn(N, T, E), True, None))
cases.append(run("mha_padding", "mha", torch.nn.MultiheadAttention(E, 4, batch_first=True), torch.randn(N, T, E), False, pad))
cases.append(run("mha_causal_padding", "mha", torch.nn.MultiheadAttention(E, 1, batch_first=True), torch.randn(N, T, E), True, pad))
for causal, padding, suffix in ((False, None, ""), (True, None, "_causal"), (False, pad, "_padding")):
    layer = torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=12, dropout=0.0, batch_first=True, norm_first=True)
    cases.append(run("encoder_layer" + suffix, "encoder", layer, torch.randn(N, T, E), causal, padding))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attention.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {out}: {len(cases)} cases")
