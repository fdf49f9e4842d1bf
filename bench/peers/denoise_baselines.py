#!/usr/bin/python3
"""Photograph denoising: the test images, and scikit-image's baselines beside Bottleneck's output (docs/images.md).

  prepare --data DIR --out WORK NAME...   for each NAME.png in DIR: WORK/clean/NAME.png, the grey image
                                          (skimage.color.rgb2gray, rounded to 8 bits), and WORK/noisy/NAME.png, the clean
                                          image plus Gaussian noise of sigma 0.1 (25.5/255; numpy default_rng(seed)),
                                          clipped to [0, 1] and rounded to 8 bits, as a user's noisy file would be.
  score --out WORK [--ours DIR ...]       PSNR and SSIM against WORK/clean of: the noisy input; each --ours folder (default
                                          WORK/denoised); skimage.restoration.denoise_wavelet (BayesShrink, soft, rescale_sigma);
                                          and denoise_tv_chambolle at the weight (of 0.02..0.30) with the best PSNR on the
                                          clean image, i.e. an oracle choice. SSIM = structural_similarity(data_range=1),
                                          scikit-image's default 7x7 window. Prints a Markdown table.
Usage: /usr/bin/python3 bench/peers/denoise_baselines.py prepare --data ../shared/data/images --out runs/photo chelsea coffee
"""
import argparse
import glob
import os

import numpy as np
import skimage
from skimage.color import rgb2gray
from skimage.io import imread, imsave
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from skimage.restoration import denoise_tv_chambolle, denoise_wavelet

SIGMA = 0.1
TV_WEIGHTS = [0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.2, 0.25, 0.3]


def prepare(args):
    os.makedirs(os.path.join(args.out, "clean"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "noisy"), exist_ok=True)
    rng = np.random.default_rng(args.seed)
    for name in args.names:
        x = imread(os.path.join(args.data, name + ".png"))
        grey = rgb2gray(x) if x.ndim == 3 else x / 255.0
        clean = np.round(grey * 255).astype(np.uint8)
        noisy = np.clip(clean / 255.0 + rng.normal(0.0, SIGMA, clean.shape), 0.0, 1.0)
        imsave(os.path.join(args.out, "clean", name + ".png"), clean, check_contrast=False)
        imsave(os.path.join(args.out, "noisy", name + ".png"), np.round(noisy * 255).astype(np.uint8), check_contrast=False)


def metrics(c, y):
    return peak_signal_noise_ratio(c, y, data_range=1.0), structural_similarity(c, y, data_range=1.0)


def score(args):
    ours = args.ours or [os.path.join(args.out, "denoised")]
    rows = []
    for path in sorted(glob.glob(os.path.join(args.out, "clean", "*.png"))):
        name = os.path.basename(path)
        c = imread(path) / 255.0
        n = imread(os.path.join(args.out, "noisy", name)) / 255.0
        row = {"image": name, "noisy": metrics(c, n)}
        for o in ours:
            row[os.path.basename(os.path.normpath(o))] = metrics(c, imread(os.path.join(o, name)) / 255.0)
        row["wavelet BayesShrink"] = metrics(c, denoise_wavelet(n, method="BayesShrink", mode="soft", rescale_sigma=True))
        best = max(TV_WEIGHTS, key=lambda w: metrics(c, denoise_tv_chambolle(n, weight=w))[0])
        row[f"TV (best weight)"] = metrics(c, denoise_tv_chambolle(n, weight=best))
        row["tv weight"] = best
        rows.append(row)
    cols = [k for k in rows[0] if k not in ("image", "tv weight")]
    print(f"scikit-image {skimage.__version__}; PSNR dB / SSIM against the clean grey image")
    print("| image | " + " | ".join(cols) + " | TV weight |")
    print("|---|" + "---:|" * (len(cols) + 1))
    for r in rows:
        print(f"| {r['image']} | " + " | ".join(f"{r[k][0]:.2f} / {r[k][1]:.3f}" for k in cols) + f" | {r['tv weight']} |")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("names", nargs="+")
    s = sub.add_parser("score")
    s.add_argument("--out", required=True)
    s.add_argument("--ours", action="append")
    args = ap.parse_args()
    prepare(args) if args.cmd == "prepare" else score(args)


if __name__ == "__main__":
    main()
