#!/usr/bin/env bash
# Denoising photographs with a residual fully convolutional denoiser (--kind conv --residual, DnCNN-like; docs/images.md)
# trained on 32x32 patches of other images. Held out: chelsea and coffee (photographs); training: the textures and microscopy
# images of ../shared/data/images, the same protocol as bench/photo_denoise.sh (the dense denoiser).
# Usage (from the repository root): bash bench/photo_denoise_conv.sh   [DATA=... WORK=... EPOCHS=... TRAIN_STRIDE=... SCHEDULE=... BOTTLENECK=...]
set -euo pipefail
DATA=${DATA:-../shared/data/images}
WORK=${WORK:-runs/photo-denoise-conv}
EPOCHS=${EPOCHS:-10}
TRAIN_STRIDE=${TRAIN_STRIDE:-16}
SCHEDULE=${SCHEDULE:-cosine}
CHANNELS=${CHANNELS:-32,32,32}
LATENT_CHANNELS=${LATENT_CHANNELS:-32}
BOTTLENECK=${BOTTLENECK:-"dotnet run -c Release --project src/Bottleneck.Cli --"}
PY=/usr/bin/python3

rm -rf "$WORK"
mkdir -p "$WORK/train"
for f in brick grass gravel cell text microaneurysms ihc; do ln -s "$(realpath "$DATA/$f.png")" "$WORK/train/$f.png"; done
$PY bench/peers/denoise_baselines.py prepare --data "$DATA" --out "$WORK" chelsea coffee

# 8 convolutions of width 32 at stride 1 (receptive field 17x17), predicting minus the noise; random flips and rotations
$BOTTLENECK train --kind conv --stride 1 --channels "$CHANNELS" --latent-channels "$LATENT_CHANNELS" --residual --output linear-mse \
  --noise gaussian:0.1 --augment dihedral --data "images:$WORK/train:channels=1:patch=32,stride=$TRAIN_STRIDE" \
  --epochs "$EPOCHS" --batch-size 32 --schedule "$SCHEDULE" --out "$WORK/model"
$BOTTLENECK denoise --model "$WORK/model" --data "images:$WORK/noisy:channels=1:patch=32,stride=8" --out "$WORK/denoised/"
$PY bench/peers/denoise_baselines.py score --out "$WORK"
