#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# Does a changed engine still train the same students? Runs the same distillation job with two `distill`
# binaries (an older build, e.g. from `git worktree add`, and this one) on copies of the demo database
# (`make demo` first: its teacher, images and decoded-image store are reused), and prints each run's
# epoch metrics and final top-1 / teacher agreement side by side. Not part of `make test` (minutes).
#
# Four variants per binary, all 2 students (α 0.5 and 0.25 at 32x32, the demo's teacher, soft targets only):
#   forward  learning rate 1e-9, 1 epoch: the weights barely move, so train loss, eval loss, top-1 and
#            agreement must match to the printed digits if both engines compute the same forward pass;
#   seed1    the demo's settings for 3 epochs (SGD 0.1, cosine), seed 1, 2 threads;
#   threads1 the same on 1 thread (only the order of float sums changes);
#   seed2    the same with seed 2.
# SGD at these rates amplifies last-bit differences, so the last three are judged as a spread: the two
# engines' results should differ by no more than changing the thread count alone moves one engine's.
# Usage: scripts/engine-compare.sh OLD_DISTILL NEW_DISTILL [DEMO_DIR (demo)] [WORK_DIR (.build/engine-compare)]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n 3,17p "$0" | sed 's/^# \{0,1\}//'; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
demo=$(cd "${3:-$root/demo}" && pwd)
work=${4:-$root/.build/engine-compare}
[ -f "$demo/distill.db" ] || { echo "error: $demo/distill.db not found; run \`make demo\` first." >&2; exit 2; }
for bin in "$old" "$new"; do
  [ -x "$bin" ] || { echo "error: $bin is not an executable distill binary." >&2; exit 2; }
done
rm -rf "$work"
mkdir -p "$work"
job_file() { # variant -> YAML
  local rate=0.1 epochs=3 schedule=cosine threads=2 seed=1
  case $1 in
    forward) rate=0.000000001 epochs=1 schedule=constant ;;
    threads1) threads=1 ;;
    seed2) seed=2 ;;
  esac
  cat <<YAML
name: engine-compare-$1
teacher: fashion-mnist-teacher
images:
  allow_file_roots: [$demo/fashion-mnist]
evaluation:
  labels: $demo/fashion-mnist/test-labels.csv
students:
  alpha: [0.5, 0.25]
  resolution: [32]
training:
  epochs: $epochs
  batch_size: 32
  optimizer: sgd
  learning_rate: $rate
  schedule: $schedule
  temperature: 4
  hard_weight: 0
  seed: $seed
  threads: $threads
YAML
}
for variant in forward seed1 threads1 seed2; do
  for side in old new; do
    bin=$old
    [ $side = new ] && bin=$new
    dir=$work/$variant-$side
    mkdir -p "$dir"
    cp "$demo/distill.db" "$dir/"
    cp -r "$demo/distill.db.data" "$dir/"
    export DISTILL_DB=$dir/distill.db
    job_file $variant >"$dir/job.yaml"
    job=$("$bin" submit "$dir/job.yaml" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    "$bin" run "$job" --quiet >/dev/null
    "$bin" logs "$job" | grep -o 'epoch [0-9]*/[0-9]*:.*' | sed -E 's/, [0-9.]+ images\/s.*//' >"$dir/epochs.txt"
    python3 - "$DISTILL_DB" "$job" >"$dir/results.txt" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for name, top1, agreement in db.execute(
        """select r.name, res.top1, res.teacher_agreement from runs r join results res on res.run_id = r.id
           where r.job_id = ? order by r.id""", (int(sys.argv[2]),)):
    print(f"{name} top-1 {top1:.4f} agreement {agreement:.4f}")
PY
  done
  echo "== $variant"
  for side in old new; do
    echo "  $side:"
    sed 's/^/    /' "$work/$variant-$side/epochs.txt" "$work/$variant-$side/results.txt"
  done
done
