#!/usr/bin/python3
"""SSIM, MS-SSIM and PSNR golden values for tests/Bottleneck.Tests/Evaluation/ImageMetricsTests.cs.

Reference: scikit-image 0.19.3 (Debian python3-skimage), skimage.metrics.structural_similarity and
peak_signal_noise_ratio, on real images from ../shared/data/images and MNIST test digits. No pixel data is stored: the
fixture names the file, and the C# test rebuilds the same test image y from x with the same closed-form distortion.

Images x are pixels / 255 in float64 (RGB files keep 3 channels, SSIM per channel averaged: channel_axis=-1).
Distortions (all clipped to [0, 1]):
  wave     y = x + 0.08 * sin(0.37 i + 0.91 j)          (i = row, j = column, the same for every channel)
  contrast y = 0.6 x + 0.2
  shift    y[i, j] = x[i, (j + 1) mod W]                   (one pixel to the left, wrapping)
SSIM variants:
  uniform   scikit-image defaults (7x7 uniform window, use_sample_covariance=True), data_range=1
  gaussian  gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1  (Wang et al. 2004)
MS-SSIM (not in scikit-image): computed here with scipy.ndimage.gaussian_filter (sigma 1.5, truncate 3.5, the
11x11 window) cropped as scikit-image crops, 2x2 mean halving with an odd last row/column averaged with itself
(Wang's msssim.m), weights 0.0448 0.2856 0.3001 0.2363 0.1333, cs clamped at 0; an independent implementation,
checked below against scikit-image at one scale.

Usage: /usr/bin/python3 make_ssim_fixtures.py [--data ../shared/data] > ssim.json
"""
import argparse
import gzip
import json
import os
import struct

import numpy as np
import scipy.ndimage as ndi
import skimage
from skimage.io import imread
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]


def distort(x, kind):
    if kind == "wave":
        i, j = np.meshgrid(np.arange(x.shape[0]), np.arange(x.shape[1]), indexing="ij")
        wave = 0.08 * np.sin(0.37 * i + 0.91 * j)
        y = x + (wave[..., None] if x.ndim == 3 else wave)
    elif kind == "contrast":
        y = 0.6 * x + 0.2
    elif kind == "shift":
        y = np.roll(x, -1, axis=1)
    else:
        raise ValueError(kind)
    return np.clip(y, 0.0, 1.0)


def ssim_cs(x, y, sigma=1.5, k1=0.01, k2=0.03, data_range=1.0):
    """Mean SSIM and mean contrast-structure term of one 2-D channel (Gaussian window, population covariance)."""
    f = lambda a: ndi.gaussian_filter(a, sigma, truncate=3.5, mode="reflect")
    r = int(3.5 * sigma + 0.5)
    ux, uy = f(x), f(y)
    vx = f(x * x) - ux * ux
    vy = f(y * y) - uy * uy
    vxy = f(x * y) - ux * uy
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    cs = (2 * vxy + c2) / (vx + vy + c2)
    ssim = (2 * ux * uy + c1) / (ux ** 2 + uy ** 2 + c1) * cs
    crop = (slice(r, -r), slice(r, -r))
    return ssim[crop].mean(), cs[crop].mean()


def halve(a):
    h, w = a.shape
    a = np.pad(a, ((0, h % 2), (0, w % 2)), mode="edge")
    return 0.25 * (a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2])


def ms_ssim(x, y):
    chans = [x] if x.ndim == 2 else [x[..., c] for c in range(x.shape[2])]
    ychans = [y] if y.ndim == 2 else [y[..., c] for c in range(y.shape[2])]
    vals = []
    for a, b in zip(chans, ychans):
        p = 1.0
        for j, w in enumerate(WEIGHTS):
            s, cs = ssim_cs(a, b)
            p *= max(s if j == len(WEIGHTS) - 1 else cs, 0.0) ** w
            if j < len(WEIGHTS) - 1:
                a, b = halve(a), halve(b)
        vals.append(p)
    return float(np.mean(vals))


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def case(name, x, kind, ms):
    y = distort(x, kind)
    ch = -1 if x.ndim == 3 else None
    uni = structural_similarity(x, y, data_range=1.0, channel_axis=ch)
    gau = structural_similarity(x, y, data_range=1.0, channel_axis=ch, gaussian_weights=True, sigma=1.5,
                                use_sample_covariance=False)
    # the hand-written Gaussian SSIM used by ms_ssim must agree with scikit-image at one scale
    mine = np.mean([ssim_cs(x[..., c], y[..., c])[0] for c in range(x.shape[2])]) if x.ndim == 3 else ssim_cs(x, y)[0]
    assert abs(mine - gau) < 1e-12, (name, kind, mine, gau)
    return {
        "source": name, "distortion": kind,
        "ssim_uniform": float(uni), "ssim_gaussian": float(gau),
        "psnr": float(peak_signal_noise_ratio(x, y, data_range=1.0)),
        "ms_ssim": ms_ssim(x, y) if ms else None,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../../../shared/data"))
    args = ap.parse_args()
    cases = []
    for f in ["chelsea.png", "text.png", "microaneurysms.png", "brick.png"]:
        x = imread(os.path.join(args.data, "images", f)).astype(np.float64) / 255.0
        ms = min(x.shape[:2]) >= 161
        for kind in ["wave", "contrast", "shift"]:
            cases.append(case("images/" + f, x, kind, ms))
    digits = load_idx(os.path.join(args.data, "mnist", "t10k-images-idx3-ubyte.gz")).astype(np.float64) / 255.0
    for i in [0, 1, 7]:
        for kind in ["wave", "contrast", "shift"]:
            cases.append(case(f"mnist/test/{i}", digits[i], kind, False))
    print(json.dumps({"skimage": skimage.__version__, "cases": cases}, indent=1))


if __name__ == "__main__":
    main()
