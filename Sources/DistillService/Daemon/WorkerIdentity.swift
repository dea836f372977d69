// Copyright 2026 The Distill authors.
// Who holds a lease: `ID@HOST:PID:TOKEN`. The random token makes every process's leases its own even when a pid
// is reused; host and pid let a worker on the same host see that a holder died (kill -9, a crash) without
// waiting for its lease to expire.

import Foundation

/// A worker (a daemon or one `distill run` invocation) as lease owners name it.
public struct WorkerIdentity: Sendable, Equatable {
    /// The name it was given (`--id`), shown in log lines.
    public var name: String
    /// The host it runs on.
    public var host: String
    /// Its process id.
    public var pid: Int32
    /// A random token, new for every process.
    public var token: String

    /// This process, named `name` (default: `HOST-PID`).
    public static func current(name: String? = nil) -> WorkerIdentity {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        let pid = getpid()
        var generator = SystemRandomNumberGenerator()
        let random: UInt64 = generator.next()
        let token = String(random & 0xFFFF_FFFF, radix: 16)
        return WorkerIdentity(name: name ?? "\(host)-\(pid)", host: host, pid: pid, token: token)
    }

    /// The lease owner string, `NAME@HOST:PID:TOKEN`.
    public var owner: String { "\(name)@\(host):\(pid):\(token)" }

    /// Whether an owner string names a process of this host that no longer exists (its lease is void).
    /// A pid that exists again (reused) keeps the lease until it expires: the safe side.
    /// - Parameter owner: A `lease_owner` value.
    public func isAbandoned(_ owner: String) -> Bool {
        guard let at = owner.lastIndex(of: "@") else { return false }
        let parts = owner[owner.index(after: at)...].split(separator: ":")
        guard parts.count == 3, String(parts[0]) == host, let pid = Int32(parts[1]), pid > 0 else { return false }
        // Another worker of this very process (tests run several) is alive by definition.
        guard pid != self.pid else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
