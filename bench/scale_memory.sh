#!/usr/bin/env bash
# Peak resident memory and throughput of scoring data larger than memory (issue 18, docs/scale.md, docs/benchmarks.md):
# generates a GB-sized CSV and Parquet file (16 numeric columns) under DIR, trains a 16-32-4 dense model on a 20,000-row sample,
# then runs detect (CSV, Parquet, .csv.gz when GZ=1), encode and reconstruct (CSV) and detect --shard 1/2 under
# /usr/bin/time -v, printing peak RSS (VmHWM), wall seconds, rows/s and MB/s; outputs go to /dev/null (through a .csv link)
# so only the input side is measured; and train --stream (one epoch over the whole CSV through a 65,536-row shuffle buffer,
# every 10th row for validation, a p99 threshold fitted by a streamed scoring pass). Deletes DIR at the end.
# Usage: bash bench/scale_memory.sh [GB=5] [DIR=/tmp/bottleneck-scale]      (one run of each; the machine may be shared)
#        RUNS="detect-csv detect-parquet" bash bench/scale_memory.sh 5          (a subset of: detect-csv detect-parquet shard encode
#        reconstruct detect-npy train-stream; default all); FORMATS="--csv --parquet" generates only those files (default: CSV, Parquet, npy);
#        GROUP_ROWS=1048576 sets the Parquet row-group size (default 262144)
set -euo pipefail
GB=${1:-5}
DIR=${2:-/tmp/bottleneck-scale}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT
dotnet build "$root/src/Bottleneck.Cli" -c Release -o "$DIR/cli" > "$DIR/build.log" 2>&1
dotnet run -c Release --project "$root/bench/Bottleneck.Bench" -- scale-data --out "$DIR" --gb "$GB" --group-rows "${GROUP_ROWS:-262144}" ${FORMATS:-}
cli=(dotnet "$DIR/cli/Bottleneck.Cli.dll")
"${cli[@]}" train --data "csv:$DIR/train.csv" --hidden 32 --latent 4 --epochs 10 --batch-size 256 --out "$DIR/model" > "$DIR/train.log"
ln -sf /dev/null "$DIR/null.csv"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| run | input | rows | peak RSS (MB) | wall s | rows/s | MB/s |\n|---|---|---:|---:|---:|---:|---:|\n'
run() {   # run NAME FILE ROWS command...
  local name=$1 file=$2 rows=$3; shift 3
  /usr/bin/time -v -o "$DIR/time.txt" "$@" > "$DIR/out.txt" 2>&1 || { cat "$DIR/out.txt"; exit 1; }
  local rss wall mb
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$DIR/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$DIR/time.txt" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  mb=$(stat -c %s "$file")
  awk -v n="$name" -v f="$(basename "$file")" -v r="$rows" -v k="$rss" -v w="$wall" -v b="$mb" \
    'BEGIN { printf "| %s | %s (%.2f GB) | %d | %.0f | %.1f | %.0f | %.1f |\n", n, f, b/1e9, r, k/1024, w, r/w, b/1e6/w }'
}
csv_rows=$(cat "$DIR/rows-csv.txt" 2>/dev/null || echo 0); pq_rows=$(cat "$DIR/rows-parquet.txt" 2>/dev/null || echo 0)
npy_rows=$(cat "$DIR/rows-npy.txt" 2>/dev/null || echo 0)
RUNS=${RUNS:-detect-csv detect-parquet detect-npy shard encode reconstruct train-stream}
want() { [[ " $RUNS " == *" $1 "* ]]; }
want detect-csv && run "detect" "$DIR/big.csv" "$csv_rows" "${cli[@]}" detect --model "$DIR/model" --data "csv:$DIR/big.csv" --top 0 --out "$DIR/null.csv"
want detect-parquet && run "detect" "$DIR/big.parquet" "$pq_rows" "${cli[@]}" detect --model "$DIR/model" --data "parquet:$DIR/big.parquet" --top 0 --out "$DIR/null.csv"
want detect-npy && run "detect" "$DIR/big.npy" "$npy_rows" "${cli[@]}" detect --model "$DIR/model" --data "npy:$DIR/big.npy" --top 0 --out "$DIR/null.csv"
want shard && run "detect --shard 1/2" "$DIR/big.csv" "$csv_rows" "${cli[@]}" detect --model "$DIR/model" --data "csv:$DIR/big.csv" --top 0 --shard 1/2 --out "$DIR/null.csv"
want encode && run "encode" "$DIR/big.csv" "$csv_rows" "${cli[@]}" encode --model "$DIR/model" --data "csv:$DIR/big.csv" --out "$DIR/null.csv"
want reconstruct && run "reconstruct" "$DIR/big.csv" "$csv_rows" "${cli[@]}" reconstruct --model "$DIR/model" --data "csv:$DIR/big.csv" --out "$DIR/null.csv"
# rows/s of train --stream counts the file's rows once, though the command reads the file 5 times (fingerprint, count and
# scaling, the epoch, validation, threshold scores).
want train-stream && run "train --stream (1 epoch)" "$DIR/big.csv" "$csv_rows" "${cli[@]}" train --data "csv:$DIR/big.csv" --stream \
  --shuffle-buffer 65536 --hidden 32 --latent 4 --epochs 1 --batch-size 256 --val-split 0.1 --threshold p99 --out "$DIR/streamed"
if [ "${GZ:-0}" = 1 ]; then
  gzip -1 -c "$DIR/big.csv" > "$DIR/big.csv.gz"
  run "detect" "$DIR/big.csv.gz" "$csv_rows" "${cli[@]}" detect --model "$DIR/model" --data "csv:$DIR/big.csv.gz" --top 0 --out "$DIR/null.csv"
fi
