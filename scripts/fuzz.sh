#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# `make fuzz`: builds the libFuzzer harness (Fuzz/, release, -sanitize=fuzzer + address) into .build/fuzz and
# runs every target for FUZZ_SECONDS (default 60) on a copy of its seed corpus (Fuzz/corpus/TARGET).
# Findings land in .build/fuzz/findings/TARGET/; the script exits 1 if any target found one.
# Usage: scripts/fuzz.sh [TARGET...]   (environment: FUZZ_SECONDS, FUZZ_LOCK=/tmp/distill-swift.lock)
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
LOCK=${FUZZ_LOCK:-/tmp/distill-swift.lock}
BUILD=.build/fuzz
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(teacher-csv teacher-jsonl teacher-npy url-list labels job-file schedule
  checkpoint jpeg png url-policy)

echo "Building the fuzz harness (release, -sanitize=fuzzer,address) into $BUILD"
DISTILL_FUZZ=1 flock "$LOCK" swift build -c release --build-path "$BUILD" --product distill-fuzz \
  --sanitize fuzzer --sanitize address -Xswiftc -enable-testing || exit 1
BINARY=$("$(command -v swift)" build -c release --build-path "$BUILD" --show-bin-path 2>/dev/null)/distill-fuzz
[ -x "$BINARY" ] || BINARY=$BUILD/release/distill-fuzz

status=0
printf '%-14s %10s %8s %s\n' target executions seconds result
for target in "${TARGETS[@]}"; do
  corpus=$BUILD/corpus/$target
  findings=$BUILD/findings/$target
  mkdir -p "$corpus" "$findings"
  [ -d "Fuzz/corpus/$target" ] && cp -n Fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null
  log=$BUILD/$target.log
  DISTILL_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "$BINARY" -max_total_time="$SECONDS_EACH" \
    -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" \
    "$corpus" >"$log" 2>&1
  code=$?
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1)
  time=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE 'in [0-9]+' | grep -oE '[0-9]+' | tail -n 1)
  if [ $code -eq 0 ]; then result=ok; else result="FINDING (exit $code): see $log and $findings/"; status=1; fi
  printf '%-14s %10s %8s %s\n' "$target" "${runs:-?}" "${time:-?}" "$result"
done
exit $status
