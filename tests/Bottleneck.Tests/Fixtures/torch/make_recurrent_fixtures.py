#!/usr/bin/python3
"""Writes recurrent.json: PyTorch 1.13 outputs and gradients of nn.LSTM and nn.GRU.

Run from anywhere with Debian's interpreter (apt-get install python3-torch):
    /usr/bin/python3 tests/Bottleneck.Tests/Fixtures/torch/make_recurrent_fixtures.py
Each case records the constructor arguments, the state dict (PyTorch's names: weight_ih_l0, ..._reverse), the input,
the initial states (or none), random non-uniform upstream gradients g_out, g_h (and g_c), the outputs (output, h_n, c_n)
and the gradients of L = sum(output * g_out) + sum(h_n * g_h) [+ sum(c_n * g_c)] with respect to the input, the initial
states and every parameter.
"""
import json, os
import torch

torch.manual_seed(1313)


def t(x):
    x = x.detach().to(torch.float32)
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


def upstream(shape):
    g = torch.rand(shape) + 0.5
    return g * torch.where(torch.rand(shape) < 0.5, -1.0, 1.0)


def run(name, cls, args, x_shape, states, train=False):
    layer = cls(**args)
    layer.train(train)
    x = torch.randn(*x_shape).requires_grad_(True)
    batch_first = args.get("batch_first", False)
    n = x_shape[0] if batch_first else x_shape[1]
    d = 2 if args.get("bidirectional", False) else 1
    s_shape = (args.get("num_layers", 1) * d, n, args["hidden_size"])
    is_lstm = cls is torch.nn.LSTM
    h0 = c0 = None
    if states:
        h0 = (torch.randn(*s_shape) * 0.5).requires_grad_(True)
        if is_lstm:
            c0 = (torch.randn(*s_shape) * 0.5).requires_grad_(True)
    if is_lstm:
        out, (hn, cn) = layer(x, (h0, c0)) if states else layer(x)
    else:
        out, hn = layer(x, h0) if states else layer(x)
        cn = None
    g_out, g_h = upstream(out.shape), upstream(hn.shape)
    loss = (out * g_out).sum() + (hn * g_h).sum()
    case = {"name": name, "kind": "lstm" if is_lstm else "gru", "args": args, "train": train,
            "state": {k: t(v) for k, v in layer.state_dict().items()}, "input": t(x)}
    if cn is not None:
        g_c = upstream(cn.shape)
        loss = loss + (cn * g_c).sum()
        case["upstream_c"] = t(g_c)
        case["c_n"] = t(cn)
    loss.backward()
    case.update({"upstream_output": t(g_out), "upstream_h": t(g_h), "output": t(out), "h_n": t(hn),
                 "grad_input": t(x.grad),
                 "grad_params": {k: t(p.grad) for k, p in layer.named_parameters()}})
    if states:
        case["h0"] = t(h0); case["grad_h0"] = t(h0.grad)
        if c0 is not None:
            case["c0"] = t(c0); case["grad_c0"] = t(c0.grad)
    return case


cases = []
for cls in (torch.nn.LSTM, torch.nn.GRU):
    k = "lstm" if cls is torch.nn.LSTM else "gru"
    cases.append(run(f"{k}_one_layer_states", cls, {"input_size": 3, "hidden_size": 5, "batch_first": True}, (2, 6, 3), True))
    cases.append(run(f"{k}_two_layers_bidirectional", cls,
                     {"input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True, "batch_first": True}, (3, 5, 3), False))
    cases.append(run(f"{k}_bidirectional_states", cls,
                     {"input_size": 2, "hidden_size": 3, "num_layers": 2, "bidirectional": True, "batch_first": True}, (2, 4, 2), True))
    cases.append(run(f"{k}_time_first_no_bias", cls,
                     {"input_size": 4, "hidden_size": 3, "bias": False}, (5, 2, 4), True))
    # dropout between layers is inactive in eval mode: the outputs equal PyTorch's
    cases.append(run(f"{k}_dropout_eval", cls,
                     {"input_size": 3, "hidden_size": 4, "num_layers": 3, "dropout": 0.3, "batch_first": True}, (2, 7, 3), False))


# The ECG peer's LSTM autoencoder (../shared/peers/ecg_ae.py, LstmAE) at a small size, with its state dict renamed to the lstm
# kind's entries: enc -> encoder.rnn, to_latent -> encoder.to_latent, dec -> decoder.rnn, out -> decoder.output.
class LstmAE(torch.nn.Module):
    def __init__(self, hidden, latent):
        super().__init__()
        self.enc = torch.nn.LSTM(1, hidden, batch_first=True)
        self.to_latent = torch.nn.Linear(hidden, latent)
        self.dec = torch.nn.LSTM(latent, hidden, batch_first=True)
        self.out = torch.nn.Linear(hidden, 1)

    def forward(self, x):
        _, (h, _) = self.enc(x.unsqueeze(-1))
        z = self.to_latent(h[-1])
        y, _ = self.dec(z.unsqueeze(1).expand(-1, x.shape[1], -1))
        return self.out(y).squeeze(-1)


ae = LstmAE(6, 3)
rename = {"enc.": "encoder.rnn.", "to_latent.": "encoder.to_latent.", "dec.": "decoder.rnn.", "out.": "decoder.output."}
state = {}
for k, v in ae.state_dict().items():
    for a, b in rename.items():
        if k.startswith(a):
            state[b + k[len(a):]] = t(v)
xs = torch.randn(3, 11)
with torch.no_grad():
    recon = ae(xs)
    code = ae.to_latent(ae.enc(xs.unsqueeze(-1))[1][0][-1])
peer = {"steps": 11, "hidden": 6, "latent": 3, "state": state, "input": t(xs), "code": t(code), "reconstruction": t(recon)}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recurrent.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases, "peer_lstm_ae": peer}, f)
print(f"wrote {out}: {len(cases)} cases")
