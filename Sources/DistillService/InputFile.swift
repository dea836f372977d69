// Copyright 2026 The Distill authors.
// Reads the small files a user names (job files, URL lists, labels files) with a size cap, and only when
// they are regular files: a FIFO or a device would block the reader or never end.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Bounded reading of user-named input files.
public enum InputFile {
    /// The largest job file read (1 MiB).
    public static let jobFileLimit = 1 << 20
    /// The largest URL list or labels file read (1 GiB).
    public static let listLimit = 1 << 30

    /// Reads a whole regular file of at most `limit` bytes.
    /// - Parameters:
    ///   - path: The file.
    ///   - what: What it is, for messages ("job file", "URL list").
    ///   - limit: The largest size accepted, in bytes.
    ///   - hint: What to check when it is missing, e.g. "check `images.urls` in the job file".
    /// - Returns: The bytes.
    /// - Throws: `ServiceError.invalidArgument` when the file is missing, not a regular file or too large;
    ///   `.io` when reading fails.
    public static func read(_ path: String, what: String, limit: Int, hint: String = "check the path") throws -> Data {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else {
            let number = errno
            if number == ENOENT || number == ENOTDIR {
                throw ServiceError.invalid("The \(what) \(path) does not exist; \(hint).")
            }
            throw ServiceError.invalid(
                "Cannot open the \(what) \(path): \(String(cString: strerror(number))); \(hint).")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ServiceError(.io, "Cannot read the \(what) \(path): \(String(cString: strerror(errno))).")
        }
        let type = status.st_mode & S_IFMT
        guard type != S_IFDIR else {
            throw ServiceError.invalid("The \(what) \(path) is a directory; pass a file.")
        }
        guard type == S_IFREG else {
            throw ServiceError.invalid(
                "The \(what) \(path) is not a regular file (a FIFO, device or socket); pass a regular file.")
        }
        guard Int(status.st_size) <= limit else {
            throw ServiceError.invalid(
                "The \(what) \(path) is \(status.st_size) bytes; the limit is \(limit) bytes — split it or check "
                    + "that it is the right file.")
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        var count = 0
        while true {
            if count == bytes.count {
                guard bytes.count <= limit else {
                    throw ServiceError.invalid(
                        "The \(what) \(path) grew past the limit of \(limit) bytes while being read.")
                }
                bytes.append(contentsOf: [UInt8](repeating: 0, count: min(bytes.count, limit + 1 - bytes.count)))
            }
            let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return systemRead(descriptor, base + count, buffer.count - count)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw ServiceError(.io, "Cannot read the \(what) \(path): \(String(cString: strerror(errno))).")
            }
            if got == 0 { break }
            count += got
        }
        return Data(bytes[0..<count])
    }
}

private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.read(descriptor, buffer, count)
    #else
        Darwin.read(descriptor, buffer, count)
    #endif
}
