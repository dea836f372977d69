// Copyright 2026 The Distill authors.
// Streams a file's lines as byte ranges over one reused buffer: memory is the buffer (4 MiB, grown only
// for a longer line, up to TeacherImportLimits.maxLineBytes), never the file.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An open file read in large chunks, handing out one `\n`-terminated line at a time.
final class ByteLineReader {
    let path: String
    private let descriptor: Int32
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0
    private var end = 0
    private var scanned = 0
    private var endOfFile = false
    private let maxLine: Int
    /// File bytes consumed by the lines handed out so far.
    private(set) var consumed: Int64 = 0
    /// The file's size when it was opened.
    let size: Int64

    /// Opens `path` for reading.
    /// - Parameters:
    ///   - path: The file.
    ///   - what: What the file is, for the message when it cannot be opened ("teacher file").
    ///   - chunk: The read size and first buffer size.
    ///   - maxLine: The longest line accepted.
    /// - Throws: `ServiceError(.io)` when the file cannot be opened.
    init(path: String, what: String, chunk: Int = 4 << 20, maxLine: Int = TeacherImportLimits.maxLineBytes) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ServiceError(.io, "Cannot read the \(what) \(path): \(String(cString: strerror(errno))).")
        }
        var status = stat()
        size = fstat(descriptor, &status) == 0 ? Int64(status.st_size) : 0
        capacity = max(chunk, 1)
        buffer = .allocate(capacity: capacity)
        self.maxLine = maxLine
    }

    deinit {
        buffer.deallocate()
        close(descriptor)
    }

    /// Reads `count` bytes at `offset` into `destination` (for formats read by position).
    /// - Returns: The bytes read; fewer than `count` only at the end of the file.
    func read(into destination: UnsafeMutableRawPointer, count: Int, at offset: Int64) throws -> Int {
        var done = 0
        while done < count {
            let got = pread(descriptor, destination + done, count - done, off_t(offset) + off_t(done))
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else {
                throw ServiceError(.io, "Cannot read \(path): \(String(cString: strerror(errno))).")
            }
            if got == 0 { break }
            done += got
        }
        return done
    }

    /// The next line without its `\n` (a `\r` before it stays).
    ///
    /// The bytes stay valid until the next call. A last line without a line break is returned too.
    /// - Parameter lineNumber: The line's number, for the error when it is too long.
    /// - Returns: The line's bytes, or nil at the end of the file.
    /// - Throws: `ServiceError.invalidArgument` when the line exceeds the line cap; `ServiceError(.io)`
    ///   when reading fails.
    func nextLine(lineNumber: Int) throws -> UnsafeBufferPointer<UInt8>? {
        while true {
            if scanned < end, let found = memchr(buffer + scanned, 0x0A, end - scanned) {
                let newline = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if newline - start > maxLine { throw TeacherImportLimits.lineTooLong(file: path, line: lineNumber) }
                let line = UnsafeBufferPointer(start: buffer + start, count: newline - start)
                consumed += Int64(newline + 1 - start)
                start = newline + 1
                scanned = start
                return line
            }
            scanned = end
            if end - start > maxLine {
                throw TeacherImportLimits.lineTooLong(file: path, line: lineNumber)
            }
            if endOfFile {
                guard start < end else { return nil }
                let line = UnsafeBufferPointer(start: buffer + start, count: end - start)
                consumed += Int64(end - start)
                start = end
                return line
            }
            try fill()
        }
    }

    /// Moves the unread bytes to the front, grows the buffer when a line fills it, and reads more.
    private func fill() throws {
        if start > 0 {
            let pending = end - start
            if pending > 0 { memmove(buffer, buffer + start, pending) }
            scanned -= start
            end = pending
            start = 0
        }
        if end == capacity {
            let grown = capacity * 2
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            bigger.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = bigger
            capacity = grown
        }
        while true {
            let got = Glibc.read(descriptor, buffer + end, capacity - end)
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else {
                throw ServiceError(.io, "Cannot read \(path): \(String(cString: strerror(errno))).")
            }
            if got == 0 { endOfFile = true }
            end += got
            return
        }
    }
}
