#!/usr/bin/python3
"""Quality of MNIST test-set reconstructions written by `bottleneck reconstruct ... --out FILE.npy`, with the metrics of
../shared/peers/conv_ae.py, so a Bottleneck model and the PyTorch peer are scored by the same code.

Metrics over the 10,000 test images (x = byte/255, x_hat = the reconstruction, float64):
  * sq_err_per_image: mean over images of the sum over 784 pixels of (x - x_hat)^2.
  * psnr_db: mean over images of 10*log10(1 / MSE_image) (peak 1).
  * ssim: mean over images of skimage.metrics.structural_similarity(x, x_hat, data_range=1) on the 28x28 images,
    default window (7x7 uniform, K1=0.01, K2=0.03) -- a reference figure until Bottleneck's own SSIM is in evaluate.
Prints one JSON line. Usage:
  /usr/bin/python3 bench/peers/mnist_recon_quality.py REC.npy [--data ../shared/data]
"""
import argparse, gzip, json, os, struct
import numpy as np
from skimage.metrics import structural_similarity


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = struct.unpack(">I", data[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reconstruction")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data"))
    a = ap.parse_args()
    x = load_idx(os.path.join(a.data, "mnist", "t10k-images-idx3-ubyte.gz")).astype(np.float64) / 255.0
    xh = np.load(a.reconstruction).astype(np.float64).reshape(x.shape)
    sq = ((x - xh) ** 2).reshape(len(x), -1)
    psnr = 10.0 * np.log10(1.0 / sq.mean(1))
    ssim = np.array([structural_similarity(x[i], xh[i], data_range=1.0) for i in range(len(x))])
    print(json.dumps({"file": a.reconstruction, "images": len(x), "test_sq_err_per_image": round(float(sq.sum(1).mean()), 4),
                      "test_psnr_db": round(float(psnr.mean()), 4), "test_ssim": round(float(ssim.mean()), 5)}))


if __name__ == "__main__":
    main()
