#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# The end-to-end demo on the embedded real data (Debian's Fashion-MNIST): data set, teacher, job,
# training with `distill daemon --once`, results. Called by `make demo`; everything lands in $1 (default demo/).
set -euo pipefail
dir=${1:-demo}
bin=$(pwd)/.build/release/distill
jobs_dir=$(pwd)/Jobs
mkdir -p "$dir"
cd "$dir"
export DISTILL_DB=$(pwd)/distill.db
rm -rf distill.db distill.db-wal distill.db-shm distill.db.data   # each demo starts from scratch
step() { printf '\n==> %s\n' "$*"; }

step "Real data: 3000 Fashion-MNIST training and 3000 test images as PNG files with labels"
"$bin" dataset fashion-mnist --out fashion-mnist --limit 3000 --split all

step "A teacher: label-derived Fashion-MNIST logits for every image (a stand-in: Distill cannot train teachers yet)"
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

step "Submit the demo job (Jobs/fashion-mnist-demo.yaml): one run per (alpha, resolution)"
job=$("$bin" submit "$jobs_dir/fashion-mnist-demo.yaml" --priority 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$bin" show "$job"

step "Train it: distill daemon --once (claims each run, fetches into the cache, trains, checkpoints, evaluates, costs; exits when the queue is drained)"
"$bin" daemon --once --id demo-worker
"$bin" show "$job"
"$bin" images | sed -n 1,4p

step "Results (distill results --job $job)"
"$bin" results --job "$job"

step "Per-epoch metrics and checkpoints (sqlite3 on the same database)"
python3 - "$DISTILL_DB" "$job" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute("""select r.name, m.epoch, m.step, round(m.train_loss, 4), round(m.top1, 4), round(m.agreement, 4),
                                round(m.images_per_sec), round(m.learning_rate, 5)
                         from metrics m join runs r on r.id = m.run_id where r.job_id = ? order by r.id, m.epoch""",
                      (int(sys.argv[2]),)):
    print("  %-16s epoch %d  step %4d  train loss %-8s top-1 %-7s agreement %-7s %6s img/s  lr %s" % row)
for row in db.execute("""select r.name, count(*), max(c.step), c.path from checkpoints c join runs r on r.id = c.run_id
                         where r.job_id = ? group by r.id""", (int(sys.argv[2]),)):
    print("  %-16s %d checkpoints, last at step %d: %s" % row)
PY

step "The MobileNets paper's cost tables, recomputed (Table 6)"
"$bin" cost --paper | sed -n '/^Table 6/,/^$/p'

echo "Database: $DISTILL_DB  (try: sqlite3 -header -column $DISTILL_DB 'select * from sweep_results')"
