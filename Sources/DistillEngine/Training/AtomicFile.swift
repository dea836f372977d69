// Copyright 2026 The Distill authors.
//
// Crash-safe file replacement: write a temporary file in the destination's directory, fsync it,
// rename it over the destination, fsync the directory. A crash at any point leaves either the old
// file or the new one, never a mix (a stray temporary file at worst).

import Foundation

#if canImport(Glibc)
    import Glibc

    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    import Darwin

    private let systemWrite = Darwin.write
#endif

/// Atomic whole-file writes (not API).
enum AtomicFile {
    /// The temporary-file prefix; stray files named `.<name>.tmp-*` may be deleted when no write runs.
    static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return "\(directory)/.\(url.lastPathComponent).tmp-\(getpid())-\(token)"
    }

    /// Replaces the file at `path` with `bytes` atomically and durably.
    ///
    /// - Parameters:
    ///   - bytes: The new contents.
    ///   - path: The destination path.
    ///   - what: What the file is, for error messages (e.g. "checkpoint").
    ///   - crashAfter: For tests: stop (as a crash would) after writing this many bytes of the
    ///     temporary file, leaving it behind and the destination untouched.
    /// - Throws: ``EngineError`` (`io`) naming the path, the failing call and the system error.
    static func write(_ bytes: [UInt8], to path: String, what: String, crashAfter: Int? = nil) throws {
        let temporary = temporaryPath(for: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw failure("open", temporary, what: what, destination: path) }
        var closed = false
        defer { if !closed { close(descriptor) } }
        let limit = min(bytes.count, crashAfter ?? bytes.count)
        var written = 0
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            while written < limit {
                let result = systemWrite(descriptor, base + written, limit - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    let error = failure("write", temporary, what: what, destination: path)
                    unlink(temporary)
                    throw error
                }
                written += result
            }
        }
        if crashAfter != nil { return }  // simulated crash: temporary file stays, no rename
        guard fsync(descriptor) == 0 else {
            let error = failure("fsync", temporary, what: what, destination: path)
            unlink(temporary)
            throw error
        }
        closed = true
        guard close(descriptor) == 0 else {
            let error = failure("close", temporary, what: what, destination: path)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("rename", temporary, what: what, destination: path)
            unlink(temporary)
            throw error
        }
        // Make the rename itself durable.
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let directoryDescriptor = open(directory, O_RDONLY)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    private static func failure(_ call: String, _ file: String, what: String, destination: String) -> EngineError {
        let code = errno
        let reason = String(cString: strerror(code))
        return EngineError(
            .io,
            "writing \(what) \(destination) failed: \(call)(\(file)) returned \(reason) (errno \(code)); "
                + "check that the directory exists, is writable and has free space")
    }
}
