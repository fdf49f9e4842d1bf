#!/usr/bin/python3
"""Peer measurement for `Bottleneck.Bench gemm`: OpenBLAS itself, through numpy.

numpy (Debian build) calls cblas_sgemm from libblas.so.3, which the alternatives system points at OpenBLAS;
float32 matmul on transposed views is passed to BLAS with trans flags (no copies), and `out=` avoids allocating C.
The thread count comes from OPENBLAS_NUM_THREADS, which the caller sets before this process starts.

usage: openblas_sgemm.py '<json list of {"label","transA","transB","m","n","k"}>' [min_seconds_per_case] [cpu]
With "cpu", each call is timed by the thread's CPU time (time.thread_time; meaningful with OPENBLAS_NUM_THREADS=1, where
sgemm runs on the calling thread), for a machine shared with other work.
prints one JSON object: {"numpy": ..., "blas_library": ..., "threads": ..., "results": [{"label", "median_s", "reps"}]}
"""
import json
import os
import statistics
import sys
import time


def blas_library():
    """Path of the BLAS shared object actually mapped into this process (after numpy has loaded it)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
        return sorted(paths)
    except OSError:
        return []


def main():
    try:
        import numpy as np
    except ImportError as e:
        print(json.dumps({"error": f"numpy unavailable: {e}"}))
        return 3
    cases = json.loads(sys.argv[1])
    min_seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
    clock = time.thread_time if len(sys.argv) > 3 and sys.argv[3] == "cpu" else time.perf_counter
    rng = np.random.default_rng(1)
    results = []
    for case in cases:
        m, n, k = case["m"], case["n"], case["k"]
        a = rng.uniform(-1, 1, size=(k, m) if case["transA"] else (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, size=(n, k) if case["transB"] else (k, n)).astype(np.float32)
        c = np.empty((m, n), dtype=np.float32)
        op_a = a.T if case["transA"] else a
        op_b = b.T if case["transB"] else b
        # Warm up (thread pool start, page faults), then time until min_seconds or 200 repetitions.
        start = time.perf_counter()
        while True:
            np.matmul(op_a, op_b, out=c)
            if time.perf_counter() - start > 0.05:
                break
        times = []
        start = time.perf_counter()
        while len(times) < 5 or (time.perf_counter() - start < min_seconds and len(times) < 200):
            t0 = clock()
            np.matmul(op_a, op_b, out=c)
            times.append(clock() - t0)
        results.append({"label": case["label"], "median_s": statistics.median(times), "reps": len(times)})
    print(json.dumps({
        "numpy": np.__version__,
        "blas_library": blas_library(),
        "threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "results": results,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
