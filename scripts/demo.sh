#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# The end-to-end demo, as far as the product reaches today. Called by `make demo`.
set -euo pipefail
dir=${1:-demo}
bin=.build/release/distill
mkdir -p "$dir"
"$bin" --help
