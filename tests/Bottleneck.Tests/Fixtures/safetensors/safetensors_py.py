#!/usr/bin/env python3
"""Independent, minimal safetensors reader/writer (json + struct + numpy) used to cross-check the C# implementation.

  python3 safetensors_py.py write OUT.safetensors   -> writes a fixture with F32/F64/F16/BF16/I64/I32 tensors + metadata
  python3 safetensors_py.py read FILE.safetensors    -> prints a JSON summary {name: {dtype, shape, values}, "__metadata__": {...}}

Written from the format description (8-byte LE header length N, N bytes of JSON, data), not from the safetensors package,
which is not installed here. The committed python_written.safetensors was produced by the "write" command.
"""
import json, struct, sys
import numpy as np

NP = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}


def read(path):
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    data = buf[8 + n:]
    out = {"__metadata__": header.pop("__metadata__", {}), "__header_len__": n}
    for name, info in header.items():
        b, e = info["data_offsets"]
        raw = data[b:e]
        if info["dtype"] == "BF16":
            u16 = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u16.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=NP[info["dtype"]])
        arr = arr.reshape(info["shape"])
        out[name] = {"dtype": info["dtype"], "shape": list(arr.shape), "values": [float(v) for v in arr.ravel()]}
    return out


def write(path):
    tensors = [
        ("f32", "F32", np.array([[1.0, -2.5, 3.25], [0.0, 1e-3, 7.0]], dtype="<f4")),
        ("f64", "F64", np.array([0.5, -0.125, 1e10], dtype="<f8")),
        ("f16", "F16", np.array([1.0, -2.0, 0.5, 65504.0], dtype="<f2")),
        ("bf16", "BF16", (np.array([1.0, -3.0, 0.15625], dtype="<f4").view("<u4") >> 16).astype("<u2")),
        ("i64", "I64", np.array([[-3], [4]], dtype="<i8")),
        ("i32", "I32", np.array(7, dtype="<i4")),
    ]
    header = {"__metadata__": {"format": "pt", "producer": "safetensors_py.py"}}
    offset = 0
    blobs = []
    for name, dtype, arr in tensors:
        raw = arr.tobytes(order="C")
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    hj = json.dumps(header).encode("utf-8")
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        print(json.dumps(read(sys.argv[2])))
