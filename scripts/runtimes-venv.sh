#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# The Python environment the export tests check exported models in (never used by the product): onnxruntime and
# ai-edge-litert (TensorFlow Lite's interpreter) with numpy, from PyPI, in .build/venvs/runtimes. Run by
# `make test` (and `make runtimes`); does nothing when the environment is already complete.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/venvs/runtimes
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import onnxruntime, numpy, ai_edge_litert.interpreter' 2>/dev/null; then
  exit 0
fi
echo "Creating $venv (onnxruntime, ai-edge-litert, numpy from PyPI) for the export tests"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check onnxruntime ai-edge-litert numpy
"$venv/bin/python" -c 'import onnxruntime, numpy, ai_edge_litert.interpreter'
