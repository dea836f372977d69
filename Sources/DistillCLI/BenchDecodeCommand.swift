// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillData
import Foundation

/// `distill bench decode`: decode + crop + resize + normalise throughput on every core.
struct BenchDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Measure image decoding + resizing: JPEG 640x480 → 128 and PNG 28x28 → 32, images/s on all cores.",
        discussion: """
            The JPEG is a synthetic 640x480 photo-like image (colour fields, texture and luminance noise; \
            --noise sets the noise amplitude, which sets the compressed size) at quality 90 with 4:2:0 \
            chroma, decoded to its Y, Cb, Cr planes with DCT scaling (1/2 here, 320x240: libjpeg-turbo's \
            SIMD 1/2 inverse DCT is faster than its plain-C 3/8 one), centre-cropped, area-averaged to 128x128 and \
            normalised to float32 NCHW. Decoding time grows with the compressed size (entropy decoding \
            cannot be scaled), so the size is printed with the figure. The PNG is a 28x28 grayscale image (Fashion-MNIST size) resized \
            bilinearly to 32x32. One decoder per thread.
            """)

    @Option(help: "Worker threads (default: all cores).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "JPEG images decoded per thread.")
    var jpegCount = 2000

    @Option(help: "PNG images decoded per thread.")
    var pngCount = 20000

    @Option(help: "Noise amplitude of the synthetic JPEG in grey levels (0…64); more noise, larger file.")
    var noise = 8

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads \(threads) is outside 1…256.") }
        guard jpegCount > 0, pngCount > 0 else {
            throw ValidationError("--jpeg-count and --png-count must be positive.")
        }
        guard (0...64).contains(noise) else { throw ValidationError("--noise \(noise) is outside 0…64.") }
    }

    func run() throws {
        let jpeg = try Self.photoJPEG(noise: noise)
        let png = try Self.fashionPNG()
        print("Threads: \(threads)")
        let decodeRate = try Self.measureDecodeOnly(
            bytes: jpeg, resolution: 128, perThread: jpegCount, threads: threads)
        let jpegRate = try Self.measure(bytes: jpeg, resolution: 128, perThread: jpegCount, threads: threads)
        print(
            String(
                format: "JPEG 640x480 (%d bytes, %.2f bits/pixel) → 128x128: %.0f images/s", jpeg.count,
                Double(jpeg.count * 8) / Double(640 * 480), jpegRate))
        print(String(format: "  of which the scaled decode alone:       %.0f images/s", decodeRate))
        let pngRate = try Self.measure(bytes: png, resolution: 32, perThread: pngCount, threads: threads)
        print(String(format: "PNG 28x28 (%d bytes) → 32x32:     %.0f images/s", png.count, pngRate))
        print(
            "{\"benchmark\":\"decode\",\"threads\":\(threads),\"jpeg_640x480_to_128_per_second\":\(Int(jpegRate)),"
                + "\"png_28x28_to_32_per_second\":\(Int(pngRate)),\"jpeg_bytes\":\(jpeg.count)}")
    }

    /// Images per second over all threads.
    static func measure(bytes: [UInt8], resolution: Int, perThread: Int, threads: Int) throws -> Double {
        // Warm up once (and surface any error) before timing.
        _ = try ImagePreprocessor(resolution: resolution).tensor(bytes)
        let failures = Failures()
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            do {
                let preprocessor = try ImagePreprocessor(resolution: resolution)
                var output = [Float](repeating: 0, count: preprocessor.sampleCount)
                try bytes.withUnsafeBytes { source in
                    try output.withUnsafeMutableBufferPointer { destination in
                        for _ in 0..<perThread { try preprocessor.process(source, into: destination) }
                    }
                }
            } catch {
                failures.record(error)
            }
        }
        let seconds = Date().timeIntervalSince(start)
        if let error = failures.first { throw error }
        return Double(perThread * threads) / seconds
    }

    /// Images per second of the DCT-scaled decode alone (no crop, resize or normalisation).
    static func measureDecodeOnly(bytes: [UInt8], resolution: Int, perThread: Int, threads: Int) throws -> Double {
        let failures = Failures()
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            do {
                let decoder = try ImageDecoder()
                try bytes.withUnsafeBytes { source in
                    for _ in 0..<perThread {
                        _ = try decoder.decodeForResize(source, minimumWidth: resolution, minimumHeight: resolution)
                    }
                }
            } catch {
                failures.record(error)
            }
        }
        let seconds = Date().timeIntervalSince(start)
        if let error = failures.first { throw error }
        return Double(perThread * threads) / seconds
    }

    /// A photo-like JPEG: smooth colour fields, a texture and luminance noise, quality 90, 4:2:0; `seed`
    /// shifts the fields and the noise, so different seeds are different images.
    static func photoJPEG(noise amplitude: Int, seed: UInt64 = 0, width: Int = 640, height: Int = 480) throws
        -> [UInt8]
    {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D ^ (seed &* 0x9E37_79B9_7F4A_7C15)
        let phase = Double(seed % 1000) * 0.0061
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let noise = Double(Int(state >> 33) % (2 * amplitude + 1) - amplitude)
                let fx = Double(x) / Double(width) + phase
                let fy = Double(y) / Double(height) - phase
                let texture = 30 * sin(Double(x) * 0.21) * cos(Double(y) * 0.17)
                let values = [
                    120 + 90 * sin(fx * 5 + fy * 2) + texture + noise,
                    110 + 80 * cos(fx * 3 - fy * 4) + texture * 0.5 + noise,
                    100 + 70 * sin(fy * 6) - texture * 0.7 + noise,
                ]
                for channel in 0..<3 {
                    pixels[(y * width + x) * 3 + channel] = UInt8(max(0, min(255, values[channel])))
                }
            }
        }
        return try JPEGCodec().encode(
            try RGBImage(width: width, height: height, pixels: pixels), quality: 90, chromaSubsampling444: false)
    }

    /// A 28x28 grayscale PNG with a centred blob, like a Fashion-MNIST item; `variant` marks its first pixels
    /// so that different variants are different files.
    static func fashionPNG(variant: Int = 0) throws -> [UInt8] {
        var gray = [UInt8](repeating: 0, count: 28 * 28)
        for y in 0..<28 {
            for x in 0..<28 {
                let distance = Double((x - 14) * (x - 14) + (y - 14) * (y - 14)).squareRoot()
                gray[y * 28 + x] = distance < 11 ? UInt8(200 - Int(distance * 7) + (x * y) % 13) : 0
            }
        }
        gray[0] = UInt8(truncatingIfNeeded: variant)
        gray[1] = UInt8(truncatingIfNeeded: variant >> 8)
        gray[2] = UInt8(truncatingIfNeeded: variant >> 16)
        return try PNGCodec.encode(samples: gray, width: 28, height: 28, colorType: .grayscale)
    }
}

/// The first error raised by any worker thread.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []

    func record(_ error: any Error) {
        lock.lock()
        errors.append(error)
        lock.unlock()
    }

    var first: (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        return errors.first
    }
}
