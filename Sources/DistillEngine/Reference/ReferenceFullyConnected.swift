// Copyright 2026 The Distill authors.
// Plain-Swift twin of FullyConnectedLayer. Layout: input (N, I), weights (O, I), bias (O), output (N, O).

/// Reference fully connected layer with bias.
public struct ReferenceFullyConnected: Sendable {
    /// Input width I.
    public var inputs: Int
    /// Output width O.
    public var outputs: Int

    /// Creates the layer.
    /// - Parameters:
    ///   - inputs: I.
    ///   - outputs: O.
    public init(inputs: Int, outputs: Int) {
        self.inputs = inputs
        self.outputs = outputs
    }

    /// Computes input · weightsᵀ + bias.
    /// - Parameters:
    ///   - input: (N, I).
    ///   - weights: (O, I).
    ///   - bias: (O).
    ///   - batch: N.
    /// - Returns: (N, O).
    public func forward(input: [Float], weights: [Float], bias: [Float], batch: Int) -> [Float] {
        var output = [Float](repeating: 0, count: batch * outputs)
        for n in 0..<batch {
            for o in 0..<outputs {
                var sum = bias[o]
                for i in 0..<inputs { sum += input[n * inputs + i] * weights[o * inputs + i] }
                output[n * outputs + o] = sum
            }
        }
        return output
    }

    /// Back-propagates.
    /// - Parameters:
    ///   - outputGradient: dLoss/dOutput (N, O).
    ///   - input: The forward input (N, I).
    ///   - weights: (O, I).
    ///   - weightGradient: (O, I); dLoss/dWeights is added.
    ///   - biasGradient: (O); dLoss/dBias is added.
    ///   - batch: N.
    /// - Returns: dLoss/dInput (N, I).
    public func backward(
        outputGradient: [Float], input: [Float], weights: [Float], weightGradient: inout [Float],
        biasGradient: inout [Float], batch: Int
    ) -> [Float] {
        var inputGradient = [Float](repeating: 0, count: batch * inputs)
        for n in 0..<batch {
            for o in 0..<outputs {
                let dy = outputGradient[n * outputs + o]
                biasGradient[o] += dy
                for i in 0..<inputs {
                    inputGradient[n * inputs + i] += dy * weights[o * inputs + i]
                    weightGradient[o * inputs + i] += dy * input[n * inputs + i]
                }
            }
        }
        return inputGradient
    }
}
