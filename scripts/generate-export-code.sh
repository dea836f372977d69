#!/usr/bin/env bash
# Copyright 2026 The Distill authors.
# Regenerates the committed serialisation code of `distill export` from our schema subsets (run by hand after
# editing schemas/*; never part of `make` or CI, which build from the committed files):
#   schemas/onnx_subset.proto  -> Sources/DistillExport/Generated/onnx_subset.pb.swift  (protoc + protoc-gen-swift 1.39)
#   schemas/tflite_subset.fbs  -> Sources/CTFLiteWriter/tflite_subset_generated.h        (flatc 2.0.8, object API)
# PROTOC_GEN_SWIFT names the plugin; build it once outside the repository, e.g.
#   git clone /opt/swift-packages/apple/swift-protobuf.git /tmp/protogen/src && cd /tmp/protogen/src &&
#   git checkout 1.39.0 && swift build -c release --product protoc-gen-swift --scratch-path /tmp/protogen/build
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-/tmp/protogen/build/release/protoc-gen-swift}"
[ -x "$plugin" ] || { echo "protoc-gen-swift not found at $plugin; set PROTOC_GEN_SWIFT (see this script's header)" >&2; exit 2; }
command -v protoc >/dev/null || { echo "protoc missing: apt-get install protobuf-compiler" >&2; exit 2; }
command -v flatc >/dev/null || { echo "flatc missing: apt-get install flatbuffers-compiler" >&2; exit 2; }
mkdir -p Sources/DistillExport/Generated
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Internal \
  --swift_out=Sources/DistillExport/Generated -I schemas schemas/onnx_subset.proto
flatc --cpp --gen-object-api -o Sources/CTFLiteWriter schemas/tflite_subset.fbs
echo "generated Sources/DistillExport/Generated/onnx_subset.pb.swift and Sources/CTFLiteWriter/tflite_subset_generated.h"
