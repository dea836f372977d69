// Copyright 2026 The Distill authors.
// Every engine layer against its plain-Swift twin on odd shapes: batch 3, 7x9 inputs, strides 1 and 2,
// channel counts that are not multiples of 16. Tolerance: |oneDNN − reference| ≤ 1e-4 · max(1, max|reference|)
// (float32 sums reordered by blocked kernels differ in the last bits only).

import DistillEngine
import DistillTestSupport
import Testing

private func close(_ a: [Float], _ b: [Float], _ what: String) {
    #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) values")
    let scale = max(1, b.lazy.map { abs($0) }.largest() ?? 0)
    let difference = maxDifference(a, b)
    #expect(difference <= 1e-4 * scale, "\(what) differs by \(difference) (scale \(scale))")
}

struct BatchNormCase: Sendable, CustomTestStringConvertible {
    var name: String
    var dimensions: [Int]
    var channelBlock: Int
    var inputRange: ClosedRange<Float> = -2...4
    var testDescription: String { name }

    static let all = [
        BatchNormCase(name: "nChw16c, 19 channels", dimensions: [3, 19, 7, 9], channelBlock: 16),
        BatchNormCase(name: "nChw8c, 19 channels", dimensions: [3, 19, 7, 9], channelBlock: 8),
        BatchNormCase(name: "NCHW, reordered", dimensions: [3, 19, 7, 9], channelBlock: 1),
        // More than 256 positions per image (the kernels' float runs), and a mean far from zero with a small
        // spread (a one-pass variance without a shift would cancel).
        BatchNormCase(
            name: "nChw16c, 13x11, mean 30", dimensions: [2, 5, 13, 11], channelBlock: 16, inputRange: 29...31),
    ]
}

struct ConvolutionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var inputChannels: Int
    var outputChannels: Int
    var kernel: Int
    var stride: Int
    var groups: Int
    var blockedInput: Bool
    var narrowBlocking = false
    /// The input's channel block when it is not `blockedInput`'s 16 (or 1).
    var inputBlock: Int? = nil
    var testDescription: String { name }
}

@Suite("oneDNN layers agree with their reference twins")
struct LayerAgreementTests {
    static let convolutionCases: [ConvolutionCase] = [
        ConvolutionCase(
            name: "3x3 s1 5→7", inputChannels: 5, outputChannels: 7, kernel: 3, stride: 1, groups: 1,
            blockedInput: false),
        ConvolutionCase(
            name: "3x3 s2 3→10 (first layer)", inputChannels: 3, outputChannels: 10, kernel: 3, stride: 2, groups: 1,
            blockedInput: false),
        ConvolutionCase(
            name: "depthwise 3x3 s1 19", inputChannels: 19, outputChannels: 19, kernel: 3, stride: 1, groups: 19,
            blockedInput: true),
        ConvolutionCase(
            name: "depthwise 3x3 s2 19", inputChannels: 19, outputChannels: 19, kernel: 3, stride: 2, groups: 19,
            blockedInput: true),
        ConvolutionCase(
            name: "depthwise 5x5 s2 19 (MobileNet V3)", inputChannels: 19, outputChannels: 19, kernel: 5, stride: 2,
            groups: 19, blockedInput: true),
        ConvolutionCase(
            name: "depthwise 5x5 s1 12", inputChannels: 12, outputChannels: 12, kernel: 5, stride: 1, groups: 12,
            blockedInput: false),
        ConvolutionCase(
            name: "pointwise 19→21", inputChannels: 19, outputChannels: 21, kernel: 1, stride: 1, groups: 1,
            blockedInput: true),
        ConvolutionCase(
            name: "depthwise 3x3 s2 7 in 8-channel blocks", inputChannels: 7, outputChannels: 7, kernel: 3, stride: 2,
            groups: 7, blockedInput: true, narrowBlocking: true),
        ConvolutionCase(
            name: "3x3 s2 3→6 in 8-channel blocks", inputChannels: 3, outputChannels: 6, kernel: 3, stride: 2,
            groups: 1, blockedInput: false, narrowBlocking: true),
        ConvolutionCase(
            name: "depthwise 3x3 s2 19 arriving in 8-channel blocks, kept", inputChannels: 19, outputChannels: 19,
            kernel: 3, stride: 2, groups: 19, blockedInput: true, narrowBlocking: true, inputBlock: 8),
    ]

    @Test("convolution forward, input gradient and accumulated weight gradient match", arguments: convolutionCases)
    func convolution(_ testCase: ConvolutionCase) throws {
        let (batch, height, width) = (3, 7, 9)
        let configuration = try ConvolutionConfiguration(
            inputChannels: testCase.inputChannels, outputChannels: testCase.outputChannels, kernel: testCase.kernel,
            stride: testCase.stride, padding: testCase.kernel / 2, groups: testCase.groups)
        var values = TestValues(seed: 11)
        let input = values.array(batch * testCase.inputChannels * height * width)
        let weights = values.array(configuration.weightCount, in: -0.5...0.5)
        let initialGradient = values.array(configuration.weightCount, in: -1...1)

        let context = try ComputeContext()
        let parameters = FloatBuffer(weights)
        let gradients = FloatBuffer(initialGradient)
        let inputDimensions = [batch, testCase.inputChannels, height, width]
        let inputDescriptor =
            try testCase.inputBlock.map { try MemoryDescriptor.activation(inputDimensions, channelBlock: $0) }
            ?? MemoryDescriptor.activation(inputDimensions, blocked: testCase.blockedInput)
        let layer = try ConvolutionLayer(
            configuration: configuration, batch: batch, height: height, width: width,
            inputDescriptor: inputDescriptor,
            parameters: ParameterBinding(values: parameters, gradients: gradients, offset: 0),
            computeInputGradient: true, context: context, narrowBlocking: testCase.narrowBlocking)
        if let block = testCase.inputBlock, testCase.groups > 1 {
            // A depthwise layer keeps the narrow blocks it was given, output included.
            let outputDimensions = [
                batch, testCase.outputChannels, configuration.outputSize(height), configuration.outputSize(width),
            ]
            #expect(
                layer.outputDescriptor.sameLayout(
                    as: try MemoryDescriptor.activation(outputDimensions, channelBlock: block)))
        }
        if testCase.groups > 1, testCase.kernel == 5 {
            // oneDNN 2.6's reference backward-weights (its only one for 5x5 depthwise) is replaced by ours.
            #expect(!layer.implementations[2].hasPrefix("ref"), "\(layer.implementations)")
        }
        let inputMemory = try Memory(inputDescriptor, context: context)
        try inputMemory.write(input, context: context)
        let output = try layer.forward(inputMemory, training: true).read(context: context)

        let reference = ReferenceConvolution(configuration: configuration)
        let expected = reference.forward(input: input, weights: weights, batch: batch, height: height, width: width)
        close(output, expected, "forward")

        let outputGradient = values.array(expected.count, in: -1...1)
        let gradientMemory = try Memory(layer.outputDescriptor, context: context)
        try gradientMemory.write(outputGradient, context: context)
        let inputGradient = try #require(try layer.backward(gradientMemory)).read(context: context)
        try context.wait()
        var expectedWeightGradient = initialGradient
        let expectedInputGradient = reference.backward(
            outputGradient: outputGradient, input: input, weights: weights, weightGradient: &expectedWeightGradient,
            batch: batch, height: height, width: width)
        close(inputGradient, expectedInputGradient, "input gradient")
        close(gradients.array, expectedWeightGradient, "weight gradient")
    }

    @Test(
        "batch norm training, running statistics, evaluation and gradients match in every layout",
        arguments: [nil, Activation.relu, Activation.relu6, Activation.hardSwish], BatchNormCase.all)
    func batchNorm(fused: Activation?, shape: BatchNormCase) throws {
        let dimensions = shape.dimensions
        let (batch, channels, spatial) = (dimensions[0], dimensions[1], dimensions[2] * dimensions[3])
        var values = TestValues(seed: 5)
        let input = values.array(dimensions.reduce(1, *), in: shape.inputRange)
        // ReLU6 and h-swish get scales up to 7.5, so that normalized values reach every piece of the function.
        let wide = fused == .relu6 || fused == .hardSwish
        let scale = values.array(channels, in: 0.5...1.5).map { $0 * (wide ? 5 : 1) }
        let shift = values.array(channels, in: -0.5...0.5)
        let initialGradient = values.array(2 * channels, in: -1...1)
        var runningMean = values.array(channels, in: -0.1...0.1)
        var runningVariance = values.array(channels, in: 0.9...1.1)

        let context = try ComputeContext()
        let parameters = FloatBuffer(scale + shift)
        let gradients = FloatBuffer(initialGradient)
        let statistics = FloatBuffer(runningMean + runningVariance)
        let descriptor = try MemoryDescriptor.activation(dimensions, channelBlock: shape.channelBlock)
        let layer = try BatchNormLayer(
            dimensions: dimensions, inputDescriptor: descriptor, epsilon: 1e-3, momentum: 0.9, activation: fused,
            parameters: ParameterBinding(values: parameters, gradients: gradients, offset: 0),
            statistics: statistics, statisticsOffset: 0, context: context)
        let inputMemory = try Memory(descriptor, context: context)
        try inputMemory.write(input, context: context)
        let outputMemory = try layer.forward(inputMemory, training: true)
        let output = try outputMemory.read(context: context)

        let reference = ReferenceBatchNorm(channels: channels, epsilon: 1e-3, momentum: 0.9)
        let activation = fused.map { ReferenceActivation(activation: $0) }
        let (normalized, cache) = reference.forwardTraining(
            input: input, scale: scale, shift: shift, runningMean: &runningMean, runningVariance: &runningVariance,
            batch: batch, spatial: spatial)
        if wide {
            #expect(normalized.contains { $0 > 6 } && normalized.contains { $0 < -3 }, "both flat ends reached")
        }
        close(output, activation?.forward(input: normalized) ?? normalized, "forward")
        close(statistics.array, runningMean + runningVariance, "running statistics")
        // A blocked layout's padding channels must stay zero: the next convolution reads them.
        #expect(paddingValues(outputMemory, shape).allSatisfy { $0 == 0 }, "padding channels of the output")

        let outputGradient = values.array(input.count, in: -1...1)
        let gradientMemory = try Memory(layer.outputDescriptor, context: context)
        try gradientMemory.write(outputGradient, context: context)
        let inputGradientMemory = try #require(try layer.backward(gradientMemory))
        let inputGradient = try inputGradientMemory.read(context: context)
        var scaleGradient = Array(initialGradient[0..<channels])
        var shiftGradient = Array(initialGradient[channels...])
        let throughReLU =
            activation?.backward(outputGradient: outputGradient, input: normalized) ?? outputGradient
        let expectedInputGradient = reference.backward(
            outputGradient: throughReLU, cache: cache, scale: scale, scaleGradient: &scaleGradient,
            shiftGradient: &shiftGradient, batch: batch, spatial: spatial)
        close(inputGradient, expectedInputGradient, "input gradient")
        close(gradients.array, scaleGradient + shiftGradient, "scale and shift gradients")
        #expect(paddingValues(inputGradientMemory, shape).allSatisfy { $0 == 0 }, "padding channels of dx")

        let evaluation = try layer.forward(inputMemory, training: false).read(context: context)
        let expectedEvaluation = reference.forwardInference(
            input: input, scale: scale, shift: shift, runningMean: runningMean, runningVariance: runningVariance,
            batch: batch, spatial: spatial)
        close(evaluation, activation?.forward(input: expectedEvaluation) ?? expectedEvaluation, "evaluation")
    }

    @Test("batch norm gives the same bits on one thread as on two (sums kept per image, added in order)")
    func batchNormIgnoresThreadCount() throws {
        let dimensions = [4, 21, 9, 11]
        var values = TestValues(seed: 17)
        let input = values.array(dimensions.reduce(1, *), in: -2...4)
        let outputGradient = values.array(input.count, in: -1...1)
        let parameters = values.array(2 * 21, in: 0.5...1.5)
        let context = try ComputeContext()
        let before = ComputeContext.threadCount
        defer { try? ComputeContext.setThreadCount(before) }
        var results: [[Float]] = []
        for threads in [1, 2] {
            try ComputeContext.setThreadCount(threads)
            let gradients = FloatBuffer(count: 2 * 21)
            let statistics = FloatBuffer(count: 2 * 21)
            let descriptor = try MemoryDescriptor.activation(dimensions, channelBlock: 16)
            let layer = try BatchNormLayer(
                dimensions: dimensions, inputDescriptor: descriptor, activation: .relu,
                parameters: ParameterBinding(values: FloatBuffer(parameters), gradients: gradients, offset: 0),
                statistics: statistics, statisticsOffset: 0, context: context)
            let inputMemory = try Memory(descriptor, context: context)
            try inputMemory.write(input, context: context)
            let output = try layer.forward(inputMemory, training: true).read(context: context)
            let gradientMemory = try Memory(layer.outputDescriptor, context: context)
            try gradientMemory.write(outputGradient, context: context)
            let inputGradient = try #require(try layer.backward(gradientMemory)).read(context: context)
            results.append(output + inputGradient + gradients.array + statistics.array)
        }
        #expect(results[0] == results[1])
    }

    /// The floats of a channel-blocked memory that lie in padding channels (none for NCHW).
    private func paddingValues(_ memory: Memory, _ shape: BatchNormCase) -> [Float] {
        let block = shape.channelBlock
        let (batch, channels, spatial) = (
            shape.dimensions[0], shape.dimensions[1], shape.dimensions[2] * shape.dimensions[3]
        )
        let blocks = (channels + block - 1) / block
        guard block > 1, blocks * block > channels else { return [] }
        return memory.withFloats { raw in
            var padding: [Float] = []
            for n in 0..<batch {
                for p in 0..<spatial {
                    for lane in (channels - (blocks - 1) * block)..<block {
                        padding.append(raw[((n * blocks + blocks - 1) * spatial + p) * block + lane])
                    }
                }
            }
            return padding
        }
    }

    @Test(
        "ReLU, ReLU6 and h-swish forward and backward match, separate and in place", arguments: Activation.allCases,
        [false, true])
    func activation(_ activation: Activation, inPlace: Bool) throws {
        let dimensions = [3, 19, 7, 9]
        var values = TestValues(seed: 9)
        let input = values.array(dimensions.reduce(1, *), in: -3...9)
        let context = try ComputeContext()
        let descriptor = try MemoryDescriptor.activation(dimensions, blocked: true)
        let layer = try ActivationLayer(
            activation: activation, dimensions: dimensions, inputDescriptor: descriptor, inPlace: inPlace,
            context: context)
        let inputMemory = try Memory(descriptor, context: context)
        try inputMemory.write(input, context: context)
        let reference = ReferenceActivation(activation: activation)
        close(
            try layer.forward(inputMemory, training: true).read(context: context), reference.forward(input: input),
            "forward")
        let outputGradient = values.array(input.count, in: -1...1)
        let gradientMemory = try Memory(layer.outputDescriptor, context: context)
        try gradientMemory.write(outputGradient, context: context)
        let inputGradient = try #require(try layer.backward(gradientMemory)).read(context: context)
        close(inputGradient, reference.backward(outputGradient: outputGradient, input: input), "input gradient")
    }

    @Test("global average pooling forward and backward match")
    func pooling() throws {
        let dimensions = [3, 19, 7, 9]
        var values = TestValues(seed: 13)
        let input = values.array(dimensions.reduce(1, *))
        let context = try ComputeContext()
        let descriptor = try MemoryDescriptor.activation(dimensions, blocked: true)
        let layer = try GlobalAveragePoolLayer(dimensions: dimensions, inputDescriptor: descriptor, context: context)
        let inputMemory = try Memory(descriptor, context: context)
        try inputMemory.write(input, context: context)
        let reference = ReferenceGlobalAveragePool()
        close(
            try layer.forward(inputMemory, training: true).read(context: context),
            reference.forward(input: input, batch: 3, channels: 19, spatial: 63), "forward")
        let outputGradient = values.array(3 * 19)
        let gradientMemory = try Memory(layer.outputDescriptor, context: context)
        try gradientMemory.write(outputGradient, context: context)
        let inputGradient = try #require(try layer.backward(gradientMemory)).read(context: context)
        close(inputGradient, reference.backward(outputGradient: outputGradient, spatial: 63), "input gradient")
    }

    @Test(
        "planar images load into NCHW and NHWC memories as a reorder would put them; the other images stay",
        arguments: [[3, 3, 7, 9], [2, 5, 3, 1], [1, 3, 17, 13]])
    func planarLoad(dimensions: [Int]) throws {
        var values = TestValues(seed: 19)
        let images = values.array(dimensions.reduce(1, *))
        let context = try ComputeContext()
        let loaded = max(1, dimensions[0] - 1)
        let imageFloats = dimensions[1...].reduce(1, *)
        for descriptor in [try MemoryDescriptor.plain(dimensions), try MemoryDescriptor.channelsLast(dimensions)] {
            let memory = try Memory(descriptor, context: context)
            let before = values.array(images.count)
            try memory.write(before, context: context)
            try images.withUnsafeBufferPointer { source in
                try memory.load(planar: try #require(source.baseAddress), images: loaded)
            }
            let expected = Array(images[0..<(loaded * imageFloats)]) + before[(loaded * imageFloats)...]
            #expect(try memory.read(context: context) == expected)
        }
        let blocked = try Memory(MemoryDescriptor.activation(dimensions, blocked: true), context: context)
        #expect(throws: EngineError.self) {
            try images.withUnsafeBufferPointer { try blocked.load(planar: $0.baseAddress!, images: 1) }
        }
        #expect(throws: EngineError.self) {
            try images.withUnsafeBufferPointer {
                try Memory(MemoryDescriptor.plain(dimensions), context: context)
                    .load(planar: $0.baseAddress!, images: dimensions[0] + 1)
            }
        }
    }

    @Test(
        "fully connected forward, input gradient and accumulated weight and bias gradients match",
        arguments: [[3, 19, 1, 1], [3, 5, 2, 3]])
    func fullyConnected(inputDimensions: [Int]) throws {
        let outputs = 10
        let inputs = inputDimensions[1...].reduce(1, *)
        var values = TestValues(seed: 17)
        let input = values.array(inputDimensions.reduce(1, *))
        let weights = values.array(outputs * inputs, in: -0.5...0.5)
        let bias = values.array(outputs, in: -0.5...0.5)
        let initialGradient = values.array(outputs * inputs + outputs, in: -1...1)
        let context = try ComputeContext()
        let parameters = FloatBuffer(weights + bias)
        let gradients = FloatBuffer(initialGradient)
        let descriptor = try MemoryDescriptor.activation(inputDimensions, blocked: true)
        let layer = try FullyConnectedLayer(
            inputDimensions: inputDimensions, outputs: outputs, inputDescriptor: descriptor,
            parameters: ParameterBinding(values: parameters, gradients: gradients, offset: 0), context: context)
        let inputMemory = try Memory(descriptor, context: context)
        try inputMemory.write(input, context: context)
        let reference = ReferenceFullyConnected(inputs: inputs, outputs: outputs)
        close(
            try layer.forward(inputMemory, training: true).read(context: context),
            reference.forward(input: input, weights: weights, bias: bias, batch: 3), "forward")
        let outputGradient = values.array(3 * outputs, in: -1...1)
        let gradientMemory = try Memory(layer.outputDescriptor, context: context)
        try gradientMemory.write(outputGradient, context: context)
        let inputGradient = try #require(try layer.backward(gradientMemory)).read(context: context)
        var weightGradient = Array(initialGradient[0..<(outputs * inputs)])
        var biasGradient = Array(initialGradient[(outputs * inputs)...])
        let expectedInputGradient = reference.backward(
            outputGradient: outputGradient, input: input, weights: weights, weightGradient: &weightGradient,
            biasGradient: &biasGradient, batch: 3)
        close(inputGradient, expectedInputGradient, "input gradient")
        close(gradients.array, weightGradient + biasGradient, "weight and bias gradients")
    }

    @Test(
        "inference dense layer (weights converted once) matches the reference, twice in a row",
        arguments: [[3, 19, 1, 1], [3, 5, 2, 3], [16, 37]])
    func inferenceDense(inputDimensions: [Int]) throws {
        let outputs = 11
        let batch = inputDimensions[0]
        let inputs = inputDimensions[1...].reduce(1, *)
        var values = TestValues(seed: 23)
        let weights = values.array(outputs * inputs, in: -0.5...0.5)
        let bias = values.array(outputs, in: -0.5...0.5)
        let context = try ComputeContext()
        let descriptor =
            inputDimensions.count == 4
            ? try MemoryDescriptor.activation(inputDimensions, blocked: true)
            : try MemoryDescriptor.plain(inputDimensions)
        let layer = try InferenceDenseLayer(
            inputDimensions: inputDimensions, weights: weights, bias: bias, inputDescriptor: descriptor,
            context: context)
        let reference = ReferenceFullyConnected(inputs: inputs, outputs: outputs)
        let inputMemory = try Memory(descriptor, context: context)
        for _ in 0..<2 {
            let input = values.array(inputDimensions.reduce(1, *))
            try inputMemory.write(input, context: context)
            let output = try layer.forward(inputMemory)
            try context.wait()
            close(
                try output.read(context: context),
                reference.forward(input: input, weights: weights, bias: bias, batch: batch), "forward")
        }
        #expect(throws: EngineError.self) {
            try InferenceDenseLayer(
                inputDimensions: inputDimensions, weights: Array(weights.dropLast()), bias: bias,
                inputDescriptor: descriptor, context: context)
        }
    }
}

@Suite("agreement checks")
struct AgreementCheckTests {
    @Test("a NaN anywhere makes the largest difference NaN, so a tolerance check fails (max() skips it)")
    func nanFailsAgreement() {
        let reference: [Float] = [1, 2, 3, 4]
        for position in reference.indices {
            var broken = reference
            broken[position] = .nan
            #expect(maxDifference(broken, reference).isNaN, "NaN at \(position) was skipped")
            #expect(!(maxDifference(broken, reference) <= 1e-4))
        }
        #expect(maxDifference([1, .infinity], [1, .infinity]).isNaN)
        #expect(maxDifference([1, 2], [1, 2.5]) == 0.5)
        #expect([Float]().largest() == nil)
    }
}
