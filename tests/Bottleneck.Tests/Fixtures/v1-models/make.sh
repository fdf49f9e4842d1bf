#!/usr/bin/env bash
# Makes the version-1 model folders and their expected outputs with the CLI of the release that wrote format version 1
# (commit f265824, "docs/anomaly: ProtocolOptions.UnsupervisedRecipe in the pieces table"). Kept for the record: today's
# CLI writes version 2, so rerunning this with it would not make version-1 folders.
#   BOTTLENECK="dotnet /tmp/v1cli/Bottleneck.Cli.dll" bash make.sh
set -euo pipefail
cd "$(dirname "$0")"
B=${BOTTLENECK:?set BOTTLENECK to the version-1 CLI, e.g. "dotnet /tmp/v1cli/Bottleneck.Cli.dll"}
/usr/bin/python3 make_data.py
rm -rf models expected && mkdir -p models expected
train() { local name=$1; shift; $B train --out "models/$name" --seed 3 "$@" > /dev/null; rm -rf "models/$name/checkpoint" "models/$name/reconstructions.png"; }
apply() { # name data
  $B encode --model "models/$1" --data "$2" --out "expected/$1.codes.csv" > /dev/null
  $B reconstruct --model "models/$1" --data "$2" --out "expected/$1.reconstructions.csv" > /dev/null
  rm -f "expected/$1.reconstructions.png"
}
N=csv:numeric.csv
train dense --data $N --hidden 8 --latent 3 --output linear-mse --epochs 3 --batch-size 16
train tied-batchnorm --data $N --hidden 8,6 --latent 3 --tied --batch-norm --dropout 0.1 --epochs 3 --batch-size 16
train sparse --model sparse --data $N --hidden 8 --latent 16 --epochs 3 --batch-size 16
train denoising --model denoising --data $N --hidden 8 --latent 4 --noise mask:0.2 --epochs 3 --batch-size 16
train contractive --model contractive --data $N --hidden 8 --latent 4 --latent-activation sigmoid --epochs 3 --batch-size 16
train stacked --model stacked --data $N --hidden 8 --latent 4 --pretrain-epochs 1 --epochs 2 --batch-size 16
train pca --model pca --data $N --components 4
train linear --model linear --data $N --latent 4 --tied --epochs 3 --batch-size 16
train demo-images --data demo:120 --hidden none --latent 6 --epochs 1 --batch-size 32
for m in dense tied-batchnorm sparse denoising contractive stacked pca linear; do apply $m $N; done
apply demo-images demo:8
# anomaly models: a tabular encoder, a threshold and the normal label (semi-supervised), and the unsupervised recipe
train anomaly-tabular --data csv:tabular.csv:label=label --normal-only label=normal --epochs 5 --batch-size 16
train anomaly-contaminated --data csv:labelled.csv:label=label --contaminated --epochs 3
for m in anomaly-tabular anomaly-contaminated; do
  data=$([ $m = anomaly-tabular ] && echo csv:tabular.csv:label=label || echo csv:labelled.csv:label=label)
  $B encode --model "models/$m" --data "$data" --out "expected/$m.codes.csv" > /dev/null
  $B detect --model "models/$m" --data "$data" --top 2 --out "expected/$m.scores.csv" > "expected/$m.detect.txt"
done
$B detect --model models/anomaly-contaminated --data csv:labelled.csv:label=label --normal 0 --top 0 --out expected/anomaly-contaminated.scores-normal0.csv > /dev/null
du -sh models expected
