// Copyright 2026 The Distill authors.
// Copies between plain row-major arrays (NCHW, NC, …) and memories in any layout, via reorders.
// `write` and `read` are for tests, inputs and results (the training loop uses memories directly);
// `load(planar:images:)` fills an inference pass's input on every pass, without a oneDNN primitive.

import CDistillKernels

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

    /// Fills the first `images` images of this (N, C, H, W) activation from plain NCHW floats: a copy when the
    /// memory is NCHW, one interleaving pass on oneDNN's threads (`ComputeContext.threadCount` of the calling
    /// thread) when it is channels-last (NHWC).
    /// - Parameters:
    ///   - source: `images` · C · H · W floats, (images, C, H, W) row-major.
    ///   - images: Images to fill, 0 to N; the others keep what they held.
    /// - Throws: ``EngineError`` for another layout or too many images.
    public func load(planar source: UnsafePointer<Float>, images: Int) throws {
        let dimensions = descriptor.dimensions
        guard dimensions.count == 4, images >= 0, images <= dimensions[0] else {
            throw EngineError(
                .invalidArgument,
                "Loading \(images) images into a memory of shape \(dimensions); it holds up to "
                    + "\(dimensions.first ?? 0) images of (C, H, W).")
        }
        let channels = dimensions[1]
        let positions = dimensions[2] * dimensions[3]
        let loading: PlanarLoading
        if let known = planarLoading {
            loading = known
        } else {
            loading =
                descriptor.sameLayout(as: try MemoryDescriptor.plain(dimensions))
                ? .copy
                : descriptor.sameLayout(as: try MemoryDescriptor.channelsLast(dimensions)) ? .interleave : .unsupported
            planarLoading = loading
        }
        switch loading {
        case .copy:
            withFloats { target in target.baseAddress?.update(from: source, count: images * channels * positions) }
        case .interleave:
            withFloats { target in
                guard let target = target.baseAddress else { return }
                ParallelRegion.run { thread, threads in
                    let share = ParallelRegion.share(of: positions, thread: thread, threads: threads)
                    distill_planar_to_interleaved(
                        source, target, images, channels, positions, share.lowerBound, share.upperBound)
                }
            }
        case .unsupported:
            throw EngineError(
                .invalidArgument,
                "Planar images can be loaded only into an NCHW or NHWC memory; reorder into other layouts.")
        }
    }
}

/// How ``Memory/load(planar:images:)`` fills a memory of a given layout.
enum PlanarLoading {
    /// NCHW: the images are copied as they are.
    case copy
    /// NHWC: each image's channels are interleaved.
    case interleave
    /// Any other layout.
    case unsupported
}
