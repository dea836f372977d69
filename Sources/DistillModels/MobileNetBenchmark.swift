// Copyright 2026 The Distill authors.
// Timing of MobileNet training steps and inference on this machine, for `distill bench train` and
// `distill bench infer`. A training step is the full knowledge-distillation step: forward, softmax KD
// loss (T = 4) against random soft targets, backward, SGD-momentum update. FLOPs count 2 per
// multiply-add of the convolutions and the fully connected layer (pooling and batch norm ignored);
// a training image costs 3× its forward FLOPs.

import DistillEngine
import Foundation

/// Figures from one training benchmark.
public struct TrainingBenchmarkResult: Sendable, Codable {
    /// The family ("mobilenet_v1", …); absent in results written before V2 and V3.
    public var architecture: MobileNetArchitecture? = .v1
    /// Width multiplier.
    public var alpha: Double
    /// Input resolution.
    public var resolution: Int
    /// Images per step.
    public var batch: Int
    /// OpenMP threads.
    public var threads: Int
    /// Timed steps.
    public var steps: Int
    /// Images per second at the median step time.
    public var imagesPerSecond: Double
    /// Median step time in milliseconds.
    public var millisecondsPerStep: Double
    /// Forward FLOPs per image.
    public var forwardFLOPsPerImage: Double
    /// Achieved GFLOP/s (3 × forward FLOPs per image × images/s).
    public var achievedGFLOPs: Double
    /// Measured GEMM ceiling in GFLOP/s.
    public var gemmPeakGFLOPs: Double
    /// achievedGFLOPs / gemmPeakGFLOPs.
    public var shareOfPeak: Double
    /// Mean milliseconds per step by layer kind (only with profiling; "loss+update" is the rest).
    public var profile: [String: Double]?

    enum CodingKeys: String, CodingKey {
        case architecture, alpha, resolution, batch, threads, steps, imagesPerSecond, millisecondsPerStep, profile
        case forwardFLOPsPerImage = "forwardFlopsPerImage"
        case achievedGFLOPs = "achievedGflops"
        case gemmPeakGFLOPs = "gemmPeakGflops"
        case shareOfPeak
    }
}

/// Figures from one inference benchmark.
public struct InferenceBenchmarkResult: Sendable, Codable {
    /// The family ("mobilenet_v1", …); absent in results written before V2 and V3.
    public var architecture: MobileNetArchitecture? = .v1
    /// Width multiplier.
    public var alpha: Double
    /// Input resolution.
    public var resolution: Int
    /// OpenMP threads.
    public var threads: Int
    /// Median batch-1 latency in milliseconds.
    public var batchOneMilliseconds: Double
    /// The batch size of the throughput run.
    public var batch: Int
    /// Median time of one batch-N forward pass in milliseconds.
    public var batchMilliseconds: Double
    /// Images per second at batch N.
    public var imagesPerSecond: Double
    /// Streams of the batch-N run (single-threaded, over slices of the batch, run at once; 0: one pass using
    /// every thread); absent in results written before streams.
    public var streams: Int? = nil
    /// Images each stream's network took at a time (with streams).
    public var imagesPerPass: Int? = nil

    /// How the batch-N run was arranged, for people: "2 streams, 1 image per pass" or "one pass".
    public var arrangement: String {
        guard let streams, streams > 0 else { return "one pass" }
        let images = imagesPerPass ?? 1
        return "\(streams) stream\(streams == 1 ? "" : "s"), \(images) image\(images == 1 ? "" : "s") per pass"
    }
    /// With profiling: milliseconds per batch-1 pass by layer kind (each layer waited for).
    public var profileBatchOne: [String: Double]?
    /// With profiling: milliseconds per batch-N pass by layer kind.
    public var profileBatch: [String: Double]?
}

/// Measures MobileNet training and inference speed.
public enum MobileNetBenchmark {
    /// Forward FLOPs per image: 2 per multiply-add of every convolution, squeeze-excite and fully connected layer.
    /// - Parameter spec: The network.
    /// - Returns: FLOPs for one image.
    public static func forwardFLOPs(_ spec: MobileNetSpec) -> Double {
        spec.layers.reduce(0) { total, layer in
            switch layer.kind {
            case .convolution, .pointwise:
                total + 2
                    * Double(
                        layer.kernel * layer.kernel * layer.inputChannels * layer.outputChannels
                            * layer.outputHeight * layer.outputWidth)
            case .depthwise:
                total + 2
                    * Double(
                        layer.kernel * layer.kernel * layer.outputChannels * layer.outputHeight * layer.outputWidth)
            case .fullyConnected:
                total + 2 * Double(layer.inputChannels * layer.outputChannels)
            case .squeezeExcite:
                total + 4 * Double(layer.inputChannels * layer.squeezeChannels)
            case .averagePool:
                total
            }
        }
    }

    /// Times training steps.
    /// - Parameters:
    ///   - spec: The network (outputs = classes of the random soft targets).
    ///   - batch: Images per step.
    ///   - options: Activation and batch-norm settings.
    ///   - steps: Timed steps (after `warmup` untimed ones).
    ///   - warmup: Untimed steps first.
    ///   - profile: Record time per layer kind.
    /// - Returns: The figures.
    /// - Throws: ``EngineError`` for bad sizes or oneDNN failures.
    public static func train(
        spec: MobileNetSpec, batch: Int, options: MobileNetOptions = MobileNetOptions(), steps: Int, warmup: Int = 3,
        profile: Bool = false
    ) throws -> TrainingBenchmarkResult {
        guard steps >= 1, warmup >= 0 else {
            throw EngineError(.invalidArgument, "Benchmark needs steps ≥ 1 and warm-up ≥ 0, got \(steps), \(warmup).")
        }
        let network = try MobileNet(spec: spec, batch: batch, options: options)
        network.initialize(seed: 1)
        var generator = SeededGenerator(seed: 2)
        network.withInput { generator.fillNormal($0) }
        let teacher = FloatBuffer(count: network.outputCount)
        teacher.withMutableFloats { generator.fillNormal($0, standardDeviation: 2) }
        let trainer = try MobileNetTrainer(
            network: network, loss: SoftmaxDistillationLoss(temperature: 4), optimizer: SGD(momentum: 0.9))
        let run = {
            try teacher.withMutableFloats { teacher in
                try trainer.trainStepOnLoadedInput(teacher: UnsafeBufferPointer(teacher), learningRate: 0.01)
            }
        }
        for _ in 0..<warmup { _ = try run() }
        network.resetProfile()
        network.isProfiling = profile
        var times: [Double] = []
        for _ in 0..<steps {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try run()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        network.isProfiling = false
        let median = times.sorted()[times.count / 2]
        let imagesPerSecond = Double(batch) / median
        let flops = forwardFLOPs(spec)
        let achieved = 3 * flops * imagesPerSecond / 1e9
        let peak = try MatrixMultiplyPeak.measure()
        var kinds: [String: Double]?
        if profile {
            var table = network.profile.mapValues { $0 * 1000 / Double(steps) }
            let layers = table.values.reduce(0, +)
            table["loss+update"] = max(0, times.reduce(0, +) * 1000 / Double(steps) - layers)
            kinds = table
        }
        return TrainingBenchmarkResult(
            architecture: spec.architecture, alpha: spec.alpha, resolution: spec.resolution, batch: batch,
            threads: ComputeContext.threadCount,
            steps: steps, imagesPerSecond: imagesPerSecond, millisecondsPerStep: median * 1000,
            forwardFLOPsPerImage: flops, achievedGFLOPs: achieved, gemmPeakGFLOPs: peak, shareOfPeak: achieved / peak,
            profile: kinds)
    }

    /// Times inference (batch norm folded into the convolutions) at batch 1 and batch N.
    /// - Parameters:
    ///   - spec: The network.
    ///   - batch: N for the throughput run.
    ///   - options: Activation and batch-norm settings.
    ///   - repeats: Timed passes of each (after 3 untimed ones).
    ///   - profile: Also time each layer kind, in `repeats` further passes of each batch size (the headline
    ///     medians come from unprofiled passes).
    ///   - streams: Streams of the batch-N run (`MobileNetInference`'s own choice if nil).
    ///   - imagesPerPass: Images each stream's network takes at a time.
    ///   - shouldStop: Checked before every timed pass; true → `CancellationError` (a worker asked to stop).
    /// - Returns: The figures.
    /// - Throws: ``EngineError`` for bad sizes or oneDNN failures, `CancellationError`.
    public static func infer(
        spec: MobileNetSpec, batch: Int, options: MobileNetOptions = MobileNetOptions(), repeats: Int,
        profile: Bool = false, streams: Int? = nil, imagesPerPass: Int = 1, shouldStop: () -> Bool = { false }
    ) throws -> InferenceBenchmarkResult {
        guard repeats >= 1 else {
            throw EngineError(.invalidArgument, "Benchmark needs repeats ≥ 1, got \(repeats).")
        }
        // Running statistics from one training-mode pass (momentum 0), so evaluation-mode activations keep
        // a realistic scale; then batch norm is folded into the convolutions.
        var calibration = options
        calibration.batchNormMomentum = 0
        let trained = try MobileNet(spec: spec, batch: 4, options: calibration)
        trained.initialize(seed: 1)
        var generator = SeededGenerator(seed: 2)
        trained.withInput { generator.fillNormal($0) }
        try trained.forward(training: true)
        func measure(batch: Int, streams: Int?) throws -> (
            median: Double, profile: [String: Double]?, network: MobileNetInference
        ) {
            let network = try MobileNetInference(
                folding: trained, batch: batch, streams: streams, imagesPerPass: min(imagesPerPass, batch))
            network.withInput { generator.fillNormal($0) }
            for _ in 0..<3 { try network.forward() }
            var times: [Double] = []
            for _ in 0..<repeats {
                if shouldStop() { throw CancellationError() }
                let start = DispatchTime.now().uptimeNanoseconds
                try network.forward()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            var kinds: [String: Double]?
            if profile {
                network.isProfiling = true
                for _ in 0..<repeats {
                    if shouldStop() { throw CancellationError() }
                    try network.forward()
                }
                let passes = Double(max(network.profiledPasses, 1))
                kinds = network.profile.mapValues { $0 * 1000 / passes }
            }
            return (times.sorted()[times.count / 2], kinds, network)
        }
        let single = try measure(batch: 1, streams: nil)
        let many = try measure(batch: batch, streams: streams)
        return InferenceBenchmarkResult(
            architecture: spec.architecture, alpha: spec.alpha, resolution: spec.resolution,
            threads: ComputeContext.threadCount,
            batchOneMilliseconds: single.median * 1000, batch: batch, batchMilliseconds: many.median * 1000,
            imagesPerSecond: Double(batch) / many.median, streams: many.network.streams,
            imagesPerPass: many.network.streams > 0 ? many.network.imagesPerPass : nil, profileBatchOne: single.profile,
            profileBatch: many.profile)
    }
}

extension MobileNetBenchmark {
    /// Times int8 inference (MobileNetInt8Inference: oneDNN int8 convolutions, integer pool and classifier)
    /// at batch 1 and batch N, on the network ``infer(spec:batch:options:repeats:shouldStop:)`` times, quantized
    /// with activation ranges calibrated on a few random images. The timed call includes quantizing the float
    /// input and dequantizing the output.
    /// - Parameters:
    ///   - spec: The architecture.
    ///   - batch: The batch N for throughput.
    ///   - options: Activation (batch-norm settings are not used).
    ///   - repeats: Timed passes of each kind (after 3 warm-up passes).
    ///   - shouldStop: Checked between passes; true → `CancellationError`.
    /// - Returns: The medians.
    /// - Throws: ``EngineError`` / ``ModelsError`` for bad arguments or a oneDNN failure; `CancellationError`.
    public static func inferInt8(
        spec: MobileNetSpec, batch: Int, options: MobileNetOptions = MobileNetOptions(), repeats: Int,
        shouldStop: () -> Bool = { false }
    ) throws -> InferenceBenchmarkResult {
        guard repeats >= 1 else {
            throw EngineError(.invalidArgument, "Benchmark needs repeats ≥ 1, got \(repeats).")
        }
        var calibration = options
        calibration.batchNormMomentum = 0
        let trained = try MobileNet(spec: spec, batch: 4, options: calibration)
        trained.initialize(seed: 1)
        var generator = SeededGenerator(seed: 2)
        trained.withInput { generator.fillNormal($0) }
        try trained.forward(training: true)
        let folded = try FoldedMobileNet(network: trained)
        let sample = 3 * spec.resolution * spec.resolution
        func randomImages(_ count: Int) -> [Float] {
            var values = [Float](repeating: 0, count: count * sample)
            values.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
            return values.map { max(-1, min(1, $0)) }
        }
        let calibrationImages = randomImages(2)
        let quantized = try QuantizedMobileNet(
            folded: folded,
            calibrationImages: (0..<2).map { Array(calibrationImages[($0 * sample)..<(($0 + 1) * sample)]) })
        return try int8Latency(quantized, batch: batch, repeats: repeats, shouldStop: shouldStop)
    }

    /// Times a quantized network's int8 inference at batch 1 and batch N on random inputs in [−1, 1].
    /// - Parameters:
    ///   - quantized: The int8 network.
    ///   - batch: The batch N for throughput.
    ///   - repeats: Timed passes of each kind (after 3 warm-up passes).
    ///   - shouldStop: Checked between passes; true → `CancellationError`.
    /// - Returns: The medians.
    /// - Throws: ``EngineError`` / ``ModelsError`` if oneDNN fails; `CancellationError`.
    public static func int8Latency(
        _ quantized: QuantizedMobileNet, batch: Int, repeats: Int, shouldStop: () -> Bool = { false }
    ) throws -> InferenceBenchmarkResult {
        let spec = quantized.folded.spec
        var generator = SeededGenerator(seed: 3)
        func medianSeconds(batch: Int) throws -> Double {
            let network = try MobileNetInt8Inference(quantized, batch: batch)
            var images = [Float](repeating: 0, count: network.inputCount)
            images.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
            images = images.map { max(-1, min(1, $0)) }
            for _ in 0..<3 { _ = try network.predictQuantized(images: images) }
            var times: [Double] = []
            for _ in 0..<max(repeats, 1) {
                if shouldStop() { throw CancellationError() }
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try network.predictQuantized(images: images)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return times.sorted()[times.count / 2]
        }
        let single = try medianSeconds(batch: 1)
        let many = try medianSeconds(batch: batch)
        return InferenceBenchmarkResult(
            architecture: spec.architecture, alpha: spec.alpha, resolution: spec.resolution,
            threads: ComputeContext.threadCount,
            batchOneMilliseconds: single * 1000, batch: batch, batchMilliseconds: many * 1000,
            imagesPerSecond: Double(batch) / many)
    }
}
