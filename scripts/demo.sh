#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# The end-to-end demo on the embedded real data (Debian's Fashion-MNIST), as far as the product
# reaches today. Called by `make demo`; everything lands in $1 (default demo/).
set -euo pipefail
dir=${1:-demo}
bin=$(pwd)/.build/release/distill
jobs_dir=$(pwd)/Jobs
mkdir -p "$dir"
cd "$dir"
export DISTILL_DB=$(pwd)/distill.db
rm -rf distill.db distill.db-wal distill.db-shm distill.db.data   # each demo starts from scratch
step() { printf '\n==> %s\n' "$*"; }

step "Real data: 2000 Fashion-MNIST test images as PNG files with labels"
"$bin" dataset fashion-mnist --out fashion-mnist --limit 2000 --split test

step "A teacher: label-derived Fashion-MNIST logits (a stand-in: Distill cannot train teachers yet)"
python3 - <<'PY'
import csv
with open("fashion-mnist/labels.csv") as f, open("teacher.csv", "w") as out:
    out.write("url," + ",".join(f"class{c}" for c in range(10)) + "\n")
    for row in csv.DictReader(f):
        y = int(row["class"])
        out.write(row["url"] + "," + ",".join("5" if c == y else "-1" for c in range(10)) + "\n")
PY
"$bin" teacher import fashion-mnist-teacher --kind logits --file teacher.csv
"$bin" teacher show fashion-mnist-teacher --rows 3

step "Fetch the teacher's images into the content-addressed cache (file:// under the data set)"
"$bin" fetch --teacher fashion-mnist-teacher --allow-file-root fashion-mnist
"$bin" images | sed -n 1,4p

step "Submit the demo job (Jobs/fashion-mnist-demo.yaml): one run per (alpha, resolution)"
job=$("$bin" submit "$jobs_dir/fashion-mnist-demo.yaml" --priority 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$bin" show "$job"

step "What each student costs (alpha 0.25 and 0.5 at 32x32, 10 classes)"
for alpha in 0.25 0.5; do
  "$bin" cost --alpha "$alpha" --resolution 32 --classes 10 | sed -n '1p;/^Totals/,/^Energy/p'
done

step "The MobileNets paper's cost tables, recomputed (Table 6)"
"$bin" cost --paper | sed -n '/^Table 6/,/^$/p'

step "Results so far (training runs are not wired to a daemon yet: runs stay queued)"
"$bin" results --job "$job" --format csv | cut -d, -f1-9
echo
echo "Database: $DISTILL_DB  (try: sqlite3 -header -column $DISTILL_DB 'select * from sweep_results')"
