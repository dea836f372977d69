// Copyright 2026 The Distill authors.

/// A 64-byte aligned, zero-initialised array of floats with identity: the contiguous storage for a
/// network's weights, gradients and optimizer state, which oneDNN memory objects view in place.
public final class FloatBuffer {
    /// The first float.
    let base: UnsafeMutablePointer<Float>
    /// Number of floats.
    public let count: Int

    /// Allocates `count` zeroed floats.
    /// - Parameter count: Number of floats (0 allowed).
    public init(count: Int) {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        self.base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
    }

    /// Allocates a buffer holding a copy of `values`.
    /// - Parameter values: The floats to copy.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for index in values.indices { base[index] = values[index] }
    }

    deinit { base.deallocate() }

    /// Calls `body` with all floats, writable.
    /// - Parameter body: The closure; the pointer is valid only inside.
    /// - Returns: What `body` returns.
    public func withMutableFloats<Result>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        try body(UnsafeMutableBufferPointer(start: base, count: count))
    }

    /// Calls `body` with `count` floats starting at `offset`, writable.
    /// - Parameters:
    ///   - offset: First float.
    ///   - count: Number of floats; `offset + count` must not pass the end.
    ///   - body: The closure; the pointer is valid only inside.
    /// - Returns: What `body` returns.
    public func withMutableFloats<Result>(
        offset: Int, count: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        precondition(offset >= 0 && count >= 0 && offset + count <= self.count, "slice outside the buffer")
        return try body(UnsafeMutableBufferPointer(start: base + offset, count: count))
    }

    /// A copy of the floats as an array.
    public var array: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Sets every float to zero.
    public func zero() { base.update(repeating: 0, count: count) }

    /// Reads or writes one float.
    public subscript(index: Int) -> Float {
        get { base[index] }
        set { base[index] = newValue }
    }
}
