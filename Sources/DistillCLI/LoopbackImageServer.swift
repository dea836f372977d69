// Copyright 2026 The Distill authors.
// A minimal HTTP/1.1 keep-alive server on 127.0.0.1 for `distill bench fetch`: a GET whose path contains
// the number N is answered with body N modulo the number of bodies. One thread per connection; it is a measuring instrument, not a web server.

import DistillData
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Serves fixed bodies on a free loopback port until `stop()`.
final class LoopbackImageServer: @unchecked Sendable {
    /// The port it listens on.
    let port: Int
    private let listener: Int32
    private let responses: [[UInt8]]
    private let lock = NSLock()
    private var stopped = false

    /// Starts listening and accepting on a background thread.
    /// - Parameters:
    ///   - bodies: The bodies; a path containing the number N gets `bodies[N % bodies.count]`.
    ///   - contentType: Their Content-Type.
    /// - Throws: `DataError.io` when the socket cannot be set up.
    init(bodies: [[UInt8]], contentType: String) throws {
        responses = bodies.map { body in
            let header =
                "HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
                + "Connection: keep-alive\r\n\r\n"
            return Array(header.utf8) + body
        }
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw DataError(.io, "socket() failed: \(String(cString: strerror(errno))).") }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 1024) == 0 else {
            close(listener)
            throw DataError(.io, "bind/listen on 127.0.0.1 failed: \(String(cString: strerror(errno))).")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = listener
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops accepting; open connections end when their clients close them.
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func acceptLoop() {
        while !isStopped {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            var noDelay: Int32 = 1
            setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    /// Answers each complete request header block (ends with CRLF CRLF) with the fixed response.
    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var buffer = [UInt8](repeating: 0, count: 16_384)
        var pending: [UInt8] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            pending += buffer[0..<count]
            var requests: [Int] = []
            var searchStart = 0
            while let end = Self.headerEnd(pending, from: searchStart) {
                requests.append(Self.number(in: pending, from: searchStart) % max(1, responses.count))
                searchStart = end
            }
            guard !requests.isEmpty else { continue }
            pending.removeFirst(searchStart)
            for index in requests {
                let response = responses[index]
                var sent = 0
                while sent < response.count {
                    let written = response.withUnsafeBytes {
                        write(connection, $0.baseAddress.map { $0 + sent }, $0.count - sent)
                    }
                    if written < 0, errno == EINTR { continue }
                    guard written > 0 else { return }
                    sent += written
                }
            }
        }
    }

    /// The first decimal number in the request line starting at `start` (0 when there is none).
    private static func number(in bytes: [UInt8], from start: Int) -> Int {
        var index = start
        var value = 0
        var found = false
        while index < bytes.count, bytes[index] != 13 {
            if (48...57).contains(bytes[index]) {
                value = value &* 10 &+ Int(bytes[index] - 48)
                found = true
            } else if found {
                break
            }
            index += 1
        }
        return value
    }

    private static func headerEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= start + 4 else { return nil }
        var index = start
        while index + 3 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 {
                return index + 4
            }
            index += 1
        }
        return nil
    }
}
