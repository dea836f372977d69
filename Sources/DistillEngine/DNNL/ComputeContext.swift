// Copyright 2026 The Distill authors.
// The thin oneDNN 2.6 wrapper: one CPU engine and one in-order stream, status checks, threads.

import CDNNL

/// Turns a oneDNN status into an ``EngineError`` naming the function.
/// - Parameters:
///   - status: The status a oneDNN function returned.
///   - function: The C function's name, for the message.
/// - Throws: ``EngineError`` with code `.library` unless `status` is `dnnl_success`.
@inline(__always)
func dnnlCheck(_ status: dnnl_status_t, _ function: @autoclosure () -> String) throws {
    if status != dnnl_success {
        throw EngineError(
            .library,
            "\(function()) failed with oneDNN status \(dnnlStatusName(status)); "
                + "run with DNNL_VERBOSE=1 to see which primitive and shapes it rejected.")
    }
}

func dnnlStatusName(_ status: dnnl_status_t) -> String {
    let name =
        switch status {
        case dnnl_out_of_memory: "out_of_memory"
        case dnnl_invalid_arguments: "invalid_arguments"
        case dnnl_unimplemented: "unimplemented"
        case dnnl_iterator_ends: "iterator_ends"
        case dnnl_runtime_error: "runtime_error"
        case dnnl_not_required: "not_required"
        default: "unknown"
        }
    return "\(name) (\(status.rawValue))"
}

/// A oneDNN CPU engine with one stream.
///
/// Every primitive and memory of one network uses the same context.
///
/// Primitives are executed in order on the stream; call ``wait()`` before reading results on the host.
public final class ComputeContext {
    let engine: dnnl_engine_t
    let stream: dnnl_stream_t

    /// Creates the CPU engine and its stream.
    /// - Throws: ``EngineError`` if oneDNN cannot create them.
    public init() throws {
        var engine: dnnl_engine_t?
        try dnnlCheck(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create")
        guard let engine else { throw EngineError(.library, "dnnl_engine_create returned no engine") }
        var stream: dnnl_stream_t?
        let status = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue)
        guard status == dnnl_success, let stream else {
            dnnl_engine_destroy(engine)
            try dnnlCheck(status, "dnnl_stream_create")
            throw EngineError(.library, "dnnl_stream_create returned no stream")
        }
        self.engine = engine
        self.stream = stream
    }

    deinit {
        dnnl_stream_destroy(stream)
        dnnl_engine_destroy(engine)
    }

    /// Waits until every primitive submitted to the stream has finished.
    /// - Throws: ``EngineError`` if oneDNN reports a failure.
    public func wait() throws {
        try dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait")
    }

    /// Sets the number of OpenMP threads oneDNN uses for primitives created and run afterwards.
    /// - Parameter count: Threads, at least 1.
    /// - Throws: ``EngineError`` with code `.invalidArgument` for a count below 1.
    public static func setThreadCount(_ count: Int) throws {
        guard count >= 1, count <= 4096 else {
            throw EngineError(.invalidArgument, "Thread count \(count) is out of range; pass 1 or more.")
        }
        omp_set_num_threads(Int32(count))
    }

    /// The number of OpenMP threads oneDNN currently uses.
    public static var threadCount: Int { Int(omp_get_max_threads()) }
}
