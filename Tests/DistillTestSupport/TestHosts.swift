// Copyright 2026 The Distill authors.
// Test hosts on one machine: network namespaces (iproute2's `ip netns`), each joined to the root namespace by a
// veth pair of its own, so a process started in one reaches a server in the root namespace only over that host's
// veth address, as a daemon on another machine reaches PostgreSQL over the network. Each host also gets its own
// host name (`unshare --uts`). Needs root (CI runs as root); where namespaces are not permitted, `make` fails
// with a reason and the caller falls back to loopback.

import Foundation

/// Network namespaces with veth links to the root namespace, removed by `remove()`.
public final class TestHosts: @unchecked Sendable {
    /// The hosts' namespace names.
    public let names: [String]
    /// For each host, the root namespace's address on its link (where a server listens for that host).
    public let serverAddresses: [String]
    private let links: [String]

    /// Creates `count` hosts.
    /// - Throws: ``PostgresCluster/Failure`` saying why namespaces cannot be made here.
    public init(count: Int) throws {
        let tag = Int(getpid()) % 50_000
        let subnet = Int(getpid()) % 60 * 4
        names = (0..<count).map { "dh\(tag)-\($0 + 1)" }
        links = (0..<count).map { "dv\(tag)r\($0 + 1)" }
        serverAddresses = (0..<count).map { "10.77.\(subnet + $0 + 1).1" }
        do {
            for index in 0..<count {
                let name = names[index]
                let link = links[index]
                let peer = "dv\(tag)h\(index + 1)"
                let network = "10.77.\(subnet + index + 1)"
                try Self.ip(["netns", "add", name])
                try Self.ip(["link", "add", link, "type", "veth", "peer", "name", peer])
                try Self.ip(["link", "set", peer, "netns", name])
                try Self.ip(["addr", "add", "\(network).1/24", "dev", link])
                try Self.ip(["link", "set", link, "up"])
                try Self.ip(["netns", "exec", name, "ip", "addr", "add", "\(network).2/24", "dev", peer])
                try Self.ip(["netns", "exec", name, "ip", "link", "set", peer, "up"])
                try Self.ip(["netns", "exec", name, "ip", "link", "set", "lo", "up"])
            }
        } catch {
            remove()
            throw error
        }
    }

    deinit { remove() }

    /// Deletes the namespaces and links (idempotent).
    public func remove() {
        for link in links { try? Self.ip(["link", "delete", link]) }
        for name in names { try? Self.ip(["netns", "delete", name]) }
    }

    /// The command line that runs `executable arguments` on host `index` (0-based) under the host name
    /// `host<index+1>`.
    public func command(host index: Int, _ executable: String, _ arguments: [String]) -> (String, [String]) {
        (
            "/usr/sbin/ip",
            [
                "netns", "exec", names[index], "unshare", "--uts", "/bin/sh", "-c",
                "hostname host\(index + 1) && exec \"$0\" \"$@\"", executable,
            ] + arguments
        )
    }

    private static func ip(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PostgresCluster.Failure(description: "ip \(arguments.joined(separator: " ")): \(error)")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PostgresCluster.Failure(
                description:
                    "ip \(arguments.joined(separator: " ")) failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
    }
}
