#!/usr/bin/python3
"""scikit-image's SSIM and PSNR timings beside `bench images` (bench/Bottleneck.Bench/ImageBench.cs): the same pair sizes
(28x28 x1000, 512x512), float64 inputs in [0, 1], data_range=1, median of --reps timed runs after one warm-up.
Usage: /usr/bin/python3 bench/peers/ssim_timing.py [--reps 7]"""
import argparse
import time

import numpy as np
import skimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def median_time(f, reps):
    f()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return float(np.median(t))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    reps = ap.parse_args().reps
    rng = np.random.default_rng(0)
    print(f"| scikit-image {skimage.__version__} (median of {reps}) | ms | rate |")
    print("|---|---:|---:|")
    for side in (28, 512):
        x = rng.random((side, side))
        y = np.clip(x + 0.1 * (rng.random((side, side)) - 0.5), 0, 1)
        n = 1000 if side == 28 else 1
        per = f" x{n}" if n > 1 else ""
        for name, f in [
            ("SSIM 7x7 uniform", lambda: structural_similarity(x, y, data_range=1.0)),
            ("SSIM 11x11 Gaussian", lambda: structural_similarity(x, y, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                                                   use_sample_covariance=False)),
            ("PSNR", lambda: peak_signal_noise_ratio(x, y, data_range=1.0)),
        ]:
            s = median_time(lambda: [f() for _ in range(n)], reps)
            print(f"| {name}, {side}x{side}{per} | {s * 1e3:.3f} | {n / s:.1f} pairs/s |")


if __name__ == "__main__":
    main()
