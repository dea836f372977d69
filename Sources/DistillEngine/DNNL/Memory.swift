// Copyright 2026 The Distill authors.

import CDNNL

/// A oneDNN memory object: a buffer plus its descriptor.
///
/// Either oneDNN owns the buffer (allocated and
/// zero-filled here) or it views caller-owned storage such as a slice of a ``FloatBuffer``.
public final class Memory {
    let handle: dnnl_memory_t
    /// The layout of the buffer.
    public let descriptor: MemoryDescriptor
    /// Keeps viewed storage alive.
    private let owner: AnyObject?
    /// How ``load(planar:images:)`` fills this memory, found on its first call (a layout never changes).
    var planarLoading: PlanarLoading?

    /// Creates a memory object that owns a zero-filled buffer.
    /// - Parameters:
    ///   - descriptor: Dimensions and layout.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` if oneDNN cannot allocate it.
    public convenience init(_ descriptor: MemoryDescriptor, context: ComputeContext) throws {
        try self.init(descriptor, context: context, handle: distill_dnnl_memory_allocate(), owner: nil)
        let bytes = descriptor.byteCount
        dataPointer.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
    }

    /// Creates a memory object viewing `count` floats of `buffer` starting at `offset`.
    /// - Parameters:
    ///   - descriptor: Dimensions and layout; must not need more bytes than the slice has.
    ///   - context: The engine.
    ///   - buffer: The storage, kept alive by this object.
    ///   - offset: First float of the slice.
    /// - Throws: ``EngineError`` if the slice is too small or oneDNN fails.
    public convenience init(
        _ descriptor: MemoryDescriptor, context: ComputeContext, viewing buffer: FloatBuffer, offset: Int
    ) throws {
        let needed = descriptor.byteCount / MemoryLayout<Float>.stride
        guard offset >= 0, offset + needed <= buffer.count else {
            throw EngineError(
                .invalidArgument,
                "A view of \(needed) floats at offset \(offset) does not fit a buffer of \(buffer.count) floats.")
        }
        try self.init(
            descriptor, context: context, handle: UnsafeMutableRawPointer(buffer.base + offset), owner: buffer)
    }

    private init(
        _ descriptor: MemoryDescriptor, context: ComputeContext, handle pointer: UnsafeMutableRawPointer?,
        owner: AnyObject?
    ) throws {
        var memory: dnnl_memory_t?
        var raw = descriptor.raw
        try dnnlCheck(dnnl_memory_create(&memory, &raw, context.engine, pointer), "dnnl_memory_create")
        guard let memory else { throw EngineError(.library, "dnnl_memory_create returned no memory") }
        var data: UnsafeMutableRawPointer?
        let status = dnnl_memory_get_data_handle(memory, &data)
        guard status == dnnl_success, let data else {
            dnnl_memory_destroy(memory)
            throw EngineError(.library, "dnnl_memory_get_data_handle failed with \(dnnlStatusName(status))")
        }
        self.dataPointer = data
        self.handle = memory
        self.descriptor = descriptor
        self.owner = owner
    }

    deinit { dnnl_memory_destroy(handle) }

    /// The start of the buffer.
    let dataPointer: UnsafeMutableRawPointer

    /// Calls `body` with the buffer's raw bytes (any element type, including blocked padding).
    /// - Parameter body: Reads or writes the bytes; the pointer is valid only inside.
    /// - Returns: What `body` returns.
    public func withBytes<Result>(_ body: (UnsafeMutableRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeMutableRawBufferPointer(start: dataPointer, count: descriptor.byteCount))
    }

    /// Calls `body` with the buffer as floats (including any blocked padding).
    /// - Parameter body: Reads or writes the floats; the pointer is valid only inside.
    /// - Returns: What `body` returns.
    public func withFloats<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        let count = descriptor.byteCount / MemoryLayout<Float>.stride
        let typed = dataPointer.bindMemory(to: Float.self, capacity: count)
        return try body(UnsafeMutableBufferPointer(start: typed, count: count))
    }
}
