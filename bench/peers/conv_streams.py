#!/usr/bin/python3
"""The random streams of ../shared/peers/conv_ae.py for one seed, written without training, for `bench conv streams`.

conv_ae.py draws, in this order: torch.manual_seed(seed), then the initial weights of ConvAE(32) (PyTorch's default
initialisation; loading MNIST draws nothing), then per epoch one permutation of the 60,000 training images from its own
torch.Generator seeded with `seed`. The model draws nothing while training (no dropout, no noise), so the same calls
here reproduce the training run's streams exactly.

Writes into OUT_DIR (little-endian raw arrays):
  init_<name>.bin   float32, one file per state-dict entry under PyTorch's names (encoder.0.weight, ..., decoder.5.bias),
                    which are Bottleneck's ConvAutoencoder names too
  perms.bin         int32 (epochs, 60000): the row order of each epoch
Usage: /usr/bin/python3 bench/peers/conv_streams.py OUT_DIR [--seed 0] [--epochs 10] [--peers ../shared/peers]
"""
import argparse
import os
import sys

import numpy as np
import torch

PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "peers")
ROWS = 60000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--peers", default=PEERS)
    a = ap.parse_args()
    sys.path.insert(0, a.peers)
    from conv_ae import ConvAE
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    model = ConvAE(32)
    for k, v in model.state_dict().items():
        v.numpy().astype(np.float32).tofile(os.path.join(a.out, f"init_{k}.bin"))
    shuffle_gen = torch.Generator().manual_seed(a.seed)
    with open(os.path.join(a.out, "perms.bin"), "wb") as pf:
        for _ in range(a.epochs):
            torch.randperm(ROWS, generator=shuffle_gen).numpy().astype(np.int32).tofile(pf)


if __name__ == "__main__":
    main()
