// Copyright 2026 The Distill authors.
//
// The layer-by-layer description of a MobileNet V1 (Howard et al., "MobileNets: Efficient Convolutional
// Neural Networks for Mobile Vision Applications", arXiv 1704.04861, Table 1) for a width multiplier α, an
// input resolution and an output width. The engine builds its network from it and the cost model counts
// it. Spatial sizes: a 3x3 layer with stride s and padding 1 maps an input side `in` to `(in − 1) / s + 1`.

/// Which MobileNet body to build.
public enum MobileNetVariant: String, Sendable, CaseIterable, Codable {
    /// The paper's Table 1: a 3x3 convolution, 13 depthwise separable blocks, average pool, fully connected.
    case separable
    /// Table 4's "Conv MobileNet": every depthwise + pointwise pair replaced by one full 3x3 convolution
    /// with the depthwise layer's stride and the pointwise layer's output channels.
    case fullConvolution = "full-convolution"
    /// Table 5's "Shallow MobileNet": Table 1 without the five stride-1 separable blocks at 14x14x512.
    case shallow
}

/// One layer of a MobileNet: its kind, kernel, stride and input/output shapes (per image).
///
/// Convolution, depthwise and pointwise layers are followed by batch norm and ReLU; the fully connected
/// layer has a bias and no batch norm. 3x3 layers use padding 1.
public struct LayerSpec: Sendable, Equatable, Codable {
    /// The kind of computation a layer does.
    public enum Kind: String, Sendable, Codable {
        /// A full k×k convolution (every output channel sees every input channel).
        case convolution
        /// A depthwise k×k convolution (one filter per channel; input channels = output channels).
        case depthwise
        /// A 1x1 convolution.
        case pointwise
        /// Global average pooling over the whole feature map.
        case averagePool
        /// A fully connected layer (with bias).
        case fullyConnected
    }

    /// The layer's name.
    ///
    /// "conv1", "block1.dw", "block1.pw" (or "block1.conv" in the full-convolution variant), …, "pool",
    /// "fc". Blocks are numbered consecutively from 1 in every variant.
    public var name: String
    /// The kind of computation.
    public var kind: Kind
    /// The kernel side: 3 for convolution and depthwise, 1 for pointwise and fully connected, the input
    /// height for the global pool.
    public var kernel: Int
    /// The stride, 1 or 2 (1 for pointwise, pool and fully connected layers).
    public var stride: Int
    /// Channels in (features in, for the fully connected layer).
    public var inputChannels: Int
    /// Channels out (features out, for the fully connected layer).
    public var outputChannels: Int
    /// Input height (1 for the fully connected layer).
    public var inputHeight: Int
    /// Input width (1 for the fully connected layer).
    public var inputWidth: Int
    /// Output height.
    public var outputHeight: Int
    /// Output width.
    public var outputWidth: Int
    /// Whether batch norm (and ReLU) follows: true for convolution, depthwise and pointwise layers.
    public var hasBatchNorm: Bool

    /// Creates a layer description from all its fields.
    ///
    /// - Parameters:
    ///   - name: The layer's name.
    ///   - kind: The kind of computation.
    ///   - kernel: The kernel side.
    ///   - stride: The stride.
    ///   - inputChannels: Channels (or features) in.
    ///   - outputChannels: Channels (or features) out.
    ///   - inputHeight: Input height.
    ///   - inputWidth: Input width.
    ///   - outputHeight: Output height.
    ///   - outputWidth: Output width.
    ///   - hasBatchNorm: Whether batch norm and ReLU follow.
    public init(
        name: String, kind: Kind, kernel: Int, stride: Int, inputChannels: Int, outputChannels: Int,
        inputHeight: Int, inputWidth: Int, outputHeight: Int, outputWidth: Int, hasBatchNorm: Bool
    ) {
        self.name = name
        self.kind = kind
        self.kernel = kernel
        self.stride = stride
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        self.hasBatchNorm = hasBatchNorm
    }

    /// A 3x3 (or 1x1) layer with padding `kernel / 2`, its output size derived from the input size.
    ///
    /// - Parameters:
    ///   - name: The layer's name.
    ///   - kind: `.convolution`, `.depthwise` or `.pointwise`.
    ///   - stride: The stride.
    ///   - inputChannels: Channels in.
    ///   - outputChannels: Channels out (must equal `inputChannels` for depthwise layers).
    ///   - inputSize: Input height = width.
    /// - Returns: The layer, followed by batch norm.
    public static func spatial(
        name: String, kind: Kind, stride: Int, inputChannels: Int, outputChannels: Int, inputSize: Int
    ) -> LayerSpec {
        let kernel = kind == .pointwise ? 1 : 3
        let output = (inputSize - 1) / stride + 1
        return LayerSpec(
            name: name, kind: kind, kernel: kernel, stride: stride, inputChannels: inputChannels,
            outputChannels: outputChannels, inputHeight: inputSize, inputWidth: inputSize, outputHeight: output,
            outputWidth: output, hasBatchNorm: true)
    }
}

/// A whole MobileNet V1: width multiplier α, input resolution, output width, variant and its layers.
public struct MobileNetSpec: Sendable, Equatable, Codable {
    /// The width multiplier α in (0, 1]; every channel count c becomes `Int(Double(c) * alpha)`.
    public var alpha: Double
    /// The input height = width in pixels (the paper's resolution multiplier ρ is `resolution / 224`).
    public var resolution: Int
    /// The width of the last layer: classes, attributes or embedding size.
    public var outputs: Int
    /// Which body the layers follow.
    public var variant: MobileNetVariant
    /// The layers in order, input → fully connected.
    public var layers: [LayerSpec]

    /// The smallest accepted input resolution (the body downsamples by 32).
    public static let minimumResolution = 32
    /// The largest accepted input resolution.
    public static let maximumResolution = 4096
    /// The input image's channels (RGB).
    public static let inputChannels = 3

    /// Table 1's body after the first convolution: (depthwise stride, pointwise output channels) per block.
    public static let separableBlocks: [(stride: Int, outputChannels: Int)] = [
        (1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512),
        (1, 512), (1, 512), (1, 512), (1, 512), (1, 512),
        (2, 1024), (1, 1024),
    ]
    /// The indices (0-based) in `separableBlocks` of the five 14x14x512 blocks the shallow variant drops.
    public static let shallowDroppedBlocks = 6...10
    /// The first convolution's output channels before the width multiplier.
    public static let firstConvolutionChannels = 32

    /// Builds the layer list for a width multiplier, resolution, output width and variant.
    ///
    /// - Parameters:
    ///   - alpha: The width multiplier, in (0, 1] and at least 1/32 so that every layer keeps a channel.
    ///   - resolution: The input height = width, from 32 to 4096.
    ///   - outputs: The width of the last layer, at least 1.
    ///   - variant: Which body to build; `.separable` is the paper's Table 1.
    /// - Throws: `ModelsError` with code `.invalidArgument` naming the bad value and the allowed range.
    public init(alpha: Double, resolution: Int, outputs: Int, variant: MobileNetVariant = .separable) throws {
        guard alpha > 0, alpha <= 1 else {
            throw ModelsError(
                code: .invalidArgument,
                message: "alpha \(alpha) is outside (0, 1]; use a width multiplier such as 1.0, 0.75, 0.5 or 0.25.")
        }
        guard Self.channels(Self.firstConvolutionChannels, alpha: alpha) >= 1 else {
            throw ModelsError(
                code: .invalidArgument,
                message: "alpha \(alpha) leaves the first convolution with 0 channels "
                    + "(Int(32 × alpha)); use an alpha of at least 0.03125 (1/32).")
        }
        guard resolution >= Self.minimumResolution, resolution <= Self.maximumResolution else {
            throw ModelsError(
                code: .invalidArgument,
                message: "resolution \(resolution) is outside \(Self.minimumResolution)...\(Self.maximumResolution); "
                    + "use an input size such as 224, 192, 160 or 128.")
        }
        guard outputs >= 1 else {
            throw ModelsError(
                code: .invalidArgument,
                message: "outputs \(outputs) is less than 1; the last layer needs at least one class, attribute "
                    + "or embedding value.")
        }
        self.alpha = alpha
        self.resolution = resolution
        self.outputs = outputs
        self.variant = variant
        self.layers = Self.buildLayers(alpha: alpha, resolution: resolution, outputs: outputs, variant: variant)
    }

    /// A channel count after the width multiplier: `Int(Double(channels) * alpha)`.
    ///
    /// - Parameters:
    ///   - channels: The channel count in Table 1.
    ///   - alpha: The width multiplier.
    /// - Returns: The scaled count, rounded towards zero.
    public static func channels(_ channels: Int, alpha: Double) -> Int {
        Int(Double(channels) * alpha)
    }

    // MARK: - Building

    private static func buildLayers(
        alpha: Double, resolution: Int, outputs: Int, variant: MobileNetVariant
    ) -> [LayerSpec] {
        var layers: [LayerSpec] = []
        var channels = Self.channels(firstConvolutionChannels, alpha: alpha)
        let first = LayerSpec.spatial(
            name: "conv1", kind: .convolution, stride: 2, inputChannels: inputChannels, outputChannels: channels,
            inputSize: resolution)
        layers.append(first)
        var size = first.outputHeight

        var blockNumber = 0
        for (index, block) in separableBlocks.enumerated() {
            if variant == .shallow, shallowDroppedBlocks.contains(index) { continue }
            blockNumber += 1
            let outputChannels = Self.channels(block.outputChannels, alpha: alpha)
            switch variant {
            case .separable, .shallow:
                let depthwise = LayerSpec.spatial(
                    name: "block\(blockNumber).dw", kind: .depthwise, stride: block.stride, inputChannels: channels,
                    outputChannels: channels, inputSize: size)
                let pointwise = LayerSpec.spatial(
                    name: "block\(blockNumber).pw", kind: .pointwise, stride: 1, inputChannels: channels,
                    outputChannels: outputChannels, inputSize: depthwise.outputHeight)
                layers.append(depthwise)
                layers.append(pointwise)
                size = pointwise.outputHeight
            case .fullConvolution:
                let convolution = LayerSpec.spatial(
                    name: "block\(blockNumber).conv", kind: .convolution, stride: block.stride,
                    inputChannels: channels, outputChannels: outputChannels, inputSize: size)
                layers.append(convolution)
                size = convolution.outputHeight
            }
            channels = outputChannels
        }

        layers.append(
            LayerSpec(
                name: "pool", kind: .averagePool, kernel: size, stride: 1, inputChannels: channels,
                outputChannels: channels, inputHeight: size, inputWidth: size, outputHeight: 1, outputWidth: 1,
                hasBatchNorm: false))
        layers.append(
            LayerSpec(
                name: "fc", kind: .fullyConnected, kernel: 1, stride: 1, inputChannels: channels,
                outputChannels: outputs, inputHeight: 1, inputWidth: 1, outputHeight: 1, outputWidth: 1,
                hasBatchNorm: false))
        return layers
    }
}
