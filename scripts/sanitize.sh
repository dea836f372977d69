#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# `make sanitize`: builds and runs the whole test suite under AddressSanitizer, then under
# UndefinedBehaviorSanitizer, each in its own build directory (.build/asan, .build/ubsan), holding the
# shared build lock only while building. Usage: scripts/sanitize.sh [address|undefined]...
set -uo pipefail
cd "$(dirname "$0")/.."
LOCK=${SANITIZE_LOCK:-/tmp/distill-swift.lock}
KINDS=("$@")
[ ${#KINDS[@]} -eq 0 ] && KINDS=(address undefined)
status=0
for kind in "${KINDS[@]}"; do
  build=.build/${kind/address/asan}
  build=${build/undefined/ubsan}
  echo "== $kind: building into $build"
  flock "$LOCK" swift build --build-tests --build-path "$build" --sanitize "$kind" || { status=1; continue; }
  echo "== $kind: testing"
  # Leak checking needs LeakSanitizer's runtime support for Swift's allocations; it is off here.
  if ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    swift test --skip-build --build-path "$build" 2>&1 | tee "$build/test.log" | grep -E '^(✘|Test run)|ERROR: |runtime error'
  then :; fi
  if grep -qE 'ERROR: AddressSanitizer|runtime error:|✘ Test run' "$build/test.log" || ! grep -q '✔ Test run' "$build/test.log"; then
    echo "== $kind: FAILED (see $build/test.log)"
    status=1
  else
    echo "== $kind: passed"
  fi
done
exit $status
