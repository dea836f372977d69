// Copyright 2026 The Distill authors.

import DistillModels
import Foundation
import Testing

@Suite("MobileNetSpec")
struct MobileNetSpecTests {
    @Test("the separable body has conv1, 13 dw+pw blocks, pool and fc")
    func separableLayerList() throws {
        let spec = try MobileNetSpec(alpha: 1, resolution: 224, outputs: 1000)
        #expect(spec.layers.count == 1 + 26 + 2)
        #expect(spec.layers.first?.name == "conv1")
        #expect(spec.layers[1].name == "block1.dw")
        #expect(spec.layers[2].name == "block1.pw")
        #expect(spec.layers[26].name == "block13.pw")
        #expect(spec.layers.suffix(2).map(\.name) == ["pool", "fc"])
        #expect(spec.layers.filter { $0.kind == .depthwise }.count == 13)
        #expect(spec.layers.filter { $0.kind == .pointwise }.count == 13)
        #expect(spec.layers.filter(\.hasBatchNorm).count == 27)
    }

    @Test("Table 1 shapes at 224: strides, channels and spatial sizes")
    func table1Shapes() throws {
        let spec = try MobileNetSpec(alpha: 1, resolution: 224, outputs: 1000)
        // (name, stride, in channels, out channels, in size, out size), transcribed from Table 1.
        let expected: [(String, Int, Int, Int, Int, Int)] = [
            ("conv1", 2, 3, 32, 224, 112),
            ("block1.dw", 1, 32, 32, 112, 112), ("block1.pw", 1, 32, 64, 112, 112),
            ("block2.dw", 2, 64, 64, 112, 56), ("block2.pw", 1, 64, 128, 56, 56),
            ("block3.dw", 1, 128, 128, 56, 56), ("block3.pw", 1, 128, 128, 56, 56),
            ("block4.dw", 2, 128, 128, 56, 28), ("block4.pw", 1, 128, 256, 28, 28),
            ("block5.dw", 1, 256, 256, 28, 28), ("block5.pw", 1, 256, 256, 28, 28),
            ("block6.dw", 2, 256, 256, 28, 14), ("block6.pw", 1, 256, 512, 14, 14),
            ("block7.dw", 1, 512, 512, 14, 14), ("block7.pw", 1, 512, 512, 14, 14),
            ("block8.dw", 1, 512, 512, 14, 14), ("block8.pw", 1, 512, 512, 14, 14),
            ("block9.dw", 1, 512, 512, 14, 14), ("block9.pw", 1, 512, 512, 14, 14),
            ("block10.dw", 1, 512, 512, 14, 14), ("block10.pw", 1, 512, 512, 14, 14),
            ("block11.dw", 1, 512, 512, 14, 14), ("block11.pw", 1, 512, 512, 14, 14),
            ("block12.dw", 2, 512, 512, 14, 7), ("block12.pw", 1, 512, 1024, 7, 7),
            ("block13.dw", 1, 1024, 1024, 7, 7), ("block13.pw", 1, 1024, 1024, 7, 7),
            ("pool", 1, 1024, 1024, 7, 1),
            ("fc", 1, 1024, 1000, 1, 1),
        ]
        #expect(spec.layers.count == expected.count)
        for (layer, row) in zip(spec.layers, expected) {
            #expect(layer.name == row.0)
            #expect(layer.stride == row.1, "\(layer.name) stride")
            #expect(layer.inputChannels == row.2, "\(layer.name) input channels")
            #expect(layer.outputChannels == row.3, "\(layer.name) output channels")
            #expect(layer.inputHeight == row.4 && layer.inputWidth == row.4, "\(layer.name) input size")
            #expect(layer.outputHeight == row.5 && layer.outputWidth == row.5, "\(layer.name) output size")
        }
        #expect(spec.layers.first?.kernel == 3)
        #expect(spec.layers[1].kernel == 3)
        #expect(spec.layers[2].kernel == 1)
        #expect(spec.layers[27].kernel == 7)
    }

    @Test(
        "odd resolutions follow (in - 1) / s + 1 at every stride-2 layer",
        arguments: [
            (225, [113, 57, 29, 15, 8]), (127, [64, 32, 16, 8, 4]), (33, [17, 9, 5, 3, 2]),
            (32, [16, 8, 4, 2, 1]), (161, [81, 41, 21, 11, 6]),
        ])
    func oddResolutions(resolution: Int, sizes: [Int]) throws {
        let spec = try MobileNetSpec(alpha: 0.5, resolution: resolution, outputs: 7)
        let strided = spec.layers.filter { $0.stride == 2 }
        #expect(strided.map(\.outputHeight) == sizes)
        // Every layer's input is the previous layer's output.
        for (previous, next) in zip(spec.layers, spec.layers.dropFirst()) where next.kind != .fullyConnected {
            #expect(previous.outputHeight == next.inputHeight)
            #expect(previous.outputChannels == next.inputChannels)
        }
        #expect(spec.layers.last?.inputChannels == 512)
        #expect(spec.layers.last?.outputChannels == 7)
    }

    @Test(
        "channels are Int(c × alpha)",
        arguments: [(0.75, 24, 768), (0.5, 16, 512), (0.25, 8, 256), (0.35, 11, 358), (0.1, 3, 102)])
    func widthMultiplier(alpha: Double, first: Int, last: Int) throws {
        let spec = try MobileNetSpec(alpha: alpha, resolution: 128, outputs: 10)
        #expect(spec.layers.first?.outputChannels == first)
        #expect(spec.layers.last?.inputChannels == last)
        let block6 = spec.layers.first { $0.name == "block6.pw" }
        #expect(block6?.outputChannels == Int(512 * alpha))
    }

    @Test("the full-convolution variant has one 3x3 convolution per block")
    func fullConvolutionVariant() throws {
        let spec = try MobileNetSpec(alpha: 1, resolution: 224, outputs: 1000, variant: .fullConvolution)
        #expect(spec.layers.count == 1 + 13 + 2)
        #expect(spec.layers.allSatisfy { $0.kind != .depthwise && $0.kind != .pointwise })
        let block2 = spec.layers[2]
        #expect(block2.name == "block2.conv")
        #expect(block2.kind == .convolution)
        #expect(block2.kernel == 3 && block2.stride == 2)
        #expect(block2.inputChannels == 64 && block2.outputChannels == 128)
        #expect(block2.inputHeight == 112 && block2.outputHeight == 56)
        #expect(spec.layers[13].outputChannels == 1024 && spec.layers[13].outputHeight == 7)
    }

    @Test("the shallow variant drops the five 14x14x512 blocks")
    func shallowVariant() throws {
        let spec = try MobileNetSpec(alpha: 1, resolution: 224, outputs: 1000, variant: .shallow)
        #expect(spec.layers.count == 1 + 16 + 2)
        let pointwise = spec.layers.filter { $0.kind == .pointwise }
        #expect(pointwise.map(\.outputChannels) == [64, 128, 128, 256, 256, 512, 1024, 1024])
        #expect(pointwise.filter { $0.inputChannels == 512 && $0.outputChannels == 512 }.isEmpty)
        #expect(spec.layers.first { $0.name == "block7.dw" }?.stride == 2)
        #expect(spec.layers.first { $0.name == "block7.dw" }?.outputHeight == 7)
        #expect(spec.layers.map(\.name).last == "fc")
    }

    @Test("variants round-trip through their raw values and Codable")
    func variantNames() throws {
        #expect(MobileNetVariant(rawValue: "full-convolution") == .fullConvolution)
        #expect(MobileNetVariant.allCases.map(\.rawValue) == ["separable", "full-convolution", "shallow"])
        let spec = try MobileNetSpec(alpha: 0.25, resolution: 96, outputs: 3, variant: .shallow)
        let encoded = try JSONEncoder().encode(spec)
        #expect(try JSONDecoder().decode(MobileNetSpec.self, from: encoded) == spec)
    }

    @Test(
        "bad values throw invalidArgument naming the value and the range",
        arguments: [
            (1.5, 224, 10, "alpha 1.5 is outside (0, 1] for mobilenet_v1; use a width multiplier such as 1.0, 0.75, 0.5 or 0.25."),
            (0.0, 224, 10, "alpha 0.0 is outside (0, 1] for mobilenet_v1; use a width multiplier such as 1.0, 0.75, 0.5 or 0.25."),
            (-0.5, 224, 10, "alpha -0.5 is outside (0, 1] for mobilenet_v1; use a width multiplier such as 1.0, 0.75, 0.5 or 0.25."),
            (
                0.01, 224, 10,
                "alpha 0.01 leaves the first convolution with 0 channels (Int(32 × alpha)); "
                    + "use an alpha of at least 0.03125 (1/32)."
            ),
            (1.0, 31, 10, "resolution 31 is outside 32...4096; use an input size such as 224, 192, 160 or 128."),
            (1.0, 5000, 10, "resolution 5000 is outside 32...4096; use an input size such as 224, 192, 160 or 128."),
            (
                1.0, 224, 0,
                "outputs 0 is less than 1; the last layer needs at least one class, attribute or embedding value."
            ),
        ])
    func invalidArguments(alpha: Double, resolution: Int, outputs: Int, message: String) {
        #expect(throws: ModelsError(code: .invalidArgument, message: message)) {
            try MobileNetSpec(alpha: alpha, resolution: resolution, outputs: outputs)
        }
    }

    @Test("NaN alpha is rejected")
    func nanAlpha() {
        #expect(throws: ModelsError.self) {
            try MobileNetSpec(alpha: .nan, resolution: 224, outputs: 10)
        }
    }
}
