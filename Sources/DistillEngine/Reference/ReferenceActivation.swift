// Copyright 2026 The Distill authors.
// Plain-Swift twin of ActivationLayer (and of the ReLU fused into BatchNormLayer); any layout.

/// Reference ReLU / ReLU6 / h-swish.
public struct ReferenceActivation: Sendable {
    /// The function.
    public var activation: Activation

    /// Creates the layer.
    /// - Parameter activation: ReLU, ReLU6 or h-swish.
    public init(activation: Activation) { self.activation = activation }

    /// Applies the activation element-wise.
    /// - Parameter input: Any shape.
    /// - Returns: Same shape.
    public func forward(input: [Float]) -> [Float] { input.map { activation.apply($0) } }

    /// Back-propagates.
    /// - Parameters:
    ///   - outputGradient: dLoss/dOutput, same shape as `input`.
    ///   - input: The forward input.
    /// - Returns: dLoss/dInput.
    public func backward(outputGradient: [Float], input: [Float]) -> [Float] {
        zip(outputGradient, input).map { $0 * activation.derivative($1) }
    }
}
