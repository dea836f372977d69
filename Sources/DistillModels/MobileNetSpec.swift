// Copyright 2026 The Distill authors.
//
// The layer-by-layer description of a MobileNet for a width multiplier α, an input resolution and an
// output width: V1 (Howard et al., "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision
// Applications", arXiv 1704.04861, Table 1) here, V2 and V3 in MobileNetSpec+V2V3.swift. The engine builds
// its network from it and the cost model counts it. Spatial sizes: a k×k layer (k odd) with stride s and
// padding k/2 maps an input side `in` to `(in − 1) / s + 1`.
//
// The list is sequential; V2's and V3's inverted residual blocks add two marks to it: the block's first
// layer has `startsBlock`, and its projection has `addsResidual` (its batch-norm output plus the block's
// input). Squeeze-and-excitation is one layer of its own kind, between the depthwise and the projection.

import DistillEngine

/// The MobileNet family a network belongs to.
public enum MobileNetArchitecture: String, Sendable, CaseIterable, Codable {
    /// Howard et al. 2017: depthwise separable convolutions.
    case v1 = "mobilenet_v1"
    /// Sandler et al. 2018: inverted residuals with linear bottlenecks, ReLU6.
    case v2 = "mobilenet_v2"
    /// Howard et al. 2019, Table 1: V2's blocks with squeeze-and-excitation and h-swish, 5x5 depthwise layers.
    case v3Large = "mobilenet_v3_large"
    /// Howard et al. 2019, Table 2.
    case v3Small = "mobilenet_v3_small"

    /// "V1", "V2", "V3-Large", "V3-Small".
    public var shortName: String {
        switch self {
        case .v1: "V1"
        case .v2: "V2"
        case .v3Large: "V3-Large"
        case .v3Small: "V3-Small"
        }
    }

    /// The accepted names, for error messages.
    public static var namesList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// Where a layer's nonlinearity comes from.
public enum LayerActivation: Sendable, Equatable, Codable {
    /// The network's option (`MobileNetOptions.activation`): V1's ReLU or ReLU6 after every batch norm.
    case network
    /// None: V2's and V3's linear projections, every network's last layer.
    case none
    /// Fixed by the architecture (V2's ReLU6, V3's ReLU or h-swish).
    case fixed(Activation)
}

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
/// Convolution, depthwise and pointwise layers are followed by batch norm and (unless ``activation`` is
/// `.none`) an activation; fully connected layers have a bias and no batch norm. k×k layers use padding k/2.
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
        /// Squeeze-and-excitation: global average pool → 1x1 (with bias) to ``LayerSpec/squeezeChannels``
        /// → ReLU → 1x1 (with bias) back to the channels → hard-sigmoid, which scales each channel of the input.
        case squeezeExcite
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
    /// Whether batch norm follows: true for convolution, depthwise and pointwise layers.
    public var hasBatchNorm: Bool
    /// The nonlinearity after the batch norm (or after a fully connected layer).
    public var activation: LayerActivation = .network
    /// Whether this layer's input is the input of an inverted residual block (V2, V3).
    public var startsBlock = false
    /// Whether the block's input is added to this layer's batch-norm output (V2's and V3's residuals).
    public var addsResidual = false
    /// The squeeze width of a squeeze-and-excitation layer (0 for other kinds).
    public var squeezeChannels = 0

    /// The activation this layer applies, for a network whose option is `networkActivation`.
    ///
    /// - Parameter networkActivation: `MobileNetOptions.activation`.
    /// - Returns: `nil` when the layer has none.
    public func activation(network networkActivation: Activation) -> Activation? {
        switch activation {
        case .network: hasBatchNorm ? networkActivation : nil
        case .none: nil
        case .fixed(let fixed): fixed
        }
    }

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
    ///   - kernel: The kernel side (odd); 3 for convolution and depthwise, 1 for pointwise if `nil`.
    ///   - activation: The nonlinearity after the batch norm.
    public static func spatial(
        name: String, kind: Kind, stride: Int, inputChannels: Int, outputChannels: Int, inputSize: Int,
        kernel: Int? = nil, activation: LayerActivation = .network
    ) -> LayerSpec {
        let kernel = kernel ?? (kind == .pointwise ? 1 : 3)
        let output = (inputSize - 1) / stride + 1
        var layer = LayerSpec(
            name: name, kind: kind, kernel: kernel, stride: stride, inputChannels: inputChannels,
            outputChannels: outputChannels, inputHeight: inputSize, inputWidth: inputSize, outputHeight: output,
            outputWidth: output, hasBatchNorm: true)
        layer.activation = activation
        return layer
    }

    /// The global average pool over a `size`×`size` map of `channels`.
    static func pool(channels: Int, size: Int) -> LayerSpec {
        LayerSpec(
            name: "pool", kind: .averagePool, kernel: size, stride: 1, inputChannels: channels,
            outputChannels: channels, inputHeight: size, inputWidth: size, outputHeight: 1, outputWidth: 1,
            hasBatchNorm: false)
    }

    /// A fully connected layer with bias.
    static func dense(name: String, inputs: Int, outputs: Int, activation: LayerActivation = .none) -> LayerSpec {
        var layer = LayerSpec(
            name: name, kind: .fullyConnected, kernel: 1, stride: 1, inputChannels: inputs, outputChannels: outputs,
            inputHeight: 1, inputWidth: 1, outputHeight: 1, outputWidth: 1, hasBatchNorm: false)
        layer.activation = activation
        return layer
    }

    /// A squeeze-and-excitation layer on a `size`×`size` map of `channels`.
    static func squeezeExcite(name: String, channels: Int, squeeze: Int, size: Int) -> LayerSpec {
        var layer = LayerSpec(
            name: name, kind: .squeezeExcite, kernel: 1, stride: 1, inputChannels: channels,
            outputChannels: channels, inputHeight: size, inputWidth: size, outputHeight: size, outputWidth: size,
            hasBatchNorm: false)
        layer.squeezeChannels = squeeze
        return layer
    }
}

/// A whole MobileNet: architecture, width multiplier α, input resolution, output width, variant and its layers.
public struct MobileNetSpec: Sendable, Equatable, Codable {
    /// The family: V1, V2, V3-Large or V3-Small.
    public var architecture: MobileNetArchitecture
    /// The width multiplier α: in (0, 1] for V1, where every channel count c becomes `Int(Double(c) * alpha)`;
    /// in (0, 2] for V2 and V3, where it becomes c·α rounded to a multiple of 8 (never below 90% of c·α).
    public var alpha: Double
    /// The input height = width in pixels (the paper's resolution multiplier ρ is `resolution / 224`).
    public var resolution: Int
    /// The width of the last layer: classes, attributes or embedding size.
    public var outputs: Int
    /// Which V1 body the layers follow (always `.separable` for V2 and V3).
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
    ///   - architecture: The family; V1 by default.
    public init(
        alpha: Double, resolution: Int, outputs: Int, variant: MobileNetVariant = .separable,
        architecture: MobileNetArchitecture = .v1
    ) throws {
        let largest = architecture == .v1 ? 1.0 : 2.0
        guard alpha > 0, alpha <= largest else {
            throw ModelsError(
                code: .invalidArgument,
                message: "alpha \(alpha) is outside (0, \(Int(largest))] for \(architecture.rawValue); use a width "
                    + "multiplier such as 1.0, 0.75, 0.5 or 0.25.")
        }
        guard architecture == .v1 || variant == .separable else {
            throw ModelsError(
                code: .invalidArgument,
                message: "variant \(variant.rawValue) exists only for mobilenet_v1 (the paper's Tables 4 and 5); "
                    + "use the separable variant for \(architecture.rawValue).")
        }
        guard architecture != .v1 || Self.channels(Self.firstConvolutionChannels, alpha: alpha) >= 1 else {
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
        self.architecture = architecture
        self.alpha = alpha
        self.resolution = resolution
        self.outputs = outputs
        self.variant = variant
        switch architecture {
        case .v1:
            self.layers = Self.buildLayers(alpha: alpha, resolution: resolution, outputs: outputs, variant: variant)
        case .v2:
            self.layers = Self.buildV2(alpha: alpha, resolution: resolution, outputs: outputs)
        case .v3Large, .v3Small:
            self.layers = Self.buildV3(
                large: architecture == .v3Large, alpha: alpha, resolution: resolution, outputs: outputs)
        }
    }

    /// A short label: "α0.25/128" for V1, "V2 α0.5/160" for the others.
    public var label: String {
        let size = "α\(alpha)/\(resolution)"
        return architecture == .v1 ? size : "\(architecture.shortName) \(size)"
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

        layers.append(LayerSpec.pool(channels: channels, size: size))
        layers.append(LayerSpec.dense(name: "fc", inputs: channels, outputs: outputs))
        return layers
    }
}
