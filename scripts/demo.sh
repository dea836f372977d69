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

step "Real data: 8000 Fashion-MNIST training and 2000 test images as PNG files with labels"
"$bin" dataset fashion-mnist --out fashion-mnist --limit 8000 --split all
# The first 3000 training images are labelled (they train the teacher), the other 5000 are unlabeled (the
# students learn from the teacher's outputs for them), the test images are scored.
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("fashion-mnist/labels.csv")))
header = list(rows[0].keys())
train = [r for r in rows if r["split"] == "train"]
test = [r for r in rows if r["split"] == "test"][:2000]
def write(path, subset):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(subset)
write("fashion-mnist/teacher-labels.csv", train[:3000] + test)
write("fashion-mnist/test-labels.csv", test)
with open("fashion-mnist/unlabeled.txt", "w") as f:
    f.writelines(r["url"] + "\n" for r in train[3000:] + test)
PY

step "A teacher trained by Distill: distill teach (MobileNet alpha 1.0 at 32x32 on the 3000 labelled images, scored on the test split)"
"$bin" teach fashion-mnist-teacher --labels fashion-mnist/teacher-labels.csv --kind logits --alpha 1.0 \
    --resolution 32 --epochs 8 --batch 32 --learning-rate 0.002 --allow-file-root fashion-mnist \
    --outputs-for fashion-mnist/unlabeled.txt
"$bin" teacher show fashion-mnist-teacher --rows 3

step "Submit the demo job (Jobs/fashion-mnist-demo.yaml): four students distilled from the teacher's outputs alone"
# The job file names its data as ../demo/…, relative to Jobs/; for another demo directory, a copy points there.
job_file=$jobs_dir/fashion-mnist-demo.yaml
if [ "$(pwd)" != "$(cd "$jobs_dir/../demo" 2>/dev/null && pwd)" ]; then
  sed "s|\.\./demo/|$(pwd)/|g" "$job_file" >fashion-mnist-demo.yaml
  job_file=$(pwd)/fashion-mnist-demo.yaml
fi
job=$("$bin" submit "$job_file" --priority 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$bin" show "$job"

step "Train it: distill daemon --once (claims each run, fetches into the cache, trains, checkpoints, evaluates, costs; exits when the queue is drained)"
"$bin" daemon --once --id demo-worker
"$bin" show "$job"
"$bin" images | sed -n 1,4p

step "Results (distill results --job $job): the students beside their teacher"
"$bin" results --job "$job"
python3 - "$DISTILL_DB" "$job" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
t = db.execute("""select t.name, t.eval_top1, t.eval_images, res.mult_adds, res.parameters from teachers t
                  join runs r on r.job_id = t.trained_by_job join results res on res.run_id = r.id
                  where t.name = 'fashion-mnist-teacher'""").fetchone()
print("  %-26s top-1 %.4f (%d test images)  %7.2f M Mult-Adds  %6.3f M parameters" % (t[0], t[1], t[2], t[3] / 1e6, t[4] / 1e6))
for name, top1, agreement, mult_adds, params in db.execute(
        """select r.name, res.top1, res.teacher_agreement, res.mult_adds, res.parameters from runs r
           join results res on res.run_id = r.id where r.job_id = ? order by r.id""", (int(sys.argv[2]),)):
    agreement = "%.4f" % agreement if agreement is not None else "n/a"
    print("  student %-18s top-1 %.4f (agreement %s)  %7.2f M Mult-Adds (%4.1f%% of the teacher's)  %6.3f M parameters"
          % (name, top1, agreement, mult_adds / 1e6, 100 * mult_adds / t[3], params / 1e6))
PY

step "To the device: the smallest student as ONNX (float32) and full-integer TFLite (int8), ready for onnxruntime and LiteRT"
"$bin" export "$job/alpha0.25-res32" --format onnx --out "$(pwd)/student-alpha0.25-res32.onnx"
"$bin" export "$job/alpha0.25-res32" --format tflite --int8 --out "$(pwd)/student-alpha0.25-res32-int8.tflite"
ls -l student-alpha0.25-res32.onnx student-alpha0.25-res32-int8.tflite

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

step "The report: distill report $job --out $dir/report (Markdown, SVG plots, self-contained HTML)"
"$bin" report "$job" --out "$(pwd)/report"

echo "Database: $DISTILL_DB  (try: sqlite3 -header -column $DISTILL_DB 'select * from sweep_results')"
echo "Report:   $(pwd)/report/report.html  (open it in a browser; report.md and the SVG files beside it)"
