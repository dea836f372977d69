// Copyright 2026 The Distill authors.
// Post-training int8 quantization of a folded MobileNet (any family, over FoldedMobileNet.nodes), as TensorFlow
// Lite's full-integer models and ONNX QDQ models express it: weights per output channel symmetric int8 in [-127, 127] (scale max|w| / 127; the fully
// connected layer per tensor), activations per tensor asymmetric int8 (scale (max − min) / 255, zero point
// −128 − min / scale) from ranges calibrated on sample images (a range always contains 0; ReLU and ReLU6 are
// folded into the ranges since calibration observes activations after them), biases int32 with scale
// input scale × weight scale. The int8 reference below computes what an int8 runtime computes: int32
// accumulation of (q − zero point) · w, requantised by (input scale × weight scale / output scale) with
// rounding half away from zero, clamped to the activation's range; sums, products and stand-alone activations
// (h-swish) dequantize, compute in double precision and requantize, as the runtimes' fixed-point kernels
// approximate. A squeeze-and-excitation gate is its expand convolution with weights / 6 and (bias + 3) / 6
// quantized onto [0, 1], whose saturation is the hard-sigmoid's clamp.

import DistillEngine
import Foundation

/// One tensor's int8 quantization: real = scale · (q − zeroPoint).
public struct ActivationQuantization: Sendable, Codable, Equatable {
    /// Real value of one step.
    public var scale: Float
    /// The int8 value of real 0.
    public var zeroPoint: Int32

    /// The quantization of a real range [min, max] (widened to contain 0) onto −128…127.
    /// - Parameters:
    ///   - minimum: The smallest value seen.
    ///   - maximum: The largest value seen.
    public init(minimum: Float, maximum: Float) {
        let low = min(minimum, 0)
        let high = max(maximum, 0)
        let scale = max((high - low) / 255, 1e-8)
        self.scale = scale
        self.zeroPoint = Int32(max(-128, min(127, (-128 - low / scale).rounded())))
    }

    /// A quantization with a given step and zero point.
    /// - Parameters:
    ///   - scale: Real value of one step.
    ///   - zeroPoint: The int8 value of real 0.
    public init(scale: Float, zeroPoint: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    /// [0, 1] in 255 steps: the range of a squeeze-and-excitation gate, fixed rather than calibrated, so that
    /// saturating onto it is the hard-sigmoid's clamp.
    public static let unitInterval = ActivationQuantization(scale: 1 / 255, zeroPoint: -128)

    /// The quantization of the network's input range: 256 steps of (max − min) / 256 from min, so [−1, 1]
    /// becomes scale 1/128, zero point 0 (as TFLite's quantized MobileNets take pixel − 128; 1 saturates to
    /// 127/128). With 255 steps of 2/255, every pixel of MobileNet's `pixel / 127.5 − 1` would quantize from
    /// exactly halfway between two steps, where runtimes round differently; here none lies within 0.19% of
    /// a step of halfway.
    /// - Parameters:
    ///   - minimum: The smallest input value seen.
    ///   - maximum: The largest input value seen.
    public init(inputMinimum minimum: Float, maximum: Float) {
        let low = min(minimum, 0)
        let high = max(maximum, 0)
        let scale = max((high - low) / 256, 1e-8)
        self.scale = scale
        self.zeroPoint = Int32(max(-128, min(127, (-128 - low / scale).rounded())))
    }

    /// The int8 value of a real value, halfway cases to even (ONNX QuantizeLinear's rounding).
    @inline(__always)
    public func quantize(_ value: Float) -> Int32 {
        Int32(max(-128, min(127, (value / scale).rounded(.toNearestOrEven) + Float(zeroPoint))))
    }

    /// The real value of an int8 value.
    @inline(__always)
    public func dequantize(_ value: Int32) -> Float { Float(value - zeroPoint) * scale }

    /// Whether quantizing onto this range already applies `activation`.
    ///
    /// True when the range starts at real 0 (zero point −128, so negative values saturate to 0) and, for ReLU6,
    /// ends at 6 or below. Calibration folds ReLU and ReLU6 into the ranges, so an exporter can leave the
    /// activation to the quantization, as integer kernels do.
    public func subsumes(_ activation: Activation) -> Bool {
        guard zeroPoint == -128 else { return false }
        switch activation {
        case .relu: return true
        case .relu6: return Double(127 - zeroPoint) * Double(scale) <= 6 * (1 + 1e-6)
        case .hardSwish: return false
        }
    }
}

/// A folded MobileNet quantized to int8.
public struct QuantizedMobileNet: Sendable {
    /// One quantized convolution.
    public struct Convolution: Sendable {
        /// The float layer it came from (shapes, groups, activation).
        public var folded: FoldedMobileNet.Convolution
        /// (O, I/groups, K, K) int8 values in −127…127.
        public var weights: [Int8]
        /// One scale per output channel.
        public var weightScales: [Float]
        /// Int32 biases, scale input scale × weight scale.
        public var bias: [Int32]
    }

    /// A quantized fully connected layer (per-tensor weight scale).
    public struct Dense: Sendable {
        /// (O, I) int8 values in −127…127.
        public var weights: [Int8]
        /// The weights' scale.
        public var weightScale: Float
        /// Int32 biases, scale input scale × weight scale.
        public var bias: [Int32]
    }

    /// A quantized squeeze-and-excitation: two 1x1 convolutions on the pooled channels.
    public struct SqueezeExcitation: Sendable {
        /// The reduction, ReLU after it.
        public var reduce: Convolution
        /// The expansion scaled into the hard-sigmoid: weights / 6 and (bias + 3) / 6, onto the gate's [0, 1].
        public var gate: Convolution
    }

    /// The float network.
    public var folded: FoldedMobileNet
    /// One quantization per tensor, indexed as ``FoldedMobileNet/nodes`` number them.
    public var activations: [ActivationQuantization]
    /// The convolutions in order.
    public var convolutions: [Convolution]
    /// The squeeze-and-excitation layers in order (V3).
    public var excitations: [SqueezeExcitation] = []
    /// The fully connected layers before ``dense`` (V3's hidden layer).
    public var hidden: [Dense] = []
    /// The output layer.
    public var dense: Dense
    /// How many images the ranges were calibrated on.
    public var calibrationImages: Int

    /// The fractions of a tensor's calibration values at each end that the candidate int8 ranges leave out
    /// (saturate); 0 is min/max.
    public static let calibrationOutlierFractions = [0, 1e-5, 1e-4]

    /// Observes the float network on calibration images and quantizes it: each tensor's range leaves out the
    /// rarest of its values at each end (0, 0.001% or 0.01%, ``CalibrationRange``; the output's none), whichever
    /// keeps the int8 outputs closest to the float outputs on the first 32 calibration images.
    /// - Parameters:
    ///   - folded: The float network.
    ///   - images: Calibration images, each (3, R, R) preprocessed as in training.
    /// - Throws: ``ModelsError`` when there are no images or one has the wrong size.
    public init(folded: FoldedMobileNet, calibrationImages images: [[Float]]) throws {
        try self.init(folded: folded, calibrationImages: images, workers: ComputeContext.threadCount)
    }

    /// Calibrates with the float passes spread over `workers` threads (tests compare thread counts).
    init(folded: FoldedMobileNet, calibrationImages images: [[Float]], workers requested: Int) throws {
        let resolution = folded.spec.resolution
        guard !images.isEmpty else {
            throw ModelsError(
                code: .invalidArgument, message: "int8 calibration needs at least one image; the run has none.")
        }
        for image in images where image.count != 3 * resolution * resolution {
            throw ModelsError(
                code: .invalidArgument,
                message: "A calibration image has \(image.count) floats; \(resolution)x\(resolution) RGB needs "
                    + "\(3 * resolution * resolution).")
        }
        // The float passes, one image per core at a time: each worker counts into ranges of its own, merged after
        // (counts and extremes add up the same in any order, so the ranges do not depend on the threads).
        let tensorCount = folded.tensorCount
        let selected = min(images.count, Self.selectionImages)
        let workers = max(1, min(requested, images.count))
        let observed = Locked(
            (
                ranges: [CalibrationRange](repeating: CalibrationRange(), count: tensorCount),
                outputs: [[Float]](repeating: [], count: selected)
            ))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var ranges = [CalibrationRange](repeating: CalibrationRange(), count: tensorCount)
            var outputs: [(Int, [Float])] = []
            for index in stride(from: worker, to: images.count, by: workers) {
                let output = folded.referenceForward(image: images[index]) { tensor, values in
                    values.withUnsafeBufferPointer { ranges[tensor].observe($0) }
                }
                if index < selected { outputs.append((index, output)) }
            }
            observed.update { state in
                for tensor in 0..<tensorCount { state.ranges[tensor].merge(ranges[tensor]) }
                for (index, output) in outputs { state.outputs[index] = output }
            }
        }
        let (ranges, floatOutputs) = observed.value
        let selectionImages = images.prefix(selected).flatMap { $0 }
        // One candidate per outlier fraction: every tensor but the output leaves out that fraction of its
        // values at each end (the output keeps its min/max, so the largest outputs stay distinct). The
        // candidate whose outputs stay closest to the float network's on the first calibration images wins:
        // no single fraction suits every network (on the demo's students min/max lost 2.1 points of top-1 at
        // α 0.5 and 0.01% lost 2.0 at α 0.25; chosen this way both lose under 1).
        var best: (error: Double, network: QuantizedMobileNet)?
        for fraction in Self.calibrationOutlierFractions {
            let activations = ranges.enumerated().map { index, range in
                let (minimum, maximum) = range.range(excluding: index == folded.tensorCount - 1 ? 0 : fraction)
                return index == 0
                    ? ActivationQuantization(inputMinimum: minimum, maximum: maximum)
                    : ActivationQuantization(minimum: minimum, maximum: maximum)
            }
            let candidate = QuantizedMobileNet(
                folded: folded, activations: activations, calibrationImages: images.count)
            var error = 0.0
            for (value, target) in zip(candidate.predict(images: selectionImages), floatOutputs.flatMap { $0 }) {
                error += Double(value - target) * Double(value - target)
            }
            if best.map({ error < $0.error }) ?? true { best = (error, candidate) }
        }
        guard let chosen = best?.network else {
            throw ModelsError(code: .invalidArgument, message: "int8 calibration produced no candidate ranges.")
        }
        self = chosen
    }

    /// Calibration images whose int8 outputs are compared with float to choose among the candidate ranges.
    static let selectionImages = 32

    /// Quantizes a float network with given activation quantizations (a gate's is always
    /// ``ActivationQuantization/unitInterval``).
    /// - Parameters:
    ///   - folded: The float network.
    ///   - activations: ``FoldedMobileNet/tensorCount`` quantizations.
    ///   - calibrationImages: How many images they were calibrated on.
    public init(folded: FoldedMobileNet, activations: [ActivationQuantization], calibrationImages: Int) {
        var activations = activations
        for gate in folded.gateTensors { activations[gate] = .unitInterval }
        self.folded = folded
        self.activations = activations
        self.calibrationImages = calibrationImages
        var convolutions: [Convolution?] = Array(repeating: nil, count: folded.convolutions.count)
        var excitations: [SqueezeExcitation?] = Array(repeating: nil, count: folded.squeezeExcitations.count)
        let layers = folded.denseLayers
        var dense: [Dense?] = Array(repeating: nil, count: layers.count)
        for node in folded.nodes {
            switch node {
            case .convolution(let index, let input, _, _):
                convolutions[index] = Self.quantize(folded.convolutions[index], inputScale: activations[input].scale)
            case .squeezeExcitation(let index, _, let pooled, let hidden, _, _):
                let excitation = folded.squeezeExcitations[index]
                excitations[index] = SqueezeExcitation(
                    reduce: Self.quantize(excitation.reduceConvolution, inputScale: activations[pooled].scale),
                    gate: Self.quantize(excitation.gateConvolution, inputScale: activations[hidden].scale))
            case .dense(let index, let input, _):
                dense[index] = Self.quantize(layers[index], inputScale: activations[input].scale)
            case .add, .activation, .pool:
                break
            }
        }
        self.convolutions = convolutions.compactMap { $0 }
        self.excitations = excitations.compactMap { $0 }
        let quantizedDense = dense.compactMap { $0 }
        self.hidden = Array(quantizedDense.dropLast())
        self.dense = quantizedDense.last ?? Self.quantize(folded.dense, inputScale: 1)
    }

    /// Symmetric int8 weights per output channel, int32 biases at input scale × weight scale.
    static func quantize(_ convolution: FoldedMobileNet.Convolution, inputScale: Float) -> Convolution {
        let channels = convolution.layer.outputChannels
        let perOutput = convolution.weights.count / channels
        var weights = [Int8](repeating: 0, count: convolution.weights.count)
        var scales = [Float](repeating: 1, count: channels)
        var bias = [Int32](repeating: 0, count: channels)
        for o in 0..<channels {
            let range = (o * perOutput)..<((o + 1) * perOutput)
            let largest = convolution.weights[range].map { abs($0) }.max() ?? 0
            let scale = largest > 0 ? largest / 127 : 1
            scales[o] = scale
            for i in range { weights[i] = Int8(max(-127, min(127, (convolution.weights[i] / scale).rounded()))) }
            bias[o] = quantizeBias(convolution.bias[o], scale: inputScale * scale)
        }
        return Convolution(folded: convolution, weights: weights, weightScales: scales, bias: bias)
    }

    /// Symmetric int8 weights per tensor, int32 biases at input scale × weight scale.
    static func quantize(_ dense: FoldedMobileNet.Dense, inputScale: Float) -> Dense {
        let largest = dense.weights.map { abs($0) }.max() ?? 0
        let scale = largest > 0 ? largest / 127 : 1
        return Dense(
            weights: dense.weights.map { Int8(max(-127, min(127, ($0 / scale).rounded()))) },
            weightScale: scale,
            bias: dense.bias.map { quantizeBias($0, scale: inputScale * scale) })
    }

    static func quantizeBias(_ value: Float, scale: Float) -> Int32 {
        Int32(max(Double(Int32.min), min(Double(Int32.max), (Double(value) / Double(scale)).rounded())))
    }

    /// The input's quantization.
    public var input: ActivationQuantization { activations[0] }
    /// The output's quantization.
    public var output: ActivationQuantization { activations[folded.tensorCount - 1] }

    // MARK: - The int8 reference

    /// Runs one image through the int8 network.
    /// - Parameter image: (3, R, R) floats, preprocessed as in training.
    /// - Returns: The int8 outputs (D values in −128…127); ``output`` dequantizes them.
    public func predictQuantized(image: [Float]) -> [Int32] {
        var tensors = [[Int32]](repeating: [], count: folded.tensorCount)
        tensors[0] = image.map { input.quantize($0) }
        for node in folded.nodes {
            switch node {
            case .convolution(let index, let input, let output, let fused):
                tensors[output] = Self.convolve(
                    tensors[input], convolutions[index], source: activations[input], target: activations[output],
                    activation: fused)
            case .add(let first, let second, let output):
                let (a, b, target) = (activations[first], activations[second], activations[output])
                tensors[output] = zip(tensors[first], tensors[second]).map { x, y in
                    target.requantize(Double(a.dequantize(x)) + Double(b.dequantize(y)))
                }
            case .activation(let activation, let input, let output):
                let (source, target) = (activations[input], activations[output])
                tensors[output] = tensors[input].map {
                    target.requantize(Double(activation.apply(source.dequantize($0))))
                }
            case .squeezeExcitation(let index, let input, let pooled, let hidden, let gate, let output):
                let excitation = excitations[index]
                tensors[pooled] = Self.pool(
                    tensors[input], channels: excitation.reduce.folded.layer.inputChannels,
                    source: activations[input], target: activations[pooled])
                tensors[hidden] = Self.convolve(
                    tensors[pooled], excitation.reduce, source: activations[pooled], target: activations[hidden],
                    activation: .relu)
                tensors[gate] = Self.convolve(
                    tensors[hidden], excitation.gate, source: activations[hidden], target: activations[gate],
                    activation: nil)
                let (x, g, target) = (activations[input], activations[gate], activations[output])
                let values = tensors[input]
                let gates = tensors[gate]
                let plane = values.count / max(gates.count, 1)
                tensors[output] = values.indices.map { i in
                    target.requantize(Double(x.dequantize(values[i])) * Double(g.dequantize(gates[i / plane])))
                }
            case .pool(let input, let output):
                tensors[output] = Self.pool(
                    tensors[input], channels: folded.tensorShapes[input].channels, source: activations[input],
                    target: activations[output])
            case .dense(let index, let input, let output):
                let layer = index < hidden.count ? hidden[index] : dense
                let floatLayer = folded.denseLayers[index]
                let (source, target) = (activations[input], activations[output])
                let features = tensors[input]
                let inputs = floatLayer.inputs
                let multiplier = Double(source.scale) * Double(layer.weightScale) / Double(target.scale)
                tensors[output] = (0..<floatLayer.outputs).map { o in
                    var sum = Int(layer.bias[o])
                    for i in 0..<inputs {
                        sum += Int(features[i] - source.zeroPoint) * Int(layer.weights[o * inputs + i])
                    }
                    let scaled = (Double(sum) * multiplier).rounded() + Double(target.zeroPoint)
                    return Int32(max(-128, min(127, scaled)))
                }
            }
        }
        return tensors[folded.tensorCount - 1]
    }

    /// One int8 convolution: int32 accumulation of (q − source zero point) · w plus the bias, requantised to
    /// `target` and clamped to the fused activation's range.
    static func convolve(
        _ x: [Int32], _ convolution: Convolution, source: ActivationQuantization, target: ActivationQuantization,
        activation: Activation?
    ) -> [Int32] {
        let shifted = x.map { $0 - source.zeroPoint }
        let accumulated = FoldedMobileNet.convolve(
            shifted, convolution: convolution.folded, weights: convolution.weights.map(Int32.init))
        let plane = convolution.folded.layer.outputHeight * convolution.folded.layer.outputWidth
        let (low, high) = clampRange(activation, target)
        var output = [Int32](repeating: 0, count: accumulated.count)
        for o in 0..<convolution.folded.layer.outputChannels {
            let multiplier = Double(source.scale) * Double(convolution.weightScales[o]) / Double(target.scale)
            for p in (o * plane)..<((o + 1) * plane) {
                let scaled = (Double(accumulated[p] + convolution.bias[o]) * multiplier).rounded()
                output[p] = Int32(max(Double(low), min(Double(high), scaled + Double(target.zeroPoint))))
            }
        }
        return output
    }

    /// The int8 channel means of a (C, H, W) int8 tensor.
    static func pool(
        _ x: [Int32], channels: Int, source: ActivationQuantization, target: ActivationQuantization
    ) -> [Int32] {
        let plane = x.count / channels
        return (0..<channels).map { c in
            var sum = 0
            for p in (c * plane)..<((c + 1) * plane) { sum += Int(x[p] - source.zeroPoint) }
            let scaled = (Double(sum) * Double(source.scale) / (Double(plane) * Double(target.scale))).rounded()
            return Int32(max(-128, min(127, scaled + Double(target.zeroPoint))))
        }
    }

    /// Runs one image through the int8 network and dequantizes the outputs.
    /// - Parameter image: (3, R, R) floats.
    /// - Returns: D floats.
    public func predict(image: [Float]) -> [Float] {
        predictQuantized(image: image).map { output.dequantize($0) }
    }

    /// Runs a batch through the int8 reference, one image per core at a time, and dequantizes the outputs.
    /// - Parameter images: (N, 3, R, R) floats.
    /// - Returns: (N, outputs) floats.
    public func predict(images: [Float]) -> [Float] {
        let sample = MobileNetSpec.inputChannels * folded.spec.resolution * folded.spec.resolution
        let count = images.count / sample
        let rows = Locked([[Float]](repeating: [], count: count))
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let row = predict(image: Array(images[(index * sample)..<((index + 1) * sample)]))
            rows.update { $0[index] = row }
        }
        return rows.value.flatMap { $0 }
    }

    /// The int8 interval an activation clamps to.
    static func clampRange(_ activation: Activation?, _ quantization: ActivationQuantization) -> (Int32, Int32) {
        switch activation {
        // h-swish is never fused into a convolution (it is a node of its own); no clamp is exact for it.
        case nil, .hardSwish: return (-128, 127)
        case .relu: return (max(-128, quantization.zeroPoint), 127)
        case .relu6:
            let six = quantization.zeroPoint + Int32((6 / quantization.scale).rounded())
            return (max(-128, quantization.zeroPoint), min(127, six))
        }
    }
}

extension ActivationQuantization {
    /// The int8 value of a real value computed in double precision, halfway cases away from zero (as the
    /// requantisation of convolutions rounds), saturated to −128…127.
    @inline(__always)
    func requantize(_ value: Double) -> Int32 {
        Int32(max(-128, min(127, (value / Double(scale)).rounded() + Double(zeroPoint))))
    }
}

/// A value shared by the threads of `concurrentPerform`, changed under a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    /// The value (read once the threads are done).
    var value: Value {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    /// Changes the value under the lock.
    func update(_ body: (inout Value) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        body(&stored)
    }
}
