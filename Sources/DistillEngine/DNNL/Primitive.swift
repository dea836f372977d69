// Copyright 2026 The Distill authors.

import CDNNL

/// A oneDNN primitive and its primitive descriptor, created once and executed many times.
public final class Primitive {
    let descriptor: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t
    private let context: ComputeContext
    /// Which operation this is, for error messages, such as "convolution forward".
    let name: String

    /// Creates a primitive from an operation descriptor (`dnnl_convolution_desc_t`, …).
    /// - Parameters:
    ///   - operation: The initialised operation descriptor.
    ///   - context: The engine.
    ///   - attributes: Optional attributes.
    ///   - hint: The forward primitive descriptor, for backward primitives.
    ///   - name: Names the operation in error messages.
    /// - Throws: ``EngineError`` naming `dnnl_primitive_desc_create` or `dnnl_primitive_create`.
    convenience init<Operation>(
        operation: Operation, context: ComputeContext, attributes: dnnl_primitive_attr_t? = nil,
        hint: Primitive? = nil, name: String
    ) throws {
        var operation = operation
        var descriptor: dnnl_primitive_desc_t?
        let status = withUnsafePointer(to: &operation) { pointer in
            dnnl_primitive_desc_create(
                &descriptor, UnsafeRawPointer(pointer), attributes, context.engine, hint?.descriptor)
        }
        try dnnlCheck(status, "dnnl_primitive_desc_create(\(name))")
        guard let descriptor else { throw EngineError(.library, "dnnl_primitive_desc_create(\(name)) returned nil") }
        try self.init(descriptor: descriptor, context: context, name: name)
    }

    /// Creates a reorder (layout conversion) from `source` to `destination` layouts.
    /// - Parameters:
    ///   - source: The input layout.
    ///   - destination: The output layout (same dimensions).
    ///   - accumulate: Add into the destination (sum post-op) instead of overwriting it.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` naming `dnnl_reorder_primitive_desc_create`.
    convenience init(
        reorderFrom source: MemoryDescriptor, to destination: MemoryDescriptor, accumulate: Bool = false,
        context: ComputeContext
    ) throws {
        var attributes: dnnl_primitive_attr_t?
        if accumulate {
            try dnnlCheck(dnnl_primitive_attr_create(&attributes), "dnnl_primitive_attr_create")
            var postOps: dnnl_post_ops_t?
            try dnnlCheck(dnnl_post_ops_create(&postOps), "dnnl_post_ops_create")
            defer { dnnl_post_ops_destroy(postOps) }
            try dnnlCheck(dnnl_post_ops_append_sum(postOps, 1.0), "dnnl_post_ops_append_sum")
            try dnnlCheck(dnnl_primitive_attr_set_post_ops(attributes, postOps), "dnnl_primitive_attr_set_post_ops")
        }
        defer { if let attributes { dnnl_primitive_attr_destroy(attributes) } }
        var descriptor: dnnl_primitive_desc_t?
        var sourceRaw = source.raw
        var destinationRaw = destination.raw
        try dnnlCheck(
            dnnl_reorder_primitive_desc_create(
                &descriptor, &sourceRaw, context.engine, &destinationRaw, context.engine, attributes),
            "dnnl_reorder_primitive_desc_create(\(source.dimensions))")
        guard let descriptor else { throw EngineError(.library, "dnnl_reorder_primitive_desc_create returned nil") }
        try self.init(descriptor: descriptor, context: context, name: "reorder")
    }

    private init(descriptor: dnnl_primitive_desc_t, context: ComputeContext, name: String) throws {
        var primitive: dnnl_primitive_t?
        let status = dnnl_primitive_create(&primitive, descriptor)
        guard status == dnnl_success, let primitive else {
            dnnl_primitive_desc_destroy(descriptor)
            throw EngineError(.library, "dnnl_primitive_create(\(name)) failed with \(dnnlStatusName(status))")
        }
        self.descriptor = descriptor
        self.primitive = primitive
        self.context = context
        self.name = name
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(descriptor)
    }

    /// The memory descriptor the primitive chose for one of its arguments (`dnnl_query_src_md`, …).
    func memoryDescriptor(_ query: dnnl_query_t, index: Int32 = 0) throws -> MemoryDescriptor {
        guard let pointer = dnnl_primitive_desc_query_md(descriptor, query, index) else {
            throw EngineError(.library, "dnnl_primitive_desc_query_md(\(name)) returned nil")
        }
        return MemoryDescriptor(raw: pointer.pointee)
    }

    /// The implementation oneDNN picked, such as `jit:avx512_core`.
    public var implementation: String {
        var text: UnsafePointer<CChar>?
        let status = withUnsafeMutablePointer(to: &text) { pointer in
            dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, UnsafeMutableRawPointer(pointer))
        }
        guard status == dnnl_success, let text else { return "unknown" }
        return String(cString: text)
    }

    /// Submits the primitive to the stream.
    /// - Parameter arguments: (argument kind such as `DNNL_ARG_SRC`, memory) pairs.
    /// - Throws: ``EngineError`` naming `dnnl_primitive_execute`.
    func execute(_ arguments: [(Int32, Memory)]) throws {
        var raw = arguments.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
        let status = raw.withUnsafeMutableBufferPointer { buffer in
            dnnl_primitive_execute(primitive, context.stream, Int32(buffer.count), buffer.baseAddress)
        }
        try dnnlCheck(status, "dnnl_primitive_execute(\(name))")
    }

    /// Submits the primitive and waits for its stream, for host code that reads what it wrote (oneDNN's API
    /// requires the wait; that the CPU runtime happens to run synchronously is not a promise).
    /// - Parameter arguments: (argument kind, memory) pairs.
    /// - Throws: ``EngineError`` naming `dnnl_primitive_execute` or `dnnl_stream_wait`.
    func executeAndWait(_ arguments: [(Int32, Memory)]) throws {
        try execute(arguments)
        try context.wait()
    }
}
