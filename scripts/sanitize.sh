#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# `make sanitize`: builds and runs the whole test suite under AddressSanitizer (all code), then under
# UndefinedBehaviorSanitizer (the C code: swiftc has no UBSan on Linux, Swift traps by itself), each in its
# own build directory (.build/asan, .build/ubsan), holding the shared build lock only while building. Usage: scripts/sanitize.sh [address|undefined]...
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
  if [ "$kind" = undefined ]; then
    # swiftc has no -sanitize=undefined on Linux (Swift code traps on overflow and bounds by itself), so UBSan
    # instruments the C code (CYaml, the C shims) and its runtime is linked in whole.
    runtime=$(ls "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")"/lib/clang/*/lib/linux/libclang_rt.ubsan_standalone-x86_64.a | head -n 1)
    flags=(-Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined
      -Xlinker --whole-archive -Xlinker "$runtime" -Xlinker --no-whole-archive)
  else
    flags=(--sanitize "$kind")
  fi
  flock "$LOCK" swift build --build-tests --build-path "$build" "${flags[@]}" || { status=1; continue; }
  echo "== $kind: testing"
  # Leak checking needs LeakSanitizer's runtime support for Swift's allocations; it is off here.
  if ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    swift test --skip-build --build-path "$build" 2>&1 | tee "$build/test.log" | grep -E '^(✘|✔ Test run)|ERROR: |runtime error'
  then :; fi
  if grep -qE 'ERROR: AddressSanitizer|runtime error:|✘ Test run' "$build/test.log" || ! grep -q '✔ Test run' "$build/test.log"; then
    echo "== $kind: FAILED (see $build/test.log)"
    status=1
  else
    echo "== $kind: passed"
  fi
done
exit $status
