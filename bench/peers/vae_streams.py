#!/usr/bin/python3
"""The random streams of ../shared/peers/vae_nll.py for one seed, written without training, for `bench vae streams`.

vae_nll.py draws, in this order: the initial weights (torch.manual_seed(seed), PyTorch's default Linear initialisation),
then per epoch one permutation of the 60,000 training images (its own torch.Generator seeded with `seed`), and per batch
of 128 one epsilon (batch, 20) from the global generator (torch.randn_like in elbo_terms). Nothing else touches the
global generator during training, so drawing the same calls here without the model reproduces the training run's
streams exactly (checked against a recording of a real run: byte-identical).

Writes into OUT_DIR (little-endian raw arrays, shapes in the names' order):
  init_<name>.bin   float32, one file per parameter, Bottleneck's state-dict names (encoder.0.weight, latent.mu.bias, ...)
  perms.bin         int32 (epochs, 60000): the row order of each epoch
  eps.bin           float32 (epochs * 60000, 20): the epsilons in step order (the last batch of an epoch has 96 rows)
Usage: /usr/bin/python3 bench/peers/vae_streams.py OUT_DIR [--seed 0] [--epochs 30] [--peers ../shared/peers]
"""
import argparse
import os
import sys

import numpy as np
import torch

PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "peers")
NAMES = {"enc.weight": "encoder.0.weight", "enc.bias": "encoder.0.bias",
         "mu.weight": "latent.mu.weight", "mu.bias": "latent.mu.bias",
         "logvar.weight": "latent.log_var.weight", "logvar.bias": "latent.log_var.bias",
         "dec1.weight": "decoder.0.weight", "dec1.bias": "decoder.0.bias",
         "dec2.weight": "decoder.2.weight", "dec2.bias": "decoder.2.bias"}
ROWS, BATCH, LATENT = 60000, 128, 20


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--peers", default=PEERS)
    a = ap.parse_args()
    sys.path.insert(0, a.peers)
    from vae_nll import VAE
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    model = VAE(784, 512, LATENT)
    for k, v in model.state_dict().items():
        v.numpy().astype(np.float32).tofile(os.path.join(a.out, f"init_{NAMES[k]}.bin"))
    shuffle_gen = torch.Generator().manual_seed(a.seed)
    with open(os.path.join(a.out, "perms.bin"), "wb") as pf, open(os.path.join(a.out, "eps.bin"), "wb") as ef:
        for _ in range(a.epochs):
            torch.randperm(ROWS, generator=shuffle_gen).numpy().astype(np.int32).tofile(pf)
            for i in range(0, ROWS, BATCH):
                torch.randn(min(BATCH, ROWS - i), LATENT).numpy().astype(np.float32).tofile(ef)


if __name__ == "__main__":
    main()
