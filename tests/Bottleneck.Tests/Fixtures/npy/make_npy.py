#!/usr/bin/env python3
"""Generates the tiny .npy fixtures used by NpyLoaderTests (run once; outputs are committed).

Usage: /usr/bin/python3 make_npy.py   (needs numpy; writes into this folder)
manifest.json maps each file to its shape, the sum of its values and (for small arrays) the values, row-major.
"""
import json, os
import numpy as np
from numpy.lib import format as npf

here = os.path.dirname(os.path.abspath(__file__))
manifest = {}

def save(name, arr, version=None):
    path = os.path.join(here, name)
    with open(path, "wb") as f:
        if version is None:
            np.save(f, arr)
        else:
            npf.write_array(f, arr, version=version)
    flat = np.asarray(arr, dtype=np.float64).ravel(order="C")
    entry = {"shape": list(arr.shape), "sum": float(flat.sum())}
    if flat.size <= 64:
        entry["values"] = [float(v) for v in flat]
    manifest[name] = entry

signed = np.array([[-2, -1, 0], [1, 2, 3]])
unsigned = np.array([[0, 1, 2], [3, 250, 255]])
floats = np.array([[-1.5, 0.0, 0.25], [1000.0, 3.5, -7.0]])

for endian in "<>":
    for code in ["f2", "f4", "f8"]:
        save(f"float_{endian == '<' and 'le' or 'be'}_{code}.npy", floats.astype(endian + code))
    for code in ["i2", "i4", "i8"]:
        save(f"int_{endian == '<' and 'le' or 'be'}_{code}.npy", signed.astype(endian + code))
    for code in ["u2", "u4", "u8"]:
        save(f"uint_{endian == '<' and 'le' or 'be'}_{code}.npy", unsigned.astype(endian + code))
save("int_i1.npy", signed.astype("i1"))
save("uint_u1.npy", unsigned.astype("u1"))
save("bool_b1.npy", np.array([[True, False, True], [False, False, True]]))
save("one_dim_f4.npy", np.array([1.0, 2.0, 3.0, 4.0], dtype="<f4"))
save("v2_f4.npy", floats.astype("<f4"), version=(2, 0))
save("v3_f4.npy", floats.astype("<f4"), version=(3, 0))
save("images_u1.npy", (np.arange(2 * 28 * 28) % 256).astype("u1").reshape(2, 28, 28))
save("images_nchw_f4.npy", (np.arange(2 * 28 * 28) / 100.0).astype("<f4").reshape(2, 1, 28, 28))
save("labels_i8.npy", np.array([3, 7], dtype="<i8"))
# Fortran order: must be rejected (not in the manifest as loadable).
with open(os.path.join(here, "fortran_f4.npy"), "wb") as f:
    np.save(f, np.asfortranarray(floats.astype("<f4")))

with open(os.path.join(here, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
print(f"wrote {len(manifest) + 1} files")
