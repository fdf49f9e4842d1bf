#!/usr/bin/python3
"""Step-by-step reference for `bench conv --steps N`: the model of ../shared/peers/conv_ae.py (latent 32), seeded
initialisation, Adam 1e-3, N steps on the first N batches of 128 MNIST training images in file order (no shuffling).

Writes OUT/init.json (the initial state dict: {name: {"shape", "data"}}) and prints one JSON line {"losses": [...]} with
the BCE per image (summed over pixels, batch mean) of each step before its update. One thread (PyTorch's OpenMP threads
slow down badly on an oversubscribed machine, and the figure compared is the trajectory, not the time).
Usage: /usr/bin/python3 bench/peers/conv_ae_steps.py OUT_DIR [--steps 60] [--seed 0] [--data ../shared/data]
"""
import argparse, json, os, sys
import torch

PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "peers")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--peers", default=PEERS)
    ap.add_argument("--data", default=None)
    a = ap.parse_args()
    sys.path.insert(0, a.peers)
    from conv_ae import ConvAE, load_mnist, bce_per_image
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    xtr, _ = load_mnist(a.data or os.path.join(a.peers, "..", "data"))
    model = ConvAE(32)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "init.json"), "w") as f:
        json.dump({k: {"shape": list(v.shape), "data": v.reshape(-1).tolist()} for k, v in model.state_dict().items()}, f)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for step in range(a.steps):
        xb = xtr[step * 128:(step + 1) * 128]
        loss = bce_per_image(model.logits(xb), xb).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print(json.dumps({"losses": losses}))


if __name__ == "__main__":
    main()
