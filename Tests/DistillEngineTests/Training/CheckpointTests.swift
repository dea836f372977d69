// Copyright 2026 The Distill authors.

import Foundation
import Testing

@testable import DistillEngine

/// A fresh empty directory under the system temporary directory.
private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("distill-checkpoint-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A checkpoint exercising every field, with awkward float values.
private func sampleCheckpoint() -> Checkpoint {
    let awkward: [Float] = [
        0, -0.0, 1, -1.5, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
        Float(bitPattern: 0x7FC0_1234),  // a NaN with a payload
        3.141_592_7,
    ]
    return Checkpoint(
        step: 1234, epoch: 3, dataPosition: 512, randomState: SeededGenerator(seed: 99).state,
        configuration: #"{"alpha":0.5,"resolution":160,"name":"ünïcode"}"#,
        scalars: ["loss": 0.123_456_789, "best.mAP": 0.875],
        tensors: [
            "conv1.weight": .init(shape: [2, 5], values: awkward),
            "conv1.bn.runningMean": .init([0.5, -0.25]),
            "optimizer/conv1.weight": .init(shape: [2, 2, 5], values: (0..<20).map { Float($0) / 7 }),
            "empty": .init(shape: [0, 3], values: []),
        ])
}

/// Byte-level equality of two checkpoints (Equatable would say NaN ≠ NaN).
private func bitsEqual(_ a: Checkpoint, _ b: Checkpoint) -> Bool {
    guard a.step == b.step, a.epoch == b.epoch, a.dataPosition == b.dataPosition, a.randomState == b.randomState,
        a.configuration == b.configuration, a.scalars == b.scalars, a.tensors.keys.sorted() == b.tensors.keys.sorted()
    else { return false }
    return a.tensors.allSatisfy { name, tensor in
        guard let other = b.tensors[name] else { return false }
        return tensor.shape == other.shape && tensor.values.map(\.bitPattern) == other.values.map(\.bitPattern)
    }
}

/// The message of the EngineError thrown by `body`, or nil.
private func errorMessage(_ body: () throws -> Void) -> (EngineError.Code, String)? {
    do {
        try body()
        return nil
    } catch let error as EngineError {
        return (error.code, error.message)
    } catch {
        return nil
    }
}

@Suite("Checkpoints")
struct CheckpointTests {
    @Test("CRC-32 matches the standard check value")
    func crcCheckValue() {
        #expect(CRC32.checksum(of: Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(of: [UInt8]()) == 0)
    }

    @Test("a checkpoint round-trips through a file bit for bit, and encoding is deterministic")
    func roundTrip() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("run.ckpt")
        let checkpoint = sampleCheckpoint()
        try checkpoint.write(to: file)
        let loaded = try Checkpoint.read(from: file)
        #expect(bitsEqual(loaded, checkpoint))
        #expect(try loaded.encoded() == checkpoint.encoded())
        let onDisk = try [UInt8](Data(contentsOf: file))
        #expect(Array(onDisk.prefix(8)) == Array("DSTLCKPT".utf8))
        #expect(try onDisk == checkpoint.encoded())
        // Only the checkpoint is left in the directory (no temporary files).
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["run.ckpt"])
        // Optional random state and defaults survive too.
        let plain = Checkpoint()
        #expect(try Checkpoint(decoding: plain.encoded(), source: "plain") == plain)
    }

    @Test("a single flipped byte anywhere in the payload is reported as damage")
    func corruptedByte() throws {
        let bytes = try sampleCheckpoint().encoded()
        for position in [Checkpoint.headerSize, Checkpoint.headerSize + 40, bytes.count / 2, bytes.count - 1] {
            var damaged = bytes
            damaged[position] ^= 0x10
            let failure = errorMessage { _ = try Checkpoint(decoding: damaged, source: "/runs/7/a.ckpt") }
            #expect(failure?.0 == .corruptData)
            #expect(failure?.1.hasPrefix("checkpoint /runs/7/a.ckpt is damaged (CRC-32 of its contents is 0x") == true)
            #expect(failure?.1.hasSuffix("); delete it to restart the run from scratch") == true)
        }
    }

    @Test("a truncated file is reported with the expected and found sizes")
    func truncated() throws {
        let bytes = try sampleCheckpoint().encoded()
        let cut = Array(bytes.prefix(bytes.count - 10))
        let failure = errorMessage { _ = try Checkpoint(decoding: cut, source: "/runs/7/a.ckpt") }
        #expect(failure?.0 == .corruptData)
        #expect(
            failure?.1
                == "checkpoint /runs/7/a.ckpt is truncated (expected \(bytes.count) bytes, found \(bytes.count - 10)); "
                + "delete it to restart the run from scratch")
        let headerOnly = errorMessage { _ = try Checkpoint(decoding: Array(bytes.prefix(12)), source: "x.ckpt") }
        #expect(
            headerOnly?.1
                == "checkpoint x.ckpt is truncated (expected at least 32 bytes, found 12); delete it to restart the run from scratch"
        )
        let extra = errorMessage { _ = try Checkpoint(decoding: bytes + [0], source: "x.ckpt") }
        #expect(extra?.1.contains("trailing data") == true)
    }

    @Test("another format version is refused with advice")
    func wrongVersion() throws {
        var bytes = try sampleCheckpoint().encoded()
        bytes[8] = 2
        let failure = errorMessage { _ = try Checkpoint(decoding: bytes, source: "a.ckpt") }
        #expect(failure?.0 == .unsupportedVersion)
        #expect(
            failure?.1
                == "checkpoint a.ckpt has format version 2 but this build of Distill reads version 1; "
                + "resume it with the Distill release that wrote it, or delete it to restart the run from scratch")
    }

    @Test("a file that is not a checkpoint and a missing file get clear errors")
    func notACheckpoint() throws {
        let failure = errorMessage {
            _ = try Checkpoint(decoding: Array("hello world, not a checkpoint".utf8), source: "b.txt")
        }
        #expect(failure?.0 == .corruptData)
        #expect(
            failure?.1
                == "b.txt is not a Distill checkpoint (it does not start with \"DSTLCKPT\"); check the path, or delete it "
                + "to restart the run from scratch")
        let missing = errorMessage { _ = try Checkpoint.read(from: URL(fileURLWithPath: "/nonexistent/dir/c.ckpt")) }
        #expect(missing?.0 == .io)
        #expect(missing?.1.hasPrefix("checkpoint /nonexistent/dir/c.ckpt cannot be read (") == true)
    }

    @Test("a tensor whose shape does not match its values cannot be written")
    func shapeMismatch() {
        let bad = Checkpoint(tensors: ["fc.weight": .init(shape: [3, 4], values: [1, 2, 3])])
        let failure = errorMessage { _ = try bad.encoded() }
        #expect(failure?.0 == .invalidArgument)
        #expect(
            failure?.1
                == "checkpoint tensor \"fc.weight\" has shape [3, 4] but 3 values; the shape's product must equal the value count"
        )
    }

    @Test("a well-checksummed file whose tensor shape disagrees with its data is refused")
    func inconsistentShapeOnDisk() throws {
        var bytes = try Checkpoint(configuration: "{}", tensors: ["w": .init([1, 2])]).encoded()
        // Payload: 3×Int64, UInt8, 4×UInt64, UInt32 + "{}", UInt32 0 scalars, UInt32 1 tensor,
        // UInt16 + "w", UInt8 rank, then the first dimension.
        let dimension = Checkpoint.headerSize + 24 + 1 + 32 + 4 + 2 + 4 + 4 + 2 + 1 + 1
        #expect(bytes[dimension] == 2)
        bytes[dimension] = 3
        let checksum = CRC32.checksum(of: bytes[Checkpoint.headerSize...])
        for index in 0..<4 { bytes[24 + index] = UInt8(truncatingIfNeeded: checksum >> (8 * index)) }
        let failure = errorMessage { _ = try Checkpoint(decoding: bytes, source: "t.ckpt") }
        #expect(failure?.0 == .corruptData)
        #expect(
            failure?.1.hasPrefix(#"checkpoint t.ckpt is malformed (tensor "w" has shape [3] but 2 values at byte "#)
                == true)
    }

    @Test("a crash in the middle of writing never replaces the good checkpoint")
    func crashMidWrite() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("run.ckpt")
        let good = sampleCheckpoint()
        try good.write(to: file)

        var newer = good
        newer.step = 2000
        newer.tensors["conv1.bn.runningMean"] = .init([9, 9])
        // Simulate the process dying halfway through writing the temporary file.
        let bytes = try newer.encoded()
        try AtomicFile.write(bytes, to: file.path, what: "checkpoint", crashAfter: bytes.count / 2)

        let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(entries.count == 2)
        #expect(entries.contains("run.ckpt"))
        #expect(entries.contains { $0.hasPrefix(".run.ckpt.tmp-") })
        // The destination still holds the complete previous checkpoint.
        #expect(bitsEqual(try Checkpoint.read(from: file), good))
        // The next complete write replaces it.
        try newer.write(to: file)
        #expect(try Checkpoint.read(from: file).step == 2000)
        // Leftovers are cleaned up on request; the checkpoint and unrelated files stay.
        try Data("other".utf8).write(to: directory.appendingPathComponent(".other.ckpt.tmp-1-x"))
        #expect(try Checkpoint.removeLeftoverTemporaryFiles(near: file) == 1)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
                ".other.ckpt.tmp-1-x", "run.ckpt",
            ])
    }

    @Test("writing into a missing directory fails with an io error naming the file")
    func unwritable() {
        let failure = errorMessage { try Checkpoint().write(to: URL(fileURLWithPath: "/nonexistent-distill/run.ckpt")) }
        #expect(failure?.0 == .io)
        #expect(failure?.1.hasPrefix("writing checkpoint /nonexistent-distill/run.ckpt failed: open(") == true)
        #expect(failure?.1.hasSuffix("check that the directory exists, is writable and has free space") == true)
    }

    @Test("training resumed from a checkpoint ends with bit-identical weights, state and random numbers")
    func resumeIsExact() throws {
        let optimizer = RMSProp(weightDecay: 4e-5)
        let schedule = LearningRateSchedule.warmup(steps: 3, then: .cosine(initial: 0.05, floor: 0.001, totalSteps: 12))
        let count = 19
        // One "training step": gradients drawn from the generator (stand-ins for backprop).
        func trainStep(
            _ step: Int, _ weights: inout [Float], _ state: inout [Float], _ generator: inout SeededGenerator
        ) {
            var gradients = [Float](repeating: 0, count: count)
            gradients.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
            for index in 0..<count { gradients[index] += weights[index] }
            weights.withUnsafeMutableBufferPointer { w in
                gradients.withUnsafeBufferPointer { g in
                    state.withUnsafeMutableBufferPointer { s in
                        optimizer.update(
                            parameters: w, gradients: g, state: s, learningRate: schedule.rate(at: step), step: step,
                            applyWeightDecay: true)
                    }
                }
            }
        }
        var generator = SeededGenerator(seed: 2026)
        var weights = [Float](repeating: 0, count: count)
        weights.withUnsafeMutableBufferPointer { generator.fillHeNormal($0, fanIn: 9) }
        var state = [Float](repeating: 0, count: 2 * count)
        let start = (weights, state, generator)

        for step in 1...15 { trainStep(step, &weights, &state, &generator) }
        let uninterrupted = (weights, state, generator.next())

        // Same run, stopped after step 6, saved, loaded, continued.
        (weights, state, generator) = start
        for step in 1...6 { trainStep(step, &weights, &state, &generator) }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("resume.ckpt")
        try Checkpoint(
            step: 6, randomState: generator.state,
            tensors: ["w": .init(weights), "optimizer/w": .init(shape: [2, count], values: state)]
        ).write(to: file)

        let loaded = try Checkpoint.read(from: file)
        var resumedWeights = try #require(loaded.tensors["w"]).values
        var resumedState = try #require(loaded.tensors["optimizer/w"]).values
        var resumedGenerator = try SeededGenerator(state: try #require(loaded.randomState))
        for step in loaded.step + 1...15 { trainStep(step, &resumedWeights, &resumedState, &resumedGenerator) }
        #expect(resumedWeights.map(\.bitPattern) == uninterrupted.0.map(\.bitPattern))
        #expect(resumedState.map(\.bitPattern) == uninterrupted.1.map(\.bitPattern))
        #expect(resumedGenerator.next() == uninterrupted.2)
    }
}

@Suite("checkpoint: crafted shapes")
struct CheckpointCraftedShapeTests {
    /// A checksummed file holding one tensor "t" with `shape` and `count` values (none stored).
    static func file(shape: [UInt64], count: UInt64) -> [UInt8] {
        var payload: [UInt8] = []
        func append<Value: FixedWidthInteger>(_ value: Value) {
            withUnsafeBytes(of: value.littleEndian) { payload.append(contentsOf: $0) }
        }
        append(Int64(0))
        append(Int64(0))
        append(Int64(0))
        append(UInt8(0))
        for _ in 0..<4 { append(UInt64(0)) }
        append(UInt32(0))  // configuration
        append(UInt32(0))  // scalars
        append(UInt32(1))  // tensors
        append(UInt16(1))
        payload.append(UInt8(ascii: "t"))
        append(UInt8(shape.count))
        for dimension in shape { append(dimension) }
        append(count)
        var file = Checkpoint.magic
        for value in [Checkpoint.formatVersion, 0] { withUnsafeBytes(of: value.littleEndian) { file += $0 } }
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { file += $0 }
        withUnsafeBytes(of: CRC32.checksum(of: payload).littleEndian) { file += $0 }
        withUnsafeBytes(of: UInt32(0)) { file += $0 }
        return file + payload
    }

    @Test(
        "a shape whose product overflows or whose dimension passes Int.max is malformed, not accepted",
        arguments: [[UInt64(1) << 32, UInt64(1) << 32], [UInt64(1) << 63], [UInt64(1) << 32, UInt64(1) << 32, 0]])
    func overflow(shape: [UInt64]) {
        let error = #expect(throws: EngineError.self) {
            _ = try Checkpoint(decoding: Self.file(shape: shape, count: 0), source: "x.ckpt")
        }
        #expect(error?.code == .corruptData)
        #expect(error?.message.hasPrefix("checkpoint x.ckpt is malformed (tensor \"t\" has ") == true)
    }

    @Test("a well-formed crafted file decodes")
    func wellFormed() throws {
        let checkpoint = try Checkpoint(decoding: Self.file(shape: [0, 3], count: 0), source: "x.ckpt")
        #expect(checkpoint.tensors["t"]?.shape == [0, 3])
    }
}
