#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# Lines of Swift per module (sources and tests), printed by `make test` to keep growth visible.
cd "$(dirname "$0")/.."
printf '%-22s %8s %8s\n' module sources tests
for dir in Sources/*/; do
  name=$(basename "$dir")
  src=$(find "$dir" -name '*.swift' -print0 | xargs -0 cat 2>/dev/null | wc -l)
  tst=0
  [ -d "Tests/${name}Tests" ] && tst=$(find "Tests/${name}Tests" -name '*.swift' -print0 | xargs -0 cat 2>/dev/null | wc -l)
  [ "$src" -gt 0 ] && printf '%-22s %8d %8d\n' "$name" "$src" "$tst"
done
