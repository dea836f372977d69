// Copyright 2026 The Distill authors.

/// Hyperparameters of a 2-D convolution without bias.
///
/// Full (groups 1), depthwise (groups = channels) or pointwise (kernel 1). Weights are
/// (O, I/groups, K, K) row-major, which for depthwise is (C, 1, K, K).
public struct ConvolutionConfiguration: Sendable, Equatable {
    /// Input channels.
    public var inputChannels: Int
    /// Output channels.
    public var outputChannels: Int
    /// Square kernel size.
    public var kernel: Int
    /// Stride in both directions.
    public var stride: Int
    /// Zero padding on every side.
    public var padding: Int
    /// Channel groups: 1 for a full convolution, the channel count for a depthwise one.
    public var groups: Int

    /// Creates a configuration, checking that the numbers fit together.
    /// - Parameters:
    ///   - inputChannels: Input channels (≥ 1, divisible by `groups`).
    ///   - outputChannels: Output channels (≥ 1, divisible by `groups`).
    ///   - kernel: Square kernel size (≥ 1).
    ///   - stride: Stride (≥ 1).
    ///   - padding: Zero padding per side (≥ 0).
    ///   - groups: Channel groups (≥ 1).
    /// - Throws: ``EngineError`` with code `.invalidArgument` naming the bad value.
    public init(
        inputChannels: Int, outputChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1
    ) throws {
        guard inputChannels >= 1, outputChannels >= 1, kernel >= 1, stride >= 1, padding >= 0, groups >= 1,
            inputChannels % groups == 0, outputChannels % groups == 0
        else {
            throw EngineError(
                .invalidArgument,
                "Convolution \(inputChannels)→\(outputChannels) kernel \(kernel) stride \(stride) padding \(padding) "
                    + "groups \(groups) is invalid; channels must be positive multiples of groups.")
        }
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.groups = groups
    }

    /// Output size for an input size along one axis.
    /// - Parameter input: Input height or width.
    /// - Returns: `(input + 2·padding − kernel) / stride + 1`.
    public func outputSize(_ input: Int) -> Int { (input + 2 * padding - kernel) / stride + 1 }

    /// Number of weights: O · I/groups · K · K.
    public var weightCount: Int { outputChannels * (inputChannels / groups) * kernel * kernel }

    /// oneDNN's logical weight dimensions: (O, I, K, K) or (G, O/G, I/G, K, K).
    var weightDimensions: [Int] {
        groups == 1
            ? [outputChannels, inputChannels, kernel, kernel]
            : [groups, outputChannels / groups, inputChannels / groups, kernel, kernel]
    }
}
