// Copyright 2026 The Distill authors.
// Helpers around oneDNN memory descriptors: plain (NCHW, OIHW, …) and `any` layouts.

import CDNNL

/// A oneDNN memory descriptor (dimensions, data type and layout) as a value.
public struct MemoryDescriptor {
    var raw: dnnl_memory_desc_t

    init(raw: dnnl_memory_desc_t) { self.raw = raw }

    /// Creates an f32 descriptor with the given dimensions and format tag.
    /// - Parameters:
    ///   - dimensions: Logical dimensions, outermost first (e.g. N, C, H, W).
    ///   - tag: A oneDNN format tag such as `dnnl_nchw`, or `dnnl_format_tag_any`.
    /// - Throws: ``EngineError`` if oneDNN rejects the combination.
    init(dimensions: [Int], tag: dnnl_format_tag_t, dataType: dnnl_data_type_t = dnnl_f32) throws {
        var raw = dnnl_memory_desc_t()
        let dims = dimensions.map { dnnl_dim_t($0) }
        try dnnlCheck(
            dnnl_memory_desc_init_by_tag(&raw, Int32(dims.count), dims, dataType, tag),
            "dnnl_memory_desc_init_by_tag(\(dimensions))")
        self.raw = raw
    }

    /// The plain row-major layout for these dimensions: `a`, `ab`, `abc`, `abcd` (NCHW/OIHW) or `abcde` (GOIHW).
    /// - Parameter dimensions: 1 to 5 dimensions, outermost first.
    /// - Returns: The descriptor.
    /// - Throws: ``EngineError`` for another number of dimensions.
    public static func plain(_ dimensions: [Int]) throws -> MemoryDescriptor {
        try plain(dimensions, dataType: dnnl_f32)
    }

    /// The plain row-major layout of another element type (`dnnl_s8`, `dnnl_u8`, `dnnl_s32`, …).
    /// - Parameters:
    ///   - dimensions: 1 to 5 dimensions, outermost first.
    ///   - dataType: The element type.
    /// - Returns: The descriptor.
    /// - Throws: ``EngineError`` for another number of dimensions.
    static func plain(_ dimensions: [Int], dataType: dnnl_data_type_t) throws -> MemoryDescriptor {
        let tag: dnnl_format_tag_t
        switch dimensions.count {
        case 1: tag = dnnl_a
        case 2: tag = dnnl_ab
        case 3: tag = dnnl_abc
        case 4: tag = dnnl_abcd
        case 5: tag = dnnl_abcde
        default:
            throw EngineError(.invalidArgument, "No plain layout for \(dimensions.count) dimensions \(dimensions).")
        }
        return try MemoryDescriptor(dimensions: dimensions, tag: tag, dataType: dataType)
    }

    /// An f32 activation descriptor (N, C, H, W) in plain NCHW or in oneDNN's 16-channel blocked
    /// layout nChw16c (channels padded to a multiple of 16).
    /// - Parameters:
    ///   - dimensions: (N, C, H, W).
    ///   - blocked: nChw16c instead of NCHW.
    /// - Returns: The descriptor.
    /// - Throws: ``EngineError`` if the dimensions are not 4-D.
    public static func activation(_ dimensions: [Int], blocked: Bool) throws -> MemoryDescriptor {
        guard dimensions.count == 4 else {
            throw EngineError(.invalidArgument, "An activation needs (N, C, H, W), got \(dimensions).")
        }
        return try MemoryDescriptor(dimensions: dimensions, tag: blocked ? dnnl_nChw16c : dnnl_nchw)
    }

    /// An f32 activation descriptor (N, C, H, W) with a given channel block: 16 (nChw16c), 8 (nChw8c) or 1 (NCHW).
    /// - Throws: ``EngineError`` for another block or dimensions that are not 4-D.
    public static func activation(_ dimensions: [Int], channelBlock: Int) throws -> MemoryDescriptor {
        let tags = [16: dnnl_nChw16c, 8: dnnl_nChw8c, 1: dnnl_nchw]
        guard dimensions.count == 4, let tag = tags[channelBlock] else {
            throw EngineError(
                .invalidArgument,
                "An activation needs (N, C, H, W) and a channel block of 16, 8 or 1, got \(dimensions) and "
                    + "\(channelBlock).")
        }
        return try MemoryDescriptor(dimensions: dimensions, tag: tag)
    }

    /// An f32 activation descriptor (N, C, H, W) laid out channels-last, NHWC.
    /// - Throws: ``EngineError`` if the dimensions are not 4-D.
    public static func channelsLast(_ dimensions: [Int]) throws -> MemoryDescriptor {
        guard dimensions.count == 4 else {
            throw EngineError(.invalidArgument, "An activation needs (N, C, H, W), got \(dimensions).")
        }
        return try MemoryDescriptor(dimensions: dimensions, tag: dnnl_nhwc)
    }

    /// A descriptor that lets the primitive choose its preferred layout.
    static func any(_ dimensions: [Int], dataType: dnnl_data_type_t = dnnl_f32) throws -> MemoryDescriptor {
        try MemoryDescriptor(dimensions: dimensions, tag: dnnl_format_tag_any, dataType: dataType)
    }

    /// The logical dimensions.
    public var dimensions: [Int] {
        withUnsafeBytes(of: raw.dims) { buffer in
            let dims = buffer.bindMemory(to: dnnl_dim_t.self)
            return (0..<Int(raw.ndims)).map { Int(dims[$0]) }
        }
    }

    /// Bytes a memory object with this descriptor needs (including blocked padding).
    public var byteCount: Int {
        var copy = raw
        return dnnl_memory_desc_get_size(&copy)
    }

    /// Number of logical elements.
    public var elementCount: Int { dimensions.reduce(1, *) }

    /// The channel block of a 4-D activation layout: 16 (nChw16c), 8 (nChw8c) or 1 (NCHW); `nil` for any
    /// other layout. Host kernels that walk activations (n, channel block, h, w, lane) use it.
    func channelBlock() throws -> Int? {
        guard dimensions.count == 4 else { return nil }
        for (tag, size) in [(dnnl_nChw16c, 16), (dnnl_nChw8c, 8), (dnnl_nchw, 1)]
        where sameLayout(as: try MemoryDescriptor(dimensions: dimensions, tag: tag)) {
            return size
        }
        return nil
    }

    /// Whether two descriptors describe the same layout.
    public func sameLayout(as other: MemoryDescriptor) -> Bool {
        var a = raw
        var b = other.raw
        return dnnl_memory_desc_equal(&a, &b) != 0
    }
}
