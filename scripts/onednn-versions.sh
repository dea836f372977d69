#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# Debian's oneDNN 2.6 beside oneDNN 3.x from PyPI on the convolutions of a MobileNet V1 α1.0/224 training step
# (issue 12's "measure before you switch"; never part of `make test`). Builds scripts/onednn-versions/convbench.c
# against each library and runs them in alternation, ROUNDS times (2), batch BATCH (32), THREADS threads (all
# cores); prints each run's totals for the pointwise and depthwise convolutions (forward training, backward
# data, backward weights). Libraries from PyPI under .build/onednn-versions:
#   3.2  onednn-cpu-gomp 2023.2.0 (GNU OpenMP, like Debian's 2.6; 40 MB)
#   3.13 onednn 2026.1.0, only with NEWEST=1: built for SYCL, it brings Intel's OpenCL and DPC++ runtimes (2 GB)
# Usage: scripts/onednn-versions.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/.build/onednn-versions
rounds=${ROUNDS:-2}
batch=${BATCH:-32}
threads=${THREADS:-$(nproc)}
source=$root/scripts/onednn-versions/convbench.c
mkdir -p "$dir"
[ -f /usr/include/dnnl.h ] || { echo "Debian's libdnnl-dev is missing: run 'make deps' first." >&2; exit 1; }
python3 -m venv "$dir/venv"
if [ ! -d "$dir/gomp" ]; then
  "$dir/venv/bin/pip" download --no-deps -q -d "$dir/wheels" onednn-cpu-gomp==2023.2.0 onednn-devel-cpu-gomp==2023.2.0
  mkdir -p "$dir/gomp.tmp"
  for wheel in "$dir"/wheels/onednn*gomp*.whl; do unzip -q -o "$wheel" -d "$dir/gomp.tmp"; done
  mv "$dir/gomp.tmp" "$dir/gomp"
fi
gomp_include=$(find "$dir/gomp" -type d -name include | head -n 1)
gomp_lib=$(dirname "$(find "$dir/gomp" -name 'libdnnl.so.3' | head -n 1)")
cc -O2 -o "$dir/convbench-2" "$source" -ldnnl
cc -O2 -o "$dir/convbench-3.2" "$source" -I"$gomp_include" -L"$gomp_lib" -ldnnl -Wl,-rpath,"$gomp_lib"
runs=("2" "3.2")
if [ "${NEWEST:-0}" = 1 ]; then
  "$dir/venv/bin/pip" install -q onednn==2026.1.0 onednn-devel==2026.1.0
  cc -O2 -o "$dir/convbench-3.13" "$source" -I"$dir/venv/include" -L"$dir/venv/lib" -ldnnl \
    -Wl,-rpath-link,"$dir/venv/lib"
  runs+=("3.13")
fi
grep -o -E 'avx512[a-z_]*|avx2|fma|amx[a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' '
echo "($threads threads, batch $batch)"
for round in $(seq "$rounds"); do
  for version in "${runs[@]}"; do
    if [ "$version" = 3.13 ]; then
      # The SYCL build finds the CPU through Intel's OpenCL runtime; its threads are TBB's.
      OCL_ICD_FILENAMES=$dir/venv/lib/libintelocl.so LD_LIBRARY_PATH=$dir/venv/lib ONEDNN_VERBOSE=0 \
        "$dir/convbench-$version" "$batch" 3 | grep -E '^(oneDNN|TOTAL)'
    else
      OMP_NUM_THREADS=$threads "$dir/convbench-$version" "$batch" 3 | grep -E '^(oneDNN|TOTAL)'
    fi
  done
done
