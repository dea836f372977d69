# Copyright 2026 The Distill authors.
# Runs an exported model in the real runtime and writes its outputs, for the export tests (checking only).
#   run_exported.py MODEL INPUTS OUTPUTS N R [--threads T] [--time REPEATS]
# MODEL .onnx (onnxruntime, input (N, 3, R, R)) or .tflite (LiteRT, input (1, R, R, 3), one image at a time).
# INPUTS: N·3·R·R little-endian float32 in (N, 3, R, R) order. OUTPUTS: N·D float32 written.
# Prints one JSON line: output width, input/output types and, with --time, median batch-1 latency in ms.
import json
import sys
import time

import numpy as np


def main():
    model, inputs_path, outputs_path, n, r = sys.argv[1:6]
    n, r = int(n), int(r)
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
    repeats = int(sys.argv[sys.argv.index("--time") + 1]) if "--time" in sys.argv else 0
    images = np.fromfile(inputs_path, dtype="<f4").reshape(n, 3, r, r)
    info = {}
    if model.endswith(".onnx"):
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        outputs = session.run(None, {name: images})[0]
        info["output_name"] = session.get_outputs()[0].name
        info["metadata"] = session.get_modelmeta().custom_metadata_map.get("distill", "")
        if repeats:
            one = images[:1]
            for _ in range(3):
                session.run(None, {name: one})
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                session.run(None, {name: one})
                times.append((time.perf_counter() - start) * 1000)
            info["batch1_ms"] = float(np.median(times))
    else:
        from ai_edge_litert.interpreter import Interpreter
        interpreter = Interpreter(model_path=model, num_threads=threads)
        interpreter.allocate_tensors()
        source = interpreter.get_input_details()[0]
        target = interpreter.get_output_details()[0]
        info["input_type"] = str(np.dtype(source["dtype"]))
        info["output_type"] = str(np.dtype(target["dtype"]))
        info["output_name"] = target["name"]
        rows = []
        nhwc = images.transpose(0, 2, 3, 1)
        for i in range(n):
            x = nhwc[i : i + 1]
            if source["dtype"] != np.float32:
                scale, zero = source["quantization"]
                x = np.clip(np.round(x / scale) + zero, -128, 127).astype(source["dtype"])
            interpreter.set_tensor(source["index"], x)
            interpreter.invoke()
            y = interpreter.get_tensor(target["index"])
            if target["dtype"] != np.float32:
                scale, zero = target["quantization"]
                y = (y.astype(np.float32) - zero) * scale
            rows.append(y.reshape(-1))
        outputs = np.stack(rows)
        if repeats:
            x = nhwc[:1]
            if source["dtype"] != np.float32:
                scale, zero = source["quantization"]
                x = np.clip(np.round(x / scale) + zero, -128, 127).astype(source["dtype"])
            times = []
            for i in range(repeats + 3):
                start = time.perf_counter()
                interpreter.set_tensor(source["index"], x)
                interpreter.invoke()
                if i >= 3:
                    times.append((time.perf_counter() - start) * 1000)
            info["batch1_ms"] = float(np.median(times))
    outputs = np.asarray(outputs, dtype="<f4").reshape(n, -1)
    outputs.tofile(outputs_path)
    info["width"] = int(outputs.shape[1])
    print(json.dumps(info))


if __name__ == "__main__":
    main()
