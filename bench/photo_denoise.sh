#!/usr/bin/env bash
# Denoising photographs with a dense denoising autoencoder trained on 16x16 patches of other images (docs/images.md).
# Held out: chelsea and coffee (photographs); training: the textures and microscopy images of ../shared/data/images.
# Usage (from the repository root): bash bench/photo_denoise.sh        [DATA=... WORK=... EPOCHS=... BOTTLENECK=...]
set -euo pipefail
DATA=${DATA:-../shared/data/images}
WORK=${WORK:-runs/photo-denoise}
EPOCHS=${EPOCHS:-30}
HIDDEN=${HIDDEN:-1024}
LATENT=${LATENT:-512}
TRAIN_STRIDE=${TRAIN_STRIDE:-8}
BOTTLENECK=${BOTTLENECK:-"dotnet run -c Release --project src/Bottleneck.Cli --"}
PY=/usr/bin/python3

rm -rf "$WORK"
mkdir -p "$WORK/train"
for f in brick grass gravel cell text microaneurysms ihc; do ln -s "$(realpath "$DATA/$f.png")" "$WORK/train/$f.png"; done
$PY bench/peers/denoise_baselines.py prepare --data "$DATA" --out "$WORK" chelsea coffee

$BOTTLENECK train --kind denoising --noise gaussian:0.1 --data "images:$WORK/train:channels=1:patch=16,stride=$TRAIN_STRIDE" \
  --output linear-mse --hidden "$HIDDEN" --latent "$LATENT" --epochs "$EPOCHS" --out "$WORK/dae"
$BOTTLENECK evaluate --model "$WORK/dae" --data "images:$WORK/clean:channels=1:patch=16,stride=8"
$BOTTLENECK denoise --model "$WORK/dae" --data "images:$WORK/noisy:channels=1:patch=16,stride=4" --out "$WORK/denoised/"
$PY bench/peers/denoise_baselines.py score --out "$WORK"
