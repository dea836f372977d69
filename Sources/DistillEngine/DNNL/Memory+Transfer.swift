// Copyright 2026 The Distill authors.
// Copies between plain row-major arrays (NCHW, NC, …) and memories in any layout, via reorders.
// For tests, inputs and results; the training loop uses memories directly.

extension Memory {
    /// Overwrites the memory with `values` given in plain row-major order of its dimensions.
    /// - Parameters:
    ///   - values: Exactly ``MemoryDescriptor/elementCount`` floats, e.g. (N, C, H, W) row-major.
    ///   - context: The engine the memory belongs to.
    /// - Throws: ``EngineError`` for a wrong count or a oneDNN failure.
    public func write(_ values: [Float], context: ComputeContext) throws {
        let plain = try MemoryDescriptor.plain(descriptor.dimensions)
        guard values.count == plain.elementCount else {
            throw EngineError(
                .invalidArgument,
                "Writing \(values.count) floats into a memory of shape \(descriptor.dimensions) "
                    + "(\(plain.elementCount) floats); pass one value per element.")
        }
        let staging = try Memory(plain, context: context)
        staging.withFloats { target in
            for index in values.indices { target[index] = values[index] }
        }
        let reorder = try Primitive(reorderFrom: plain, to: descriptor, context: context)
        try reorder.execute([(DNNLArgument.from, staging), (DNNLArgument.to, self)])
        try context.wait()
    }

    /// Reads the memory as plain row-major floats of its dimensions.
    /// - Parameter context: The engine the memory belongs to.
    /// - Returns: ``MemoryDescriptor/elementCount`` floats, e.g. (N, C, H, W) row-major.
    /// - Throws: ``EngineError`` if oneDNN fails.
    public func read(context: ComputeContext) throws -> [Float] {
        let plain = try MemoryDescriptor.plain(descriptor.dimensions)
        let staging = try Memory(plain, context: context)
        let reorder = try Primitive(reorderFrom: descriptor, to: plain, context: context)
        try reorder.execute([(DNNLArgument.from, self), (DNNLArgument.to, staging)])
        try context.wait()
        return staging.withFloats { Array($0.prefix(plain.elementCount)) }
    }
}
