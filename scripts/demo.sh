#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# The end-to-end demo, as far as the product reaches today. Called by `make demo`.
set -euo pipefail
dir=${1:-demo}
bin=$(pwd)/.build/release/distill
mkdir -p "$dir"
cd "$dir"
export DISTILL_DB=$(pwd)/distill.db
rm -f distill.db distill.db-wal distill.db-shm   # each demo starts from a fresh database
step() { printf '\n==> %s\n' "$*"; }

step "What a MobileNet student costs (alpha 0.25, resolution 128, 10 classes)"
"$bin" cost --alpha 0.25 --resolution 128 --classes 10 | tail -8

step "The MobileNets paper's cost tables, recomputed"
"$bin" cost --paper | head -40

step "A teacher: label-derived Fashion-MNIST logits (stand-in until 'distill teach' lands)"
python3 - <<'PY'
import gzip, struct, os
path = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"
with gzip.open(path) as f:
    magic, n = struct.unpack(">II", f.read(8))
    labels = f.read(n)
with open("teacher.csv", "w") as out:
    out.write("url," + ",".join(f"class{c}" for c in range(10)) + "\n")
    for i, y in enumerate(labels[:2000]):
        logits = ["5" if c == y else "-1" for c in range(10)]
        out.write(f"file://{os.getcwd()}/fashion-mnist/test/{i:05d}.png," + ",".join(logits) + "\n")
PY
"$bin" teacher import fashion-mnist-teacher --kind logits --file teacher.csv --replace
"$bin" teacher show fashion-mnist-teacher --rows 3

step "Submit the demo job (Jobs/fashion-mnist-demo.yaml)"
mkdir -p fashion-mnist
touch fashion-mnist/labels.csv
"$bin" submit ../Jobs/fashion-mnist-demo.yaml --priority 1
"$bin" jobs
"$bin" show "$("$bin" jobs --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
"$bin" results
