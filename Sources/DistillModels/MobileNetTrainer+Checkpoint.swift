// Copyright 2026 The Distill authors.
// Saving and restoring a MobileNet training run through the engine's Checkpoint format. Tensor names:
// every parameter by its layout name ("conv1.weights", "block1.dw.scale", …, shapes as laid out),
// "<layer>.running_mean" and "<layer>.running_variance" per batch norm, and "optimizer.state"
// (stateFloatsPerParameter × parameterCount floats, when the optimizer keeps state).

import DistillEngine

extension MobileNetTrainer {
    /// Captures weights, batch-norm running statistics, optimizer state and the step count.
    /// - Parameters:
    ///   - epoch: The current epoch, stored as is.
    ///   - dataPosition: Examples of this epoch already consumed, stored as is.
    ///   - randomState: The data-order generator's state, stored as is.
    ///   - configuration: The run's configuration as JSON, stored as is.
    /// - Returns: A checkpoint ready to write.
    public func checkpoint(
        epoch: Int = 0, dataPosition: Int = 0, randomState: SIMD4<UInt64>? = nil, configuration: String = "{}"
    ) -> Checkpoint {
        let layout = network.layout
        let values = network.parameters.array
        let statistics = network.statistics.array
        var tensors: [String: Checkpoint.Tensor] = [:]
        for parameter in layout.parameters {
            tensors[parameter.name] = Checkpoint.Tensor(
                shape: parameter.shape, values: Array(values[parameter.offset..<(parameter.offset + parameter.count)]))
        }
        for entry in layout.statistics {
            let mean = entry.offset..<(entry.offset + entry.channels)
            let variance = (entry.offset + entry.channels)..<(entry.offset + 2 * entry.channels)
            tensors["\(entry.layer).running_mean"] = Checkpoint.Tensor(Array(statistics[mean]))
            tensors["\(entry.layer).running_variance"] = Checkpoint.Tensor(Array(statistics[variance]))
        }
        if optimizer.stateFloatsPerParameter > 0 {
            tensors["optimizer.state"] = Checkpoint.Tensor(state.array)
        }
        return Checkpoint(
            step: step, epoch: epoch, dataPosition: dataPosition, randomState: randomState,
            configuration: configuration, tensors: tensors)
    }

    /// Restores weights, statistics, optimizer state and step from a checkpoint of the same network.
    /// - Parameter checkpoint: A checkpoint made by ``checkpoint(epoch:dataPosition:randomState:configuration:)``
    ///   for the same spec and optimizer.
    /// - Throws: ``EngineError`` (`shapeMismatch`) naming the first missing or differently sized tensor.
    public func restore(from checkpoint: Checkpoint) throws {
        let layout = network.layout
        func tensor(_ name: String, count: Int) throws -> [Float] {
            guard let tensor = checkpoint.tensors[name] else {
                throw EngineError(
                    .shapeMismatch,
                    "Checkpoint has no tensor \(name); it was written for another network or optimizer.")
            }
            guard tensor.values.count == count else {
                throw EngineError(
                    .shapeMismatch,
                    "Checkpoint tensor \(name) holds \(tensor.values.count) values but this network needs \(count); "
                        + "resume with the α, resolution and outputs the run started with.")
            }
            return tensor.values
        }
        // Read everything before writing anything, so a bad checkpoint leaves the trainer untouched.
        var parameterValues: [(MobileNetParameter, [Float])] = []
        for parameter in layout.parameters {
            parameterValues.append((parameter, try tensor(parameter.name, count: parameter.count)))
        }
        var statisticsValues: [(Int, [Float])] = []
        for entry in layout.statistics {
            statisticsValues.append((entry.offset, try tensor("\(entry.layer).running_mean", count: entry.channels)))
            statisticsValues.append(
                (entry.offset + entry.channels, try tensor("\(entry.layer).running_variance", count: entry.channels)))
        }
        let stateValues =
            optimizer.stateFloatsPerParameter > 0 ? try tensor("optimizer.state", count: state.count) : nil
        for (parameter, values) in parameterValues {
            network.parameters.withMutableFloats(offset: parameter.offset, count: parameter.count) {
                _ = $0.update(fromContentsOf: values)
            }
        }
        for (offset, values) in statisticsValues {
            network.statistics.withMutableFloats(offset: offset, count: values.count) {
                _ = $0.update(fromContentsOf: values)
            }
        }
        if let stateValues {
            state.withMutableFloats { _ = $0.update(fromContentsOf: stateValues) }
        }
        step = checkpoint.step
    }
}
