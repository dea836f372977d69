#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# The input pipeline on photos (issue 16's measurement; not part of `make test`): N synthetic 640x480 JPEGs,
# a random logits teacher for them, and an alpha/resolution student trained for EPOCHS epochs three times:
# with the decoded-image store filled by the first epoch, without a store (decoded_store_bytes: 0), and with
# the store filled beforehand by `distill prepare`; then `distill bench train` and `distill bench pipeline`
# for the same student, all in one sitting. Prints each epoch's images/s (training steps including the wait
# for their batch) and its share of `bench train`'s: the machine's speed drifts by ±10% within minutes, so
# `bench train` runs right before and after every job and each epoch is compared with the mean of the two.
# Usage: scripts/pipeline-bench.sh [DIR] (default .build/pipeline-bench); COUNT (1500), ALPHA (0.25),
# RESOLUTION (128), EPOCHS (3), THREADS (all cores). Uses .build/release/distill.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/.build/pipeline-bench}
count=${COUNT:-1500}
alpha=${ALPHA:-0.25}
resolution=${RESOLUTION:-128}
epochs=${EPOCHS:-3}
threads=${THREADS:-$(nproc)}
bin=$root/.build/release/distill
rm -rf "$dir"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
export DISTILL_DB=$dir/distill.db
"$bin" dataset photos --out "$dir/photos" --count "$count" >/dev/null
python3 - "$dir" <<'PY'
import random, sys
d = sys.argv[1]
random.seed(1)
with open(f"{d}/teacher.csv", "w") as f:
    f.write("url," + ",".join(f"c{i}" for i in range(10)) + "\n")
    for url in open(f"{d}/photos/urls.txt").read().split():
        f.write(url + "," + ",".join(f"{random.gauss(0, 2):.4f}" for _ in range(10)) + "\n")
PY
"$bin" teacher import photos --kind logits --file "$dir/teacher.csv" --quiet >/dev/null
"$bin" fetch --urls "$dir/photos/urls.txt" --allow-file-root "$dir/photos" --quiet >/dev/null
bench() {
  line=$("$bin" bench train --alpha "$alpha" --resolution "$resolution" --batch 32 --threads "$threads" \
    --outputs 10 --steps 60 | sed -n 2p)
  echo "bench train (same student, random inputs):$line"
  last_bench=$(echo "$line" | awk '{print $1}')
}
bench
data=$dir/distill.db.data
for store in on off prepared; do
  rm -rf "$data/decoded"
  cat >"$dir/job-$store.yaml" <<YAML
name: pipeline-store-$store
teacher: photos
images:
  allow_file_roots: [$dir/photos]
  decoded_store_bytes: $([ $store = off ] && echo 0 || echo 8589934592)
students:
  alpha: [$alpha]
  resolution: [$resolution]
training:
  epochs: $epochs
  batch_size: 32
  optimizer: sgd
  learning_rate: 0.05
  hard_weight: 0
  threads: $threads
YAML
  job=$("$bin" submit "$dir/job-$store.yaml" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  if [ $store = prepared ]; then
    start=$(date +%s%N)
    "$bin" prepare "$job" --quiet >/dev/null
    echo "distill prepare: $((($(date +%s%N) - start) / 1000000)) ms for $count images"
  fi
  "$bin" run "$job" --quiet >/dev/null
  before=$last_bench
  bench
  echo "decoded-image store $store (% of the mean bench train before and after, $before and $last_bench):"
  "$bin" logs "$job" | grep -o 'epoch [0-9]*/[0-9]*:.*images/s\( ([^)]*)\)\?\(; decoded-image store: [^)]*\)\?' |
    awk -v a="$before" -v b="$last_bench" '{
      for (i = 1; i <= NF; i++) if ($(i + 1) == "images/s") rate = $i
      printf "  %s [%.0f%%]\n", $0, 200 * rate / (a + b)
    }'
done
"$bin" bench pipeline --images "$dir/photos" --count "$count" --alpha "$alpha" --resolution "$resolution" \
  --batch 32 --threads "$threads" --outputs 10 | sed '$d'
