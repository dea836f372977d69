// Copyright 2026 The Distill authors.
// The int8 MobileNet on oneDNN: the quantized network's convolutions as int8 primitives (s8 input with its
// zero point for the first layer, u8 activations after that: an int8 tensor after ReLU has zero point −128, so
// q + 128 is u8 with zero point 0), each requantising to the next tensor's scale in its epilogue; the global
// average pool and the fully connected layer (a few thousand multiply-adds) in integer Swift, as
// QuantizedMobileNet's reference computes them. Images (N, 3, R, R) float, quantized on entry; outputs
// (N, outputs) dequantized.

import DistillEngine
import Foundation

/// A quantized MobileNet for int8 inference through oneDNN.
public final class MobileNetInt8Inference {
    /// The quantized network.
    public let network: QuantizedMobileNet
    /// Images per forward pass.
    public let batch: Int
    private let context: ComputeContext
    private let input: Memory
    private let convolutions: [Int8ConvolutionLayer]
    private let reorder: PlainReorder

    /// Builds every primitive for `batch` images.
    /// - Parameters:
    ///   - network: The quantized network.
    ///   - batch: Images per pass, at least 1.
    ///   - context: The engine; a new one if nil.
    /// - Throws: ``ModelsError`` for a bad batch or a network whose convolutions lack a ReLU; ``EngineError``.
    public init(_ network: QuantizedMobileNet, batch: Int, context: ComputeContext? = nil) throws {
        guard batch >= 1 else {
            throw ModelsError(code: .invalidArgument, message: "Batch size \(batch) is below 1; use at least 1 image.")
        }
        try network.folded.requireSequential(for: "oneDNN int8 inference")
        let context = try context ?? ComputeContext()
        self.network = network
        self.batch = batch
        self.context = context
        let resolution = network.folded.spec.resolution
        input = try Memory(
            MemoryDescriptor.signedBytes([batch, MobileNetSpec.inputChannels, resolution, resolution]), context: context
        )
        var layers: [Int8ConvolutionLayer] = []
        var descriptor: MemoryDescriptor? = input.descriptor
        for (index, convolution) in network.convolutions.enumerated() {
            let layer = convolution.folded.layer
            let source = network.activations[index]
            let target = network.activations[index + 1]
            guard let activation = convolution.folded.activation, target.zeroPoint == -128 else {
                throw ModelsError(
                    code: .invalidArgument,
                    message: "int8 inference needs every convolution followed by ReLU or ReLU6; \(layer.name) is not.")
            }
            let configuration = try ConvolutionConfiguration(
                inputChannels: layer.inputChannels, outputChannels: layer.outputChannels, kernel: layer.kernel,
                stride: layer.stride, padding: layer.kernel / 2, groups: convolution.folded.groups)
            let upper: Float? =
                activation == .relu6 ? Float(QuantizedMobileNet.clampRange(activation, target).1 + 128) : nil
            let int8 = try Int8ConvolutionLayer(
                configuration: configuration, batch: batch, height: layer.inputHeight, width: layer.inputWidth,
                inputDescriptor: descriptor, signedInput: index == 0, inputZeroPoint: source.zeroPoint,
                weights: convolution.weights, bias: convolution.bias.map { Float($0) },
                outputScales: convolution.weightScales.map { source.scale * $0 / target.scale }, upperBound: upper,
                context: context)
            layers.append(int8)
            descriptor = int8.outputDescriptor
        }
        convolutions = layers
        guard let last = descriptor else {
            throw ModelsError(code: .invalidArgument, message: "The network has no convolutions.")
        }
        reorder = try PlainReorder(from: last, context: context)
    }

    /// Floats in one input batch: N · 3 · R · R.
    public var inputCount: Int {
        batch * MobileNetSpec.inputChannels * network.folded.spec.resolution * network.folded.spec.resolution
    }

    /// Runs a forward pass and returns the int8 outputs (N · outputs values in −128…127).
    /// - Parameter images: (N, 3, R, R) floats preprocessed as in training.
    /// - Returns: (N, outputs) int8 values; `network.output` dequantizes them.
    /// - Throws: ``ModelsError`` for a wrong image count; ``EngineError`` if oneDNN fails.
    public func predictQuantized(images: [Float]) throws -> [Int32] {
        guard images.count == inputCount else {
            throw ModelsError(
                code: .invalidArgument,
                message: "Got \(images.count) input floats; a batch of \(batch) needs \(inputCount).")
        }
        let quantization = network.input
        input.withBytes { bytes in
            for index in images.indices {
                bytes[index] = UInt8(bitPattern: Int8(quantization.quantize(images[index])))
            }
        }
        var current = input
        for convolution in convolutions { current = try convolution.forward(current) }
        let plain = try reorder.apply(current)
        try context.wait()
        return plain.withBytes { bytes in headOutputs(bytes) }
    }

    /// Runs a forward pass and dequantizes the outputs.
    /// - Parameter images: (N, 3, R, R) floats.
    /// - Returns: (N, outputs) floats.
    /// - Throws: As ``predictQuantized(images:)``.
    public func predict(images: [Float]) throws -> [Float] {
        try predictQuantized(images: images).map { network.output.dequantize($0) }
    }

    /// Pool and fully connected layer on the last convolution's plain u8 output (N, C, H, W).
    private func headOutputs(_ bytes: UnsafeMutableRawBufferPointer) -> [Int32] {
        let last = network.activations[network.convolutions.count]
        let pooled = network.activations[network.convolutions.count + 1]
        let output = network.output
        let dense = network.dense
        let channels = network.folded.dense.inputs
        let outputs = network.folded.dense.outputs
        let plane = bytes.count / (batch * channels)
        let poolMultiplier = Double(last.scale) / (Double(plane) * Double(pooled.scale))
        let denseMultiplier = Double(pooled.scale) * Double(dense.weightScale) / Double(output.scale)
        // Pooled features as q − zero point (0…255 after a ReLU: zero point −128), then one int8 GEMM.
        var features = [UInt8](repeating: 0, count: batch * channels)
        var shifted = [Int32](repeating: 0, count: batch * channels)
        let values = bytes.bindMemory(to: UInt8.self)
        for index in 0..<(batch * channels) {
            var sum: Int32 = 0
            let base = index * plane
            for p in base..<(base + plane) { sum &+= Int32(values[p]) }
            let scaled = (Double(sum) * poolMultiplier).rounded() + Double(pooled.zeroPoint)
            shifted[index] = Int32(max(-128, min(127, scaled))) - pooled.zeroPoint
            features[index] = UInt8(clamping: shifted[index])
        }
        var products: [Int32]
        if pooled.zeroPoint == -128,
            let gemm = try? Int8Matrix.multiplyTransposed(features, dense.weights, m: batch, n: outputs, k: channels)
        {
            products = gemm
        } else {
            products = [Int32](repeating: 0, count: batch * outputs)
            for n in 0..<batch {
                for o in 0..<outputs {
                    var sum: Int32 = 0
                    for i in 0..<channels {
                        sum &+= shifted[n * channels + i] &* Int32(dense.weights[o * channels + i])
                    }
                    products[n * outputs + o] = sum
                }
            }
        }
        var result = [Int32](repeating: 0, count: batch * outputs)
        for n in 0..<batch {
            for o in 0..<outputs {
                let sum = products[n * outputs + o] &+ dense.bias[o]
                let scaled = (Double(sum) * denseMultiplier).rounded() + Double(output.zeroPoint)
                result[n * outputs + o] = Int32(max(-128, min(127, scaled)))
            }
        }
        return result
    }
}
