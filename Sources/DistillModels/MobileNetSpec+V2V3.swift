// Copyright 2026 The Distill authors.
//
// MobileNet V2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks", arXiv 1801.04381,
// Table 2) and V3 (Howard et al., "Searching for MobileNetV3", arXiv 1905.02244, Tables 1 and 2) as layer
// lists. An inverted residual block is: 1x1 expansion (BN, activation; absent when the expansion equals the
// input) → k×k depthwise with the block's stride (BN, activation) → squeeze-and-excitation (V3, where the
// table marks it) → linear 1x1 projection (BN, no activation), plus the block's input when the stride is 1
// and the channels match.
//
// Channel rounding follows the papers' reference implementations (TensorFlow's slim models, torchvision):
// every width c becomes c·α rounded to the nearest multiple of 8, at least 8 and never below 90% of c·α; an
// expansion layer has round(t · input channels) channels (V2) or the table's expansion size rounded the same
// way (V3); a squeeze-and-excitation layer squeezes to (expanded / 4) rounded the same way. V2's 1280-wide
// last convolution keeps 1280 for α ≤ 1; V3's hidden fully connected layer (1280 for Large, 1024 for Small)
// scales with α. V3-Small's Table 2 marks squeeze-and-excitation on the last 1x1 convolution too; the
// reference implementations (and the 2.5 M parameters of the paper's Table 3) have none there, and neither
// do we.

import DistillEngine

extension MobileNetSpec {
    /// `value` rounded to the nearest multiple of `divisor` (at least `divisor`), raised by one step when that
    /// loses more than 10%: the papers' `_make_divisible`.
    ///
    /// - Parameters:
    ///   - value: The exact width, such as 32 · α.
    ///   - divisor: 8 for every MobileNet V2 and V3 width.
    /// - Returns: The rounded width.
    public static func divisible(_ value: Double, by divisor: Int = 8) -> Int {
        let rounded = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
        return Double(rounded) < 0.9 * value ? rounded + divisor : rounded
    }

    /// V2's body: (expansion t, output channels c, repeats n, first stride s) per row of Table 2.
    static let v2Bottlenecks: [(expansion: Int, channels: Int, repeats: Int, stride: Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    /// One V3 bottleneck row: kernel, expansion size, output channels, squeeze-and-excitation, h-swish, stride.
    struct V3Bottleneck {
        var kernel: Int
        var expansion: Int
        var channels: Int
        var squeezeExcite: Bool
        var hardSwish: Bool
        var stride: Int

        init(_ kernel: Int, _ expansion: Int, _ channels: Int, _ squeezeExcite: Bool, _ hardSwish: Bool, _ stride: Int) {
            self.kernel = kernel
            self.expansion = expansion
            self.channels = channels
            self.squeezeExcite = squeezeExcite
            self.hardSwish = hardSwish
            self.stride = stride
        }
    }

    /// Table 1 (V3-Large) between the first convolution and the last 1x1 convolution.
    static let v3LargeBottlenecks: [V3Bottleneck] = [
        .init(3, 16, 16, false, false, 1), .init(3, 64, 24, false, false, 2), .init(3, 72, 24, false, false, 1),
        .init(5, 72, 40, true, false, 2), .init(5, 120, 40, true, false, 1), .init(5, 120, 40, true, false, 1),
        .init(3, 240, 80, false, true, 2), .init(3, 200, 80, false, true, 1), .init(3, 184, 80, false, true, 1),
        .init(3, 184, 80, false, true, 1), .init(3, 480, 112, true, true, 1), .init(3, 672, 112, true, true, 1),
        .init(5, 672, 160, true, true, 2), .init(5, 960, 160, true, true, 1), .init(5, 960, 160, true, true, 1),
    ]

    /// Table 2 (V3-Small) between the first convolution and the last 1x1 convolution.
    static let v3SmallBottlenecks: [V3Bottleneck] = [
        .init(3, 16, 16, true, false, 2), .init(3, 72, 24, false, false, 2), .init(3, 88, 24, false, false, 1),
        .init(5, 96, 40, true, true, 2), .init(5, 240, 40, true, true, 1), .init(5, 240, 40, true, true, 1),
        .init(5, 120, 48, true, true, 1), .init(5, 144, 48, true, true, 1), .init(5, 288, 96, true, true, 2),
        .init(5, 576, 96, true, true, 1), .init(5, 576, 96, true, true, 1),
    ]

    /// Appends one inverted residual block and returns its output channels and size.
    private static func appendBlock(
        to layers: inout [LayerSpec], number: Int, input: Int, expanded: Int, output: Int, kernel: Int, stride: Int,
        size: Int, activation: Activation, squeeze: Int?
    ) -> (channels: Int, size: Int) {
        let first = layers.count
        if expanded != input {
            layers.append(
                LayerSpec.spatial(
                    name: "block\(number).expand", kind: .pointwise, stride: 1, inputChannels: input,
                    outputChannels: expanded, inputSize: size, activation: .fixed(activation)))
        }
        let depthwise = LayerSpec.spatial(
            name: "block\(number).dw", kind: .depthwise, stride: stride, inputChannels: expanded,
            outputChannels: expanded, inputSize: size, kernel: kernel, activation: .fixed(activation))
        layers.append(depthwise)
        let outputSize = depthwise.outputHeight
        if let squeeze {
            layers.append(
                LayerSpec.squeezeExcite(
                    name: "block\(number).se", channels: expanded, squeeze: squeeze, size: outputSize))
        }
        var projection = LayerSpec.spatial(
            name: "block\(number).project", kind: .pointwise, stride: 1, inputChannels: expanded,
            outputChannels: output, inputSize: outputSize, activation: .none)
        if stride == 1, input == output {
            layers[first].startsBlock = true
            projection.addsResidual = true
        }
        layers.append(projection)
        return (output, outputSize)
    }

    static func buildV2(alpha: Double, resolution: Int, outputs: Int) -> [LayerSpec] {
        var channels = divisible(32 * alpha)
        let first = LayerSpec.spatial(
            name: "conv1", kind: .convolution, stride: 2, inputChannels: inputChannels, outputChannels: channels,
            inputSize: resolution, activation: .fixed(.relu6))
        var layers = [first]
        var size = first.outputHeight
        var number = 0
        for row in v2Bottlenecks {
            let output = divisible(Double(row.channels) * alpha)
            for repeatIndex in 0..<row.repeats {
                number += 1
                (channels, size) = appendBlock(
                    to: &layers, number: number, input: channels,
                    expanded: Int((Double(channels * row.expansion)).rounded()), output: output, kernel: 3,
                    stride: repeatIndex == 0 ? row.stride : 1, size: size, activation: .relu6, squeeze: nil)
            }
        }
        let last = divisible(1280 * max(1, alpha))
        layers.append(
            LayerSpec.spatial(
                name: "conv_last", kind: .pointwise, stride: 1, inputChannels: channels, outputChannels: last,
                inputSize: size, activation: .fixed(.relu6)))
        layers.append(LayerSpec.pool(channels: last, size: size))
        layers.append(LayerSpec.dense(name: "fc", inputs: last, outputs: outputs))
        return layers
    }

    static func buildV3(large: Bool, alpha: Double, resolution: Int, outputs: Int) -> [LayerSpec] {
        let rows = large ? v3LargeBottlenecks : v3SmallBottlenecks
        var channels = divisible(16 * alpha)
        let first = LayerSpec.spatial(
            name: "conv1", kind: .convolution, stride: 2, inputChannels: inputChannels, outputChannels: channels,
            inputSize: resolution, activation: .fixed(.hardSwish))
        var layers = [first]
        var size = first.outputHeight
        for (index, row) in rows.enumerated() {
            let expanded = divisible(Double(row.expansion) * alpha)
            (channels, size) = appendBlock(
                to: &layers, number: index + 1, input: channels, expanded: expanded,
                output: divisible(Double(row.channels) * alpha), kernel: row.kernel, stride: row.stride, size: size,
                activation: row.hardSwish ? .hardSwish : .relu,
                squeeze: row.squeezeExcite ? divisible(Double(expanded / 4)) : nil)
        }
        let last = 6 * channels
        layers.append(
            LayerSpec.spatial(
                name: "conv_last", kind: .pointwise, stride: 1, inputChannels: channels, outputChannels: last,
                inputSize: size, activation: .fixed(.hardSwish)))
        layers.append(LayerSpec.pool(channels: last, size: size))
        let hidden = divisible(Double(large ? 1280 : 1024) * alpha)
        layers.append(LayerSpec.dense(name: "fc1", inputs: last, outputs: hidden, activation: .fixed(.hardSwish)))
        layers.append(LayerSpec.dense(name: "fc", inputs: hidden, outputs: outputs))
        return layers
    }
}
