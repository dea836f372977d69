#!/usr/bin/env python3
# Copyright 2026 The Distill authors.
# LiteRT (XNNPACK) latency of a TensorFlow Lite file that `distill export` wrote, the peer of
# `distill bench infer` (issue 12): median batch-1 milliseconds and batch-N images/s with the given threads.
# --resolution resizes the input (the exported graph's shapes follow), so a demo student exported at 32x32
# measures the same α at 128 or 160. Checking only: run it with the runtimes venv,
#   .build/venvs/runtimes/bin/python scripts/litert-bench.py demo/student-alpha0.25-res32.tflite --resolution 128
# The last line is a JSON summary.
import argparse
import json
import statistics
import time

import numpy as np
from ai_edge_litert.interpreter import Interpreter

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("model")
parser.add_argument("--resolution", type=int, default=0, help="input side (default: the file's)")
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--batch", type=int, default=32, help="the batch-N pass (0 skips it)")
parser.add_argument("--runs", type=int, default=200, help="timed batch-1 passes")
args = parser.parse_args()


def interpreter(batch):
    interp = Interpreter(model_path=args.model, num_threads=args.threads)
    shape = list(interp.get_input_details()[0]["shape"])
    side = args.resolution or shape[1]
    interp.resize_tensor_input(interp.get_input_details()[0]["index"], [batch, side, side, shape[3]])
    interp.allocate_tensors()
    return interp, side


def median_seconds(batch, runs):
    interp, side = interpreter(batch)
    detail = interp.get_input_details()[0]
    rng = np.random.default_rng(3)
    x = np.clip(rng.standard_normal((batch, side, side, 3)), -1, 1).astype(np.float32)
    if detail["dtype"] == np.int8:
        scale, zero = detail["quantization"]
        x = np.clip(np.round(x / scale) + zero, -128, 127).astype(np.int8)
    interp.set_tensor(detail["index"], x)
    for _ in range(5):
        interp.invoke()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        interp.invoke()
        times.append(time.perf_counter() - start)
    return statistics.median(times), side


one, side = median_seconds(1, args.runs)
result = {"model": args.model, "resolution": side, "threads": args.threads, "batch1_ms": round(one * 1000, 4)}
print(f"LiteRT {args.model} at {side}x{side}, {args.threads} threads: batch 1 {one * 1000:.3f} ms")
if args.batch > 0:
    many, _ = median_seconds(args.batch, max(10, args.runs // 10))
    result.update({"batch": args.batch, "images_per_second": round(args.batch / many, 1)})
    print(f"batch {args.batch}: {args.batch / many:.1f} images/s")
print(json.dumps(result))
