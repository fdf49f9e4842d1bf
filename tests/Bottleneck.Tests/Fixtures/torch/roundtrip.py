#!/usr/bin/python3
"""PyTorch round trip of Bottleneck model folders (docs/interop.md).

Builds the PyTorch module equivalent to a Bottleneck model from its config.json (the dense family: dense, sparse, denoising,
contractive, stacked, linear; the conv kind with a dense code; the lstm and gru kinds), with the same state-dict names, so model.safetensors loads
with load_state_dict(strict=True) as it is.

    forward OUT.json MODEL_DIR=ROWS.npy [MODEL_DIR=ROWS.npy ...]
        for each folder, loads MODEL_DIR/model.safetensors into the module built from MODEL_DIR/config.json, applies the saved scaling to the raw
        rows (N, D); writes {MODEL_DIR: {"code": ..., "reconstruction": ...}} (reconstruction in the data space, as
        `bottleneck reconstruct`).
    train CONFIG.json ROWS.npy OUT.safetensors OUT.json [CONFIG.json ROWS.npy OUT.safetensors OUT.json ...]
        for each model, builds the module of CONFIG.json ("kind", "config", "preprocessing"), trains it in PyTorch for a few Adam steps on the
        scaled rows, saves its state_dict as safetensors (PyTorch's dtypes: num_batches_tracked is int64) and writes the outputs
        of the trained module on the rows, for `bottleneck import` to reproduce.

Run with Debian's interpreter (apt-get install python3-torch); safetensors files are read and written here (the format is a
little-endian u64 header length, a JSON header and the raw tensors), since python3-safetensors is not packaged.
"""
import json, math, struct, sys
import numpy as np
import torch
from torch import nn

DTYPES = {"F32": (np.float32, 4), "F64": (np.float64, 8), "I64": (np.int64, 8), "I32": (np.int32, 4)}


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, e in header.items():
        dt, _ = DTYPES[e["dtype"]]
        b, end = e["data_offsets"]
        a = np.frombuffer(raw[8 + n + b:8 + n + end], dtype=dt).reshape(e["shape"])
        out[name] = torch.from_numpy(a.copy())
    return out


def write_safetensors(path, state):
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        a = t.detach().cpu().numpy()
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}[a.dtype]
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def activation(name):
    return {"identity": None, "relu": nn.ReLU(), "leaky-relu": nn.LeakyReLU(0.01), "elu": nn.ELU(), "gelu": nn.GELU(),
            "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(), "softplus": nn.Softplus()}[name]


def mlp(widths, hidden, last, batch_norm, dropout):
    """Bottleneck's Mlp.Stack: Linear [BatchNorm1d] act [Dropout] per hidden layer, the last Linear then `last` (nn.Sequential numbering)."""
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i == len(widths) - 2:
            if activation(last) is not None:
                layers.append(activation(last))
            continue
        if batch_norm:
            layers.append(nn.BatchNorm1d(widths[i + 1]))
        layers.append(activation(hidden))
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class Dense(nn.Module):
    """The dense family (DenseAutoencoder): encoder.*, decoder.* or, with tied weights, decoder_bias_{i}; likelihood.log_var."""

    def __init__(self, c):
        super().__init__()
        widths = [c["inputDim"], *c["hidden"], c["latentDim"]]
        self.hidden_act = c["hiddenActivation"]
        self.tied = c["tiedWeights"]
        self.encoder = mlp(widths, c["hiddenActivation"], c["latentActivation"], c["batchNorm"], c["dropout"])
        rev = widths[::-1]
        if self.tied:
            for i in range(len(rev) - 1):
                self.register_parameter(f"decoder_bias_{i}", nn.Parameter(torch.zeros(rev[i + 1])))
        else:
            self.decoder = mlp(rev, c["hiddenActivation"], "identity", c["batchNorm"], c["dropout"])
        self.output = c["output"]
        if self.output == "gaussian-nll":
            self.likelihood = nn.Module()
            self.likelihood.log_var = nn.Parameter(torch.zeros(c["inputDim"]))

    def encode(self, x):
        return self.encoder(x)

    def decode_logits(self, z):
        if not self.tied:
            return self.decoder(z)
        linears = [m for m in self.encoder if isinstance(m, nn.Linear)]
        h = z
        for i in range(len(linears)):
            h = h @ linears[len(linears) - 1 - i].weight + getattr(self, f"decoder_bias_{i}")
            if i < len(linears) - 1 and activation(self.hidden_act) is not None:
                h = activation(self.hidden_act)(h)
        return h


class Conv(nn.Module):
    """The conv kind with a dense code (ConvParts): Conv2d/act ... Flatten, Linear; Linear, act, Unflatten, ConvTranspose2d/act ..."""

    def __init__(self, c):
        super().__init__()
        if c.get("latentChannels") is not None:
            raise SystemExit("roundtrip.py: the conv kind with a spatial code is not built here")
        k, s = c["kernelSize"], c["stride"]
        p = (k - 1) // 2
        sizes = [(c["height"], c["width"])]
        for _ in c["channels"]:
            h, w = sizes[-1]
            sizes.append(((h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1))
        act = c["activation"]
        enc, cin = [], c["inChannels"]
        for ch in c["channels"]:
            enc += [nn.Conv2d(cin, ch, k, s, p), activation(act)]
            cin = ch
        cl, (h, w) = c["channels"][-1], sizes[-1]
        enc += [nn.Flatten(), nn.Linear(cl * h * w, c["latent"])]
        self.encoder = nn.Sequential(*enc)
        dec = [nn.Linear(c["latent"], cl * h * w), activation(act), nn.Unflatten(1, (cl, h, w))]
        L = len(c["channels"])
        for i in range(L - 1, -1, -1):
            cout = c["inChannels"] if i == 0 else c["channels"][i - 1]
            op = sizes[i][0] - ((sizes[i + 1][0] - 1) * s - 2 * p + k)
            dec.append(nn.ConvTranspose2d(c["channels"][i], cout, k, s, p, output_padding=op))
            if i > 0:
                dec.append(activation(act))
        self.decoder = nn.Sequential(*dec)
        self.output = c["output"]
        self.shape = (c["inChannels"], c["height"], c["width"])

    def encode(self, x):
        return self.encoder(x.reshape(-1, *self.shape))

    def decode_logits(self, z):
        return self.decoder(z).flatten(1)


class Sequence(nn.Module):
    """The lstm/gru kinds (SequenceAutoencoder): encoder.rnn (nn.LSTM/nn.GRU, batch_first), encoder.to_latent, latent.mu/log_var when
    variational, decoder.rnn, decoder.output; last-state or mean pooling; repeat-vector or autoregressive (free-running) decoder."""

    def __init__(self, kind, c):
        super().__init__()
        rnn = nn.LSTM if kind == "lstm" else nn.GRU
        self.lstm = kind == "lstm"
        self.T, self.F, self.K, H, L = c["steps"], c["channels"], c["latentDim"], c["hidden"], c["layers"]
        self.D = 2 if c["bidirectional"] else 1
        self.pool = str(c["pooling"]).lower()
        self.repeat = str(c["decoder"]).lower() == "repeat"
        self.encoder = nn.Module()
        self.encoder.rnn = rnn(self.F, H, L, batch_first=True, dropout=c["dropout"], bidirectional=c["bidirectional"])
        self.encoder.to_latent = nn.Linear(self.D * H, self.K)
        self.variational = c["variational"]
        if self.variational:
            self.latent = nn.Module()
            self.latent.mu = nn.Linear(self.K, self.K)
            self.latent.log_var = nn.Linear(self.K, self.K)
        self.decoder = nn.Module()
        self.decoder.rnn = rnn(self.K if self.repeat else self.K + self.F, H, L, batch_first=True, dropout=c["dropout"])
        self.decoder.output = nn.Linear(H, self.F)
        self.output = c["output"]
        if self.output == "gaussian-nll":
            self.likelihood = nn.Module()
            self.likelihood.log_var = nn.Parameter(torch.zeros(self.T, self.F))

    def encode(self, x):
        x = x.reshape(-1, self.T, self.F)
        y, state = self.encoder.rnn(x)
        h_n = state[0] if self.lstm else state
        if self.pool == "last":
            pooled = h_n[-self.D:].permute(1, 0, 2).reshape(x.shape[0], -1)
        else:
            pooled = y.mean(1)
        h = self.encoder.to_latent(pooled)
        return self.latent.mu(h) if self.variational else h

    def decode_logits(self, z):
        n = z.shape[0]
        if self.repeat:
            y, _ = self.decoder.rnn(z.unsqueeze(1).expand(n, self.T, self.K))
            return self.decoder.output(y).flatten(1)
        previous, state, steps = torch.zeros(n, 1, self.F), None, []
        for t in range(self.T):
            y, state = self.decoder.rnn(torch.cat([z.unsqueeze(1), previous], 2), state)
            logits = self.decoder.output(y)
            steps.append(logits)
            previous = mean(self.output, logits)
        return torch.cat(steps, 1).flatten(1)


def build(kind, config):
    if kind in ("dense", "sparse", "denoising", "contractive", "stacked", "linear"):
        return Dense(config)
    if kind == "conv":
        return Conv(config)
    if kind in ("lstm", "gru"):
        return Sequence(kind, config)
    raise SystemExit(f"roundtrip.py: no PyTorch module for the kind {kind}")


def mean(output, logits):
    return {"sigmoid-bce": torch.sigmoid, "tanh-mse": torch.tanh}.get(output, lambda l: l)(logits)


def scaling(pre, d):
    if pre is None or pre["kind"].lower() == "none":
        return torch.zeros(d), torch.ones(d)
    return torch.tensor(pre["offset"], dtype=torch.float32), torch.tensor(pre["scale"], dtype=torch.float32)


def outputs(model, pre, rows):
    offset, scale = scaling(pre, rows.shape[1])
    model.eval()
    with torch.no_grad():
        x = (rows - offset) / scale
        z = model.encode(x)
        rec = mean(model.output, model.decode_logits(z)) * scale + offset
    return {"code": z.reshape(-1).tolist(), "reconstruction": rec.reshape(-1).tolist()}


def train(cfg, x_raw, weights):
    """Trains the module of cfg for 30 Adam steps on the scaled rows, saves its state_dict, returns its outputs on the rows."""
    model = build(cfg["kind"], cfg["config"])
    offset, scale = scaling(cfg.get("preprocessing"), x_raw.shape[1])
    x = (x_raw - offset) / scale
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for step in range(30):
        batch = x[torch.randint(0, x.shape[0], (64,))]
        logits = model.decode_logits(model.encode(batch))
        if model.output == "sigmoid-bce":
            loss = nn.functional.binary_cross_entropy_with_logits(logits, batch, reduction="sum") / batch.shape[0]
        else:
            loss = ((mean(model.output, logits) - batch) ** 2).sum() / batch.shape[0]
        opt.zero_grad()
        loss.backward()
        opt.step()
    write_safetensors(weights, model.state_dict())
    return outputs(model, cfg.get("preprocessing"), x_raw)


def main(argv):
    torch.manual_seed(0)
    if argv[0] == "forward":
        out, result = argv[1], {}
        for pair in argv[2:]:
            folder, rows = pair.rsplit("=", 1)
            cfg = json.load(open(f"{folder}/config.json"))
            model = build(cfg["kind"], cfg["config"])
            model.load_state_dict(read_safetensors(f"{folder}/model.safetensors"), strict=True)
            result[folder] = outputs(model, cfg.get("preprocessing"), torch.from_numpy(np.load(rows)).float())
    elif argv[0] == "train":
        if len(argv) < 5 or (len(argv) - 1) % 4 != 0:
            raise SystemExit(__doc__)
        for k in range(1, len(argv), 4):   # one interpreter for several models: CONFIG ROWS WEIGHTS OUT, repeated
            config, rows, weights, out = argv[k:k + 4]
            torch.manual_seed(0)
            json.dump(train(json.load(open(config)), torch.from_numpy(np.load(rows)).float(), weights), open(out, "w"))
        return
    else:
        raise SystemExit(__doc__)
    json.dump(result, open(out, "w"))


if __name__ == "__main__":
    main(sys.argv[1:])
