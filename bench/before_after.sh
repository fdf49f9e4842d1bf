#!/usr/bin/env bash
# Same-run speed comparison of this checkout (HEAD) with BASE (default f265824, the last commit before the model-core
# change), on this machine, 2 threads:
#   - bench dense --epochs 2 --no-peer: training and inference samples/s of the 784-512-128-32 autoencoder on MNIST
#     (the model's step, backward and Adam, written out in the bench; median epoch),
#   - bench anomaly throughput --no-peer: scoring rows/s of the 9-32-4-32-9 model on shuttle rows,
#   - bottleneck train on MNIST (784-512-128-32, batch 256, 3 epochs): the trainer as a user runs it, samples/s of the median
#     of epochs 2 and 3 (seconds from the model folder's history).
# Each measurement alternates BASE and HEAD, REPS times (default 3), and the medians and HEAD/BASE ratios are printed.
# Needs ../shared/data (MNIST, ODDS shuttle). Usage: bash bench/before_after.sh [BASE]    (REPS=5 bash ... for more runs)
set -euo pipefail
BASE=${1:-f265824}
REPS=${REPS:-3}
root=$(git rev-parse --show-toplevel)
cd "$root"
mnist=$(cd ../shared/data/mnist 2>/dev/null && pwd) || { echo "before_after: ../shared/data/mnist not found" >&2; exit 2; }
work=$(mktemp -d)
git worktree add -q --detach "$work/base" "$BASE"
trap 'git worktree remove --force "$work/base"; rm -rf "$work"' EXIT
for v in base head; do
  src=$([ $v = base ] && echo "$work/base" || echo "$root")
  dotnet build "$src/bench/Bottleneck.Bench" -c Release -o "$work/$v-bench" > "$work/$v-bench.log" 2>&1
  dotnet build "$src/src/Bottleneck.Cli" -c Release -o "$work/$v-cli" > "$work/$v-cli.log" 2>&1
done
out="$work/results.jsonl"
for r in $(seq 1 "$REPS"); do
  for v in base head; do
    (cd "$root" && dotnet "$work/$v-bench/Bottleneck.Bench.dll" dense --epochs 2 --no-peer --threads 2 2>/dev/null) \
      | grep '^{' | sed "s/^/{\"v\":\"$v\",\"m\":\"dense\",\"r\":/; s/$/}/" >> "$out"
    (cd "$root" && dotnet "$work/$v-bench/Bottleneck.Bench.dll" anomaly throughput --no-peer --threads 2 2>&1 >/dev/null) \
      | grep '"suite":"throughput"' | sed "s/^/{\"v\":\"$v\",\"m\":\"throughput\",\"r\":/; s/$/}/" >> "$out"
    rm -rf "$work/$v-model"
    (cd "$work" && dotnet "$work/$v-cli/Bottleneck.Cli.dll" train --data "mnist:$mnist" --hidden 512,128 --latent 32 --epochs 3 \
       --batch-size 256 --val-split 0 --out "$work/$v-model" > /dev/null)
    secs=$(python3 -c "import json,statistics,sys; h=json.load(open(sys.argv[1]))['history']; print(statistics.median(e['seconds'] for e in h[1:]))" "$work/$v-model/config.json")
    echo "{\"v\":\"$v\",\"m\":\"train\",\"r\":{\"epoch_seconds\":$secs}}" >> "$out"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def values(v, m, key, f):
    return [f(r["r"][key]) for r in rows if r["v"] == v and r["m"] == m]
measures = [
    ("dense: training samples/s (median epoch)", "dense", "TrainSamplesPerSecond", lambda x: x),
    ("dense: inference samples/s", "dense", "InferSamplesPerSecond", lambda x: x),
    ("dense: managed bytes per training step", "dense", "BytesPerStep", lambda x: x),
    ("anomaly scoring rows/s (in memory)", "throughput", "rows_per_s", lambda x: x),
    ("anomaly scoring rows/s (with attribution)", "throughput", "rows_per_s_attribution", lambda x: x),
    ("anomaly scoring rows/s (streaming CSV)", "throughput", "rows_per_s_csv", lambda x: x),
    ("bottleneck train on MNIST: samples/s (median of epochs 2-3)", "train", "epoch_seconds", lambda s: 60000 / s),
]
n = sum(1 for r in rows if r["v"] == "base" and r["m"] == "dense")
print(f"| measure ({n} alternating runs each, 2 threads) | before: median (min–max) | after: median (min–max) | after / before (medians) |")
print("|---|---:|---:|---:|")
for name, m, key, f in measures:
    b, h = values("base", m, key, f), values("head", m, key, f)
    fmt = lambda v: f"{statistics.median(v):,.0f} ({min(v):,.0f}–{max(v):,.0f})"
    print(f"| {name} | {fmt(b)} | {fmt(h)} | {statistics.median(h) / statistics.median(b):.3f} |")
PY
