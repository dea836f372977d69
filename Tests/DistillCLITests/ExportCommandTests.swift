// Copyright 2026 The Distill authors.
// `distill export`: files that the real runtimes load and that compute what Distill computes.

import DistillTestSupport
import Foundation
import Testing

@Suite("distill export", .serialized)
struct ExportCommandTests {
    @Test(
        "fp32 ONNX and TFLite exports give Distill's outputs in onnxruntime and LiteRT",
        arguments: ["relu", "relu6"])
    func float32ExportsMatchDistill(activation: String) throws {
        let sandbox = try Sandbox()
        try sandbox.importFashionTeacher(limit: 48)
        try sandbox.writeFashionJob(name: "export-\(activation)", resolutions: [64], epochs: 2)
        if activation == "relu6" {
            let job = sandbox.read("job.yaml").replacingOccurrences(
                of: "students:\n", with: "students:\n  activation: relu6\n")
            try sandbox.write(job, to: "job.yaml")
        }
        try sandbox.submitAndTrain()
        let count = 24
        let images = try ExportRuntimes.images(
            directory: sandbox.directory, folder: "fm/test", count: count, resolution: 64)
        #expect(images.count == count * 3 * 64 * 64)
        let expected = try ExportRuntimes.distillOutputs(
            sandbox: sandbox, run: "1/alpha0.25-res64", images: images, count: count)
        #expect(expected.count == count * 10)
        #expect(expected.contains { $0 != 0 }, "Distill's outputs are all zero: nothing to compare")
        for format in ["onnx", "tflite"] {
            let file = "student.\(format)"
            let exported = try sandbox.run(
                ["export", "export-\(activation)/alpha0.25-res64", "--format", format, "--out", file])
            #expect(exported.status == 0, "\(exported.stderr)")
            #expect(exported.stdout.contains("wrote \(file): \(format) float32"), "\(exported.stdout)")
            let (outputs, info) = try ExportRuntimes.run(
                model: sandbox.directory.appendingPathComponent(file).path, images: images, count: count,
                resolution: 64, in: sandbox.directory)
            #expect(outputs.count == expected.count)
            let error = ExportRuntimes.maximumRelativeError(outputs, expected, width: 10)
            print("export \(activation) \(format): max relative error vs Distill \(error)")
            #expect(error <= 1e-4, "\(format) differs from Distill by \(error) (relative)")
            if format == "onnx" {
                let metadata = info["metadata"] as? String ?? ""
                #expect(metadata.contains("\"mean\":[127.5,127.5,127.5]"), "\(metadata)")
                #expect(metadata.contains("\"output_kind\":\"logits\""), "\(metadata)")
                #expect(metadata.contains("\"activation\":\"\(activation)\""), "\(metadata)")
            }
        }
    }

    @Test(
        "V2, V3-Large and V3-Small export to ONNX and TFLite, float32 and int8, with Distill's outputs in onnxruntime and LiteRT; export_int8 records their int8 figures"
    )
    func laterFamiliesExport() throws {
        let sandbox = try Sandbox()
        try sandbox.importFashionTeacher(limit: 48)
        try sandbox.writeFashionJob(name: "families", alphas: [0.35], resolutions: [64], epochs: 2)
        let job = sandbox.read("job.yaml").replacingOccurrences(
            of: "students:\n",
            with: "students:\n  architecture: [mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small]\n")
        try sandbox.write(job + "export_int8: true\n", to: "job.yaml")
        try sandbox.submitAndTrain()
        let results = try sandbox.run(["results", "--job", "1", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(results.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 3, "\(results.stdout)")
        for row in rows {
            // int8 figures from the int8 reference; no int8 latency (oneDNN's int8 path runs V1 only).
            #expect(row["int8_top1"] is Double && row["int8_metric_delta"] is Double, "\(row)")
            #expect((row["tflite_int8_bytes"] as? Int ?? 0) > 0 && (row["onnx_int8_bytes"] as? Int ?? 0) > 0, "\(row)")
            #expect(row["int8_latency_ms_batch1"] == nil || row["int8_latency_ms_batch1"] is NSNull, "\(row)")
        }
        let count = 24
        let images = try ExportRuntimes.images(
            directory: sandbox.directory, folder: "fm/test", count: count, resolution: 64)
        for family in ["v2", "v3-large", "v3-small"] {
            let run = "1/\(family)-alpha0.35-res64"
            let expected = try ExportRuntimes.distillOutputs(sandbox: sandbox, run: run, images: images, count: count)
            #expect(expected.contains { $0 != 0 }, "Distill's outputs are all zero: nothing to compare")
            let int8 = try ExportRuntimes.distillInt8Outputs(sandbox: sandbox, run: run, images: images, count: count)
            #expect(Set(int8.int8).count > 10, "Distill's int8 outputs are nearly constant: nothing to compare")
            var runtimeInt8: [[Float]] = []
            for format in ["onnx", "tflite"] {
                for precision in ["float32", "int8"] {
                    let file = "\(family)-\(precision).\(format)"
                    var arguments = ["export", run, "--format", format, "--out", file]
                    if precision == "int8" { arguments.append("--int8") }
                    let exported = try sandbox.run(arguments)
                    #expect(exported.status == 0, "\(exported.stderr)")
                    let (outputs, info) = try ExportRuntimes.run(
                        model: sandbox.directory.appendingPathComponent(file).path, images: images, count: count,
                        resolution: 64, in: sandbox.directory)
                    #expect(outputs.count == expected.count)
                    if format == "onnx" {
                        #expect((info["metadata"] as? String ?? "").contains("\"architecture\":\"mobilenet_"))
                    }
                    if precision == "float32" {
                        let error = ExportRuntimes.maximumRelativeError(outputs, expected, width: 10)
                        print("export \(family) \(format) float32: max relative error vs Distill \(error)")
                        #expect(error <= 1e-4, "\(family) \(format) differs from Distill by \(error) (relative)")
                    } else {
                        runtimeInt8.append(outputs)
                    }
                }
            }
            // Rounding differs by a step here and there between int8 kernels, and a deep student amplifies it: on this
            // barely trained V2 the two runtimes differ from each other by 2.5 steps on average and by 8 to 13 at
            // their worst output (3 to 4 on V3). The worst single output of 240 moves by several steps with any
            // bit-level change of the training; the distribution does not. Distill's int8 reference must predict
            // each runtime as well as the other runtime does: mean and 99th percentile about as close, the worst
            // output and the top-1 within a flip or so.
            #expect(runtimeInt8.count == 2)
            guard runtimeInt8.count == 2 else { continue }
            func steps(_ a: [Float], _ b: [Float]) -> [Float] {
                zip(a, b).map { (abs($0 - $1) / int8.step).rounded() }.sorted()
            }
            func mean(_ s: [Float]) -> Float { s.reduce(0, +) / Float(max(s.count, 1)) }
            func percentile99(_ s: [Float]) -> Float { s.isEmpty ? .infinity : s[s.count * 99 / 100] }
            let between = steps(runtimeInt8[0], runtimeInt8[1])
            let worstBetween = between.last ?? .infinity
            let betweenAgreement = ExportRuntimes.topOneAgreement(runtimeInt8[0], runtimeInt8[1], width: 10)
            #expect(worstBetween <= 16, "\(family): the runtimes' int8 outputs differ by \(worstBetween) steps")
            for (runtime, outputs) in zip(["onnxruntime", "LiteRT"], runtimeInt8) {
                let difference = steps(outputs, int8.int8)
                let agreement = ExportRuntimes.topOneAgreement(outputs, int8.int8, width: 10)
                print(
                    "export \(family) int8 in \(runtime) vs Distill's int8: steps mean \(mean(difference)), 99th "
                        + "percentile \(percentile99(difference)), worst \(difference.last ?? .infinity), top-1 "
                        + "agreement \(agreement); between the runtimes \(mean(between)), \(percentile99(between)), "
                        + "\(worstBetween), \(betweenAgreement); with fp32 "
                        + "\(ExportRuntimes.topOneAgreement(outputs, expected, width: 10))")
                #expect(
                    mean(difference) <= max(1, 1.25 * mean(between)),
                    "\(family) \(runtime) int8 differs by \(mean(difference)) steps on average")
                #expect(
                    percentile99(difference) <= max(4, percentile99(between) + 2),
                    "\(family) \(runtime) int8 differs by \(percentile99(difference)) steps at the 99th percentile")
                #expect(
                    (difference.last ?? .infinity) <= max(8, 2 * worstBetween),
                    "\(family) \(runtime) int8 differs by \(difference.last ?? .infinity) steps at worst")
                #expect(
                    agreement >= min(0.9, betweenAgreement) - 1e-9,
                    "\(family) \(runtime) int8 top-1 agrees with Distill's on \(agreement)")
            }
        }
    }

    @Test(
        "int8 ONNX (QDQ) and full-integer TFLite exports agree with Distill's int8 reference in the runtimes",
        arguments: ["relu", "relu6"])
    func int8ExportsMatchDistill(activation: String) throws {
        let sandbox = try Sandbox()
        try sandbox.importFashionTeacher(limit: 100)
        try sandbox.writeFashionJob(name: "int8", resolutions: [32], epochs: 3)
        if activation == "relu6" {
            // The ONNX file leaves ReLU6 to the quantization ranges (no Clip node): the runtimes must agree.
            let job = sandbox.read("job.yaml").replacingOccurrences(
                of: "students:\n", with: "students:\n  activation: relu6\n")
            try sandbox.write(job, to: "job.yaml")
        }
        try sandbox.submitAndTrain()
        let count = 100
        let images = try ExportRuntimes.images(
            directory: sandbox.directory, folder: "fm/test", count: count, resolution: 32)
        let distill = try ExportRuntimes.distillInt8Outputs(
            sandbox: sandbox, run: "1/alpha0.25-res32", images: images, count: count)
        #expect(distill.int8.count == count * 10)
        #expect(Set(distill.int8).count > 10, "Distill's int8 outputs are nearly constant: nothing to compare")
        var sizes: [String: Int] = [:]
        for format in ["onnx", "tflite"] {
            for precision in ["", "-int8"] {
                let file = "student\(precision).\(format)"
                var arguments = ["export", "int8/alpha0.25-res32", "--format", format, "--out", file]
                if !precision.isEmpty { arguments.append("--int8") }
                let exported = try sandbox.run(arguments)
                #expect(exported.status == 0, "\(exported.stderr)")
                sizes[file] =
                    (try FileManager.default.attributesOfItem(
                        atPath: sandbox.directory.appendingPathComponent(file).path)[.size] as? Int) ?? 0
            }
            let (outputs, info) = try ExportRuntimes.run(
                model: sandbox.directory.appendingPathComponent("student-int8.\(format)").path, images: images,
                count: count, resolution: 32, in: sandbox.directory)
            if format == "tflite" { #expect(info["input_type"] as? String == "int8", "\(info)") }
            let agreement = ExportRuntimes.topOneAgreement(outputs, distill.int8, width: 10)
            // Both sides are int8 values dequantized: whole steps apart, up to float rounding.
            let steps =
                zip(outputs, distill.int8).lazy.map { (abs($0 - $1) / distill.step).rounded() }.largest() ?? .infinity
            let float32Agreement = ExportRuntimes.topOneAgreement(outputs, distill.float32, width: 10)
            let ratio = Double(sizes["student-int8.\(format)"] ?? 0) / Double(max(sizes["student.\(format)"] ?? 1, 1))
            print(
                "export int8 \(activation) \(format): top-1 agreement with Distill int8 \(agreement), with fp32 \(float32Agreement), "
                    + "max difference \(steps) steps, size ratio \(ratio)")
            #expect(agreement >= 0.99, "\(format) int8 top-1 agrees with Distill's int8 on only \(agreement)")
            #expect(steps <= 2, "\(format) int8 outputs differ from Distill's int8 by \(steps) quantization steps")
            // Issue 11's target, at the smallest width where per-channel scales and int32 biases weigh most.
            #expect(ratio <= 0.30, "\(format) int8 file is \(ratio) of the fp32 file (at most 0.30 wanted)")
        }
    }

    @Test(
        "attribute and embedding students export with their output, float32 and int8, and run in both runtimes",
        arguments: [("attributes", "attribute_logits", 14), ("embedding", "embedding", 8)])
    func otherKindsExportAndRun(kind: String, outputName: String, width: Int) throws {
        let sandbox = try Sandbox()
        let export = try sandbox.run(["dataset", "fashion-mnist", "--out", "fm", "--split", "all", "--limit", "48"])
        #expect(export.status == 0, "\(export.stderr)")
        // A teacher of the kind from the labels: the 14 attribute columns as ±4 logits, or an 8-d embedding
        // per class (a class's corner of a cube, so students have something to match).
        var teacher = "url," + (0..<width).map { "v\($0)" }.joined(separator: ",") + "\n"
        for line in sandbox.read("fm/labels.csv").split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let values: [String]
            if kind == "attributes" {
                values = fields[4..<(4 + width)].map { $0 == "1" ? "4" : "-4" }
            } else {
                let label = Int(fields[2]) ?? 0
                values = (0..<width).map { ((label + 1) >> ($0 % 4)) & 1 == 1 ? "1" : "-1" }
            }
            teacher += fields[0] + "," + values.joined(separator: ",") + "\n"
        }
        try sandbox.write(teacher, to: "teacher.csv")
        let imported = try sandbox.run(["teacher", "import", "fm", "--kind", kind, "--file", "teacher.csv"])
        #expect(imported.status == 0, "\(imported.stderr)")
        try sandbox.writeFashionJob(name: "kind", resolutions: [32], epochs: 2)
        try sandbox.submitAndTrain()
        let count = 24
        let images = try ExportRuntimes.images(
            directory: sandbox.directory, folder: "fm/test", count: count, resolution: 32)
        let float32 = try ExportRuntimes.distillOutputs(
            sandbox: sandbox, run: "1/alpha0.25-res32", images: images, count: count)
        let int8 = try ExportRuntimes.distillInt8Outputs(
            sandbox: sandbox, run: "1/alpha0.25-res32", images: images, count: count)
        #expect(float32.count == count * width && int8.int8.count == count * width)
        for format in ["onnx", "tflite"] {
            for precision in ["float32", "int8"] {
                let file = "student-\(precision).\(format)"
                var arguments = ["export", "kind/alpha0.25-res32", "--format", format, "--out", file]
                if precision == "int8" { arguments.append("--int8") }
                let exported = try sandbox.run(arguments)
                #expect(exported.status == 0, "\(exported.stderr)")
                #expect(exported.stdout.contains("output \(outputName)"), "\(exported.stdout)")
                let (outputs, info) = try ExportRuntimes.run(
                    model: sandbox.directory.appendingPathComponent(file).path, images: images, count: count,
                    resolution: 32, in: sandbox.directory)
                #expect(info["output_name"] as? String == outputName, "\(info)")
                #expect(outputs.count == count * width, "\(format) \(precision): \(outputs.count) values")
                if precision == "float32" {
                    let error = ExportRuntimes.maximumRelativeError(outputs, float32, width: width)
                    #expect(error <= 1e-4, "\(kind) \(format) float32 differs from Distill by \(error) (relative)")
                } else {
                    let steps =
                        zip(outputs, int8.int8).lazy.map { (abs($0 - $1) / int8.step).rounded() }.largest() ?? .infinity
                    #expect(steps <= 2, "\(kind) \(format) int8 differs from Distill's int8 by \(steps) steps")
                }
            }
        }
    }

    @Test("export_int8: true records the int8 metric, its delta, file sizes and int8 latency next to float32")
    func exportInt8JobsRecordInt8Results() throws {
        let sandbox = try Sandbox()
        try sandbox.importFashionTeacher(limit: 48)
        try sandbox.writeFashionJob(name: "int8-sweep", epochs: 2)
        try sandbox.write(sandbox.read("job.yaml") + "export_int8: true\n", to: "job.yaml")
        try sandbox.submitAndTrain()
        let results = try sandbox.run(["results", "--job", "1", "--format", "json"])
        #expect(results.status == 0, "\(results.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(results.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 1)
        let row = rows.first ?? [:]
        let top1 = row["top1"] as? Double
        let int8Top1 = row["int8_top1"] as? Double
        #expect(top1 != nil && int8Top1 != nil, "\(row)")
        if let top1, let int8Top1, let delta = row["int8_metric_delta"] as? Double {
            #expect(abs(delta - (int8Top1 - top1)) < 1e-9)
            #expect(abs(delta) <= 0.25, "int8 changed top-1 by \(delta)")
        } else {
            Issue.record("no int8_metric_delta in \(row)")
        }
        for (float32, int8) in [("onnx_bytes", "onnx_int8_bytes"), ("tflite_bytes", "tflite_int8_bytes")] {
            let big = row[float32] as? Int ?? 0
            let small = row[int8] as? Int ?? 0
            #expect(
                big > 100_000 && small > 0 && Double(small) <= 0.30 * Double(big), "\(float32) \(big), \(int8) \(small)"
            )
        }
        #expect((row["int8_latency_ms_batch1"] as? Double ?? 0) > 0)
        #expect((row["int8_latency_ms_batchN"] as? Double ?? 0) > 0)
        let table = try sandbox.run(["results", "--job", "1"])
        #expect(table.stdout.contains("int8_delta"), "\(table.stdout)")
        let bad = sandbox.read("job.yaml").replacingOccurrences(of: "export_int8: true", with: "export_int8: maybe")
        try sandbox.write(bad, to: "bad.yaml")
        let refused = try sandbox.run(["submit", "bad.yaml"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("export_int8"), "\(refused.stderr)")
    }

    @Test("exporting an unknown or unfinished run names it and what to do")
    func badRuns() throws {
        let sandbox = try Sandbox()
        try sandbox.importFashionTeacher(limit: 48)
        try sandbox.writeFashionJob(epochs: 1)
        #expect(try sandbox.run(["submit", "job.yaml"]).status == 0)
        let unfinished = try sandbox.run(["export", "1/alpha0.25-res32", "--format", "onnx"])
        #expect(unfinished.status == 2)
        #expect(
            unfinished.stderr
                == "error: Run 1/alpha0.25-res32 is queued; only succeeded runs can be exported. Train it with "
                + "`distill run 1` (or wait for the daemon) and see `distill show 1`.\n")
        let unknown = try sandbox.run(["export", "1/alpha9-res1", "--format", "tflite"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "error: Job 1 has no run 'alpha9-res1'; its runs are alpha0.25-res32.\n")
        let noJob = try sandbox.run(["export", "nojob/x", "--format", "onnx"])
        #expect(
            noJob.stderr
                == "error: No job is named 'nojob'; run `distill jobs` to list them, or name a job by its id.\n")
        let badFormat = try sandbox.run(["export", "1/alpha0.25-res32", "--format", "coreml"])
        #expect(badFormat.status == 2)
        #expect(badFormat.stderr.contains("coreml"))
    }
}
