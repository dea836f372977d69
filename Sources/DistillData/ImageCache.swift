// Copyright 2026 The Distill authors.
// Content-addressed image cache: `<data dir>/cache/ab/abcdef…` (the SHA-256 of the bytes in lowercase hex,
// sharded by its first two digits). Files are written to a temporary file in the cache directory,
// fsynced, renamed into place and the directory fsynced, so a reader never sees a half-written file and
// a crash leaves at most a `.tmp-*` file, which `removeStaleTemporaryFiles()` deletes.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The on-disk, content-addressed store of fetched image bytes.
///
/// Safe to share between threads and processes.
public struct ImageCache: Sendable {
    /// The cache directory, `<data dir>/cache`.
    public let directory: String

    /// Opens (and creates when missing) the cache under a data directory.
    /// - Parameter dataDirectory: The data directory; the cache lives in its `cache/` subdirectory.
    /// - Throws: `DataError.io` when the directory cannot be created.
    public init(dataDirectory: String) throws {
        directory = (dataDirectory as NSString).appendingPathComponent("cache")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError(.io, "Cannot create the image cache directory \(directory): \(error.localizedDescription).")
        }
    }

    /// The path of the file holding the bytes with this digest (whether or not it exists).
    /// - Parameter digest: 64 lowercase hex digits.
    /// - Returns: `<cache>/ab/abcdef…`.
    /// - Throws: `DataError.invalidArgument` for anything that is not a digest (paths never come from URLs).
    public func path(forDigest digest: String) throws -> String {
        guard SHA256.isDigest(digest) else {
            throw DataError(.invalidArgument, "'\(digest)' is not a SHA-256 digest (64 lowercase hex digits).")
        }
        return directory + "/" + digest.prefix(2) + "/" + digest
    }

    /// Whether a complete file for this digest is present (it exists and has the expected size).
    /// - Parameters:
    ///   - digest: The SHA-256 hex digest.
    ///   - byteCount: The expected size; `nil` accepts any size.
    /// - Returns: `true` when the file is there.
    public func contains(digest: String, byteCount: Int? = nil) -> Bool {
        guard let path = try? path(forDigest: digest) else { return false }
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return false }
        return byteCount.map { Int(status.st_size) == $0 } ?? true
    }

    /// Stores bytes under their digest, atomically; storing the same bytes again does nothing.
    /// - Parameter bytes: The file contents.
    /// - Returns: The SHA-256 hex digest (the key).
    /// - Throws: `DataError.io` when writing, syncing or renaming fails.
    @discardableResult
    public func store(_ bytes: [UInt8]) throws -> String {
        let digest = try SHA256.hex(bytes)
        if contains(digest: digest, byteCount: bytes.count) { return digest }
        let finalPath = try path(forDigest: digest)
        let shard = (finalPath as NSString).deletingLastPathComponent
        try makeDirectory(shard)
        let temporary = directory + "/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ioError("open", temporary) }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        do {
            try bytes.withUnsafeBytes { buffer in
                var written = 0
                while written < buffer.count {
                    let result = write(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
                    if result < 0, errno == EINTR { continue }
                    guard result > 0 else { throw ioError("write", temporary) }
                    written += result
                }
            }
            guard fsync(descriptor) == 0 else { throw ioError("fsync", temporary) }
            closed = true
            guard close(descriptor) == 0 else { throw ioError("close", temporary) }
            guard rename(temporary, finalPath) == 0 else { throw ioError("rename", finalPath) }
        } catch {
            unlink(temporary)
            throw error
        }
        syncDirectory(shard)
        return digest
    }

    /// Reads the bytes stored under a digest.
    /// - Parameters:
    ///   - digest: The SHA-256 hex digest.
    ///   - verify: Re-hash the bytes and fail when they do not match (default `true`).
    /// - Returns: The bytes.
    /// - Throws: `DataError.io` when the file is missing or unreadable, `.corruptImage` when the hash differs.
    public func load(digest: String, verify: Bool = true) throws -> [UInt8] {
        let path = try path(forDigest: digest)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(.io, "The cached image \(path) is missing or unreadable; run `distill fetch` again.")
        }
        let bytes = [UInt8](data)
        if verify {
            let actual = try SHA256.hex(bytes)
            guard actual == digest else {
                throw DataError(
                    .corruptImage,
                    "The cached image \(path) has SHA-256 \(actual); delete it and run `distill fetch` again.")
            }
        }
        return bytes
    }

    /// Deletes temporary files left by crashed writers (files `.tmp-<pid>-*` whose process is gone).
    /// - Returns: How many files were deleted.
    @discardableResult
    public func removeStaleTemporaryFiles() -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(".tmp-") {
            let parts = name.split(separator: "-")
            if parts.count >= 3, let pid = Int32(parts[1]) {
                if pid == getpid() { continue }  // our own writer
                if kill(pid, 0) == 0 || errno == EPERM { continue }  // its writer is still running
            }
            if unlink(directory + "/" + name) == 0 { removed += 1 }
        }
        return removed
    }

    /// Lists every complete cached file (ignoring temporary files).
    /// - Returns: The digests present.
    public func digests() -> [String] {
        guard let shards = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var result: [String] = []
        for shard in shards where shard.count == 2 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/" + shard)) ?? []
            result += names.filter { SHA256.isDigest($0) && $0.hasPrefix(shard) }
        }
        return result.sorted()
    }

    // MARK: - Private

    private func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw ioError("mkdir", path) }
    }

    private func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private func ioError(_ function: String, _ path: String) -> DataError {
        DataError(
            .io, "\(function)(\(path)) failed: \(String(cString: strerror(errno))); check the disk and permissions.")
    }
}
