// Copyright 2026 The Distill authors.
// Loading a trained network's weights and batch-norm statistics from a training checkpoint (tensor names as
// MobileNetTrainer+Checkpoint.swift writes them), without the optimizer state: for evaluation and export.

import DistillEngine

extension MobileNet {
    /// Copies every parameter and running statistic from a checkpoint of the same architecture.
    /// - Parameter checkpoint: A training checkpoint of this spec.
    /// - Throws: ``EngineError`` (`shapeMismatch`) naming the first missing or differently sized tensor; the
    ///   network is unchanged then.
    public func load(_ checkpoint: Checkpoint) throws {
        func tensor(_ name: String, count: Int) throws -> [Float] {
            guard let tensor = checkpoint.tensors[name] else {
                throw EngineError(
                    .shapeMismatch, "Checkpoint has no tensor \(name); it was written for another network.")
            }
            guard tensor.values.count == count else {
                throw EngineError(
                    .shapeMismatch,
                    "Checkpoint tensor \(name) holds \(tensor.values.count) values but α\(spec.alpha)/"
                        + "\(spec.resolution) with \(spec.outputs) outputs needs \(count).")
            }
            return tensor.values
        }
        var parameterValues = [Float](repeating: 0, count: layout.parameterCount)
        for parameter in layout.parameters {
            let values = try tensor(parameter.name, count: parameter.count)
            parameterValues.replaceSubrange(parameter.offset..<(parameter.offset + parameter.count), with: values)
        }
        var statisticsValues = [Float](repeating: 0, count: layout.statisticsCount)
        for entry in layout.statistics {
            let mean = try tensor("\(entry.layer).running_mean", count: entry.channels)
            let variance = try tensor("\(entry.layer).running_variance", count: entry.channels)
            statisticsValues.replaceSubrange(entry.offset..<(entry.offset + entry.channels), with: mean)
            statisticsValues.replaceSubrange(
                (entry.offset + entry.channels)..<(entry.offset + 2 * entry.channels), with: variance)
        }
        parameters.withMutableFloats { _ = $0.update(fromContentsOf: parameterValues) }
        statistics.withMutableFloats { _ = $0.update(fromContentsOf: statisticsValues) }
    }
}
