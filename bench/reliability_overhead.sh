#!/usr/bin/env bash
# What the crash-safety of issue 10 costs (docs/reliability.md): BASE (default: the commit this branch started from) against
# HEAD, alternating REPS times (default 3), on this machine:
#   - detect: scoring a 600,000-row, 3-column CSV to --out (HEAD: into a temporary file, fsync, rename; a cancellation check
#     per block of 8192 rows), seconds of the whole command;
#   - train: 40 epochs of a 784-64-8 dense model on demo:2000 (batch 500), which saves a checkpoint after every epoch (HEAD: a
#     folder swap per save), seconds of the whole command.
# Usage: bash bench/reliability_overhead.sh [BASE]    (REPS=5 bash ... for more runs)
set -euo pipefail
BASE=${1:-2ca6186}
REPS=${REPS:-3}
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
git -C "$root" worktree add -q --detach "$work/base" "$BASE"
trap 'git -C "$root" worktree remove --force "$work/base"; rm -rf "$work"' EXIT
for v in base head; do
  src=$([ $v = base ] && echo "$work/base" || echo "$root")
  dotnet build "$src/src/Bottleneck.Cli" -c Release -o "$work/$v-cli" > "$work/$v-cli.log" 2>&1
done
cd "$work"
python3 - <<'PY'
import random
random.seed(0)
with open('train.csv', 'w') as f:
    f.write('a,b,c\n')
    for _ in range(300): f.write('%.4f,%.4f,%.4f\n' % (random.random(), random.random(), random.random()))
with open('big.csv', 'w') as f:
    f.write('a,b,c\n')
    for _ in range(600000): f.write('%.4f,%.4f,%.4f\n' % (random.random(), random.random(), random.random()))
PY
dotnet "$work/head-cli/Bottleneck.Cli.dll" train --data csv:train.csv --hidden 4 --latent 2 --epochs 1 --out m > /dev/null
for r in $(seq 1 "$REPS"); do
  for v in base head; do
    t0=$(date +%s.%N)
    dotnet "$work/$v-cli/Bottleneck.Cli.dll" detect --model m --data csv:big.csv --threshold 1.5 --out scores.csv > /dev/null
    t1=$(date +%s.%N)
    rm -rf "t-$v"
    dotnet "$work/$v-cli/Bottleneck.Cli.dll" train --data demo:2000 --hidden 64 --latent 8 --epochs 40 --batch-size 500 --val-split 0 --out "t-$v" > /dev/null
    t2=$(date +%s.%N)
    echo "$v $(echo "$t1 - $t0" | bc) $(echo "$t2 - $t1" | bc)" >> times.txt
  done
done
python3 - <<'PY'
import statistics
rows = [l.split() for l in open('times.txt')]
for i, name in ((1, 'detect 600k rows --out (s)'), (2, 'train 40 epochs, checkpoint each (s)')):
    b = statistics.median(float(r[i]) for r in rows if r[0] == 'base')
    h = statistics.median(float(r[i]) for r in rows if r[0] == 'head')
    print(f'{name:40s} base {b:7.2f}  head {h:7.2f}  head/base {h / b:5.3f}')
PY
