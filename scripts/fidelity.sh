#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# The fidelity run (`make fidelity`; not part of `make test`): does distillation from soft targets alone keep
# the teacher's accuracy on the full Fashion-MNIST data set?
#
# For each teacher kind (logits, attributes, embedding):
#   1. `distill teach` trains an alpha 1.0 MobileNet teacher on the 60,000 training images with their labels
#      (held out: the 10,000 test images) and stores its outputs for all 70,000 images;
#   2. a job distils students (alpha x resolution grid) on the 60,000 training images from the teacher's
#      outputs only (hard_weight 0: no label is ever seen) and scores them on the 10,000 test images;
#   3. the baseline: the smallest student's network trained by `distill teach` on the labels of only
#      1,000 training images.
# Usage: scripts/fidelity.sh [OUT_DIR] [KIND...]   (default: fidelity/ and all three kinds)
# Settings (environment): TEACHER_EPOCHS (12), STUDENT_EPOCHS (6), BASELINE_EPOCHS (40), ALPHAS ("1.0 0.5
# 0.25"), RESOLUTIONS ("32 40"), TEACHER_RESOLUTION (32), THREADS (all cores), DISTILL_BIN (.build/release/distill),
# SUMMARY_ONLY=1 (no training: the table of what has run so far). Results land in OUT_DIR/distill.db
# and OUT_DIR/fidelity.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-fidelity}
shift || true
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(logits attributes embedding)
teacher_epochs=${TEACHER_EPOCHS:-12}
student_epochs=${STUDENT_EPOCHS:-6}
baseline_epochs=${BASELINE_EPOCHS:-40}
alphas=${ALPHAS:-"1.0 0.5 0.25"}
resolutions=${RESOLUTIONS:-"32 40"}
teacher_resolution=${TEACHER_RESOLUTION:-32}
threads=${THREADS:-0}
smallest_alpha=$(tr ' ' '\n' <<<"$alphas" | sort -g | head -n 1)
smallest_resolution=$(tr ' ' '\n' <<<"$resolutions" | sort -n | head -n 1)

mkdir -p "$out"
out=$(cd "$out" && pwd)
# A copy of the binary: rebuilding the checkout while this runs must not change the program mid-run.
bin="$out/distill"
# (Copied beside it and renamed: another fidelity run may be executing the old copy.)
cp "${DISTILL_BIN:-$root/.build/release/distill}" "$bin.new"
mv -f "$bin.new" "$bin"
export DISTILL_DB="$out/distill.db"
thread_option=()
[ "$threads" = 0 ] || thread_option=(--threads "$threads")
step() { printf '\n==> %s  (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
# Trains teacher $1 with `distill teach` "${@:2}", or, after an interruption, continues its teach job.
teach() {
  local state
  state=$(sqlite3 "$DISTILL_DB" "select status || ' ' || ifnull(trained_by_job, '') from teachers where name = '$1'" 2>/dev/null || true)
  case "$state" in
    ready*) echo "teacher $1 is ready" ;;
    training*) "$bin" run "${state#training }" "${thread_option[@]}" --quiet >/dev/null ;;
    *) "$bin" teach "$@" "${thread_option[@]}" --quiet ;;
  esac
}

if [ ! -f "$out/data/labels.csv" ]; then
  step "Fashion-MNIST: 60,000 training and 10,000 test images as PNG files"
  "$bin" dataset fashion-mnist --out "$out/data" --split all
fi
python3 - "$out" <<'PY'
import csv, sys
out = sys.argv[1]
rows = list(csv.DictReader(open(f"{out}/data/labels.csv")))
header = list(rows[0].keys())
train = [r for r in rows if r["split"] == "train"]
test = [r for r in rows if r["split"] == "test"]
def write(name, subset):
    with open(f"{out}/{name}", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(subset)
write("teacher-labels.csv", train + test)
write("baseline-labels.csv", train[:1000] + test)
write("test-labels.csv", test)
with open(f"{out}/all-urls.txt", "w") as f:
    f.writelines(r["url"] + "\n" for r in train + test)
print(f"{len(train)} training and {len(test)} test images")
PY

[ "${SUMMARY_ONLY:-0}" = 1 ] && kinds=()  # only the table of what has run
for kind in ${kinds[@]+"${kinds[@]}"}; do
  extra=()
  [ "$kind" = embedding ] && extra=(--embedding-size 128)
  step "Teacher fm-$kind: distill teach, alpha 1.0 at ${teacher_resolution}x${teacher_resolution}, $teacher_epochs epochs on 60,000 labelled images"
  teach "fm-$kind" --labels "$out/teacher-labels.csv" --kind "$kind" --alpha 1.0 \
    --resolution "$teacher_resolution" --epochs "$teacher_epochs" --allow-file-root "$out/data" \
    --outputs-for "$out/all-urls.txt" "${extra[@]}"
  "$bin" teacher show "fm-$kind" --rows 0
  step "Baseline baseline-$kind: alpha $smallest_alpha at ${smallest_resolution}x${smallest_resolution} on the labels of 1,000 images"
  teach "baseline-$kind" --labels "$out/baseline-labels.csv" --kind "$kind" --alpha "$smallest_alpha" \
    --resolution "$smallest_resolution" --epochs "$baseline_epochs" --allow-file-root "$out/data" "${extra[@]}"
  # Students of logits and attribute teachers train with SGD at 0.1; an embedding student's squared distance
  # to unit-length teacher vectors diverges at that rate, so it trains with Adam at 0.001 (as
  # Jobs/facenet-embedding.yaml does).
  optimizer=sgd rate=0.1 suffix=""
  [ "$kind" = embedding ] && optimizer=adam rate=0.001 suffix="-adam"
  # One student job per kind, alpha set and epoch count, so a sweep can give the small students more epochs.
  job_name="students-$kind-a$(tr ' ' '_' <<<"$alphas")-e$student_epochs$suffix"
  job=$(sqlite3 "$DISTILL_DB" "select id from jobs where name = '$job_name' order by id desc limit 1")
  if [ -z "$job" ]; then
    cat >"$out/$job_name.yaml" <<EOF
name: $job_name
teacher: fm-$kind
images:
  allow_file_roots: [$out/data]
evaluation:
  labels: $out/test-labels.csv
students:
  alpha: [$(sed 's/ /, /g' <<<"$alphas")]
  resolution: [$(sed 's/ /, /g' <<<"$resolutions")]
training:
  epochs: $student_epochs
  batch_size: 64
  optimizer: $optimizer
  learning_rate: $rate
  hard_weight: 0
  checkpoint_every_steps: 500
EOF
    job=$("$bin" submit "$out/$job_name.yaml" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  fi
  step "Students of fm-$kind (job $job): distilled from the teacher's outputs alone, scored on the 10,000 test images"
  "$bin" run "$job" "${thread_option[@]}" --quiet >/dev/null || true
  "$bin" results --job "$job"
done

step "Summary ($out/fidelity.md)"
python3 - "$DISTILL_DB" "$out/fidelity.md" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
metric = {"logits": ("top1", "eval_top1", "top-1"), "attributes": ("mean_ap", "eval_mean_ap", "mean AP"),
          "embedding": ("verification_accuracy", "eval_verification", "verification at FAR 1e-4")}
def epochs(job_column, value):
    row = db.execute(f"select json_extract(spec_json, '$.training.epochs') from jobs where {job_column} = ?", (value,)).fetchone()
    return row[0] if row else "?"
lines = ["| kind | model | trained on | epochs | metric | Mult-Adds (M) | share of teacher | parameters (M) |",
         "|---|---|---|---|---|---|---|---|"]
for kind, (column, teacher_column, label) in metric.items():
    teacher = db.execute(f"""select t.{teacher_column}, res.mult_adds, res.parameters from teachers t
        join runs r on r.job_id = t.trained_by_job join results res on res.run_id = r.id where t.name = ?""",
        (f"fm-{kind}",)).fetchone()
    if teacher is None or teacher[0] is None:
        continue
    lines.append(f"| {kind} | teacher α1.0 | 60,000 labels | {epochs('name', f'teach-fm-{kind}')} | {label} {teacher[0]:.4f} | {teacher[1] / 1e6:.2f} | 100% | {teacher[2] / 1e6:.3f} |")
    for name, job, value, mult_adds, params in db.execute(f"""select r.name, j.id, res.{column}, res.mult_adds, res.parameters
            from jobs j join runs r on r.job_id = j.id join results res on res.run_id = r.id
            where j.name like ? order by r.alpha desc, r.resolution desc, j.id""", (f"students-{kind}-%",)):
        delta = (value - teacher[0]) * 100
        lines.append(f"| {kind} | student {name} | teacher outputs only | {epochs('id', job)} | {value:.4f} ({delta:+.1f} pts) | {mult_adds / 1e6:.2f} | {100 * mult_adds / teacher[1]:.1f}% | {params / 1e6:.3f} |")
    baseline = db.execute(f"""select t.{teacher_column}, res.mult_adds, res.parameters, r.name from teachers t
        join runs r on r.job_id = t.trained_by_job join results res on res.run_id = r.id where t.name = ?""",
        (f"baseline-{kind}",)).fetchone()
    if baseline and baseline[0] is not None:
        lines.append(f"| {kind} | baseline {baseline[3]} | 1,000 labels | {epochs('name', f'teach-baseline-{kind}')} | {baseline[0]:.4f} | {baseline[1] / 1e6:.2f} | {100 * baseline[1] / teacher[1]:.1f}% | {baseline[2] / 1e6:.3f} |")
text = "\n".join(lines) + "\n"
open(sys.argv[2], "w").write(text)
print(text)
PY
