// Copyright 2026 The Distill authors.
// Which addresses http(s) transfers may connect to, checked on the address of every connection libcurl
// opens (redirects included), so DNS tricks cannot get around it. Link-local addresses (169.254.0.0/16 and
// fe80::/10, where cloud metadata services live) are always refused unless listed; with
// DISTILL_ALLOW_NETWORKS set, only public addresses and the listed ranges are allowed.

import Foundation

/// The operator's network bounds for fetching.
public struct NetworkPolicy: Sendable, Equatable {
    /// An address range: network bytes (4 or 16) and prefix length.
    struct Range: Sendable, Equatable {
        var bytes: [UInt8]
        var prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefix
            for index in 0..<bytes.count where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if address[index] & mask != bytes[index] & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    /// The listed ranges.
    let listed: [Range]
    /// Whether DISTILL_ALLOW_NETWORKS is set: then only public addresses and `listed` are allowed.
    let publicOnly: Bool

    /// Parses the operator's setting.
    /// - Parameter allowedNetworks: `DISTILL_ALLOW_NETWORKS`: CIDRs separated by commas or spaces
    ///   (`10.0.0.0/8, fd00::/8`); nil when unset (everything but link-local is allowed).
    /// - Throws: `DataError.invalidArgument` naming a range that does not parse.
    public init(allowedNetworks: String?) throws {
        publicOnly = allowedNetworks != nil
        var ranges: [Range] = []
        for item in (allowedNetworks ?? "").split(whereSeparator: { $0 == "," || $0 == " " }) {
            guard let range = Self.parse(String(item)) else {
                throw DataError(
                    .invalidArgument,
                    "DISTILL_ALLOW_NETWORKS lists '\(item)', which is not an address range; write CIDRs such as "
                        + "10.0.0.0/8 or fd00::/8, separated by commas.")
            }
            ranges.append(range)
        }
        listed = ranges
    }

    /// Whether a connection to `address` (4 or 16 bytes) is allowed.
    /// - Parameter address: The IPv4 or IPv6 address bytes, network order.
    /// - Returns: True for a listed address, else false for link-local, else (with the setting) true only for
    ///   public addresses.
    public func permits(_ address: [UInt8]) -> Bool {
        let mapped = Self.unmapped(address)
        if listed.contains(where: { $0.contains(address) || $0.contains(mapped) }) { return true }
        if Self.linkLocal.contains(where: { $0.contains(mapped) }) { return false }
        if publicOnly { return !Self.nonPublic.contains(where: { $0.contains(mapped) }) }
        return true
    }

    /// The address in text form, for messages.
    public static func describe(_ address: [UInt8]) -> String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: address.count, by: 2).map {
            String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16)
        }.joined(separator: ":")
    }

    // MARK: - Private

    /// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as its IPv4 address; anything else unchanged.
    private static func unmapped(_ address: [UInt8]) -> [UInt8] {
        guard address.count == 16, address[0..<10].allSatisfy({ $0 == 0 }), address[10] == 0xFF, address[11] == 0xFF
        else { return address }
        return Array(address[12..<16])
    }

    private static let linkLocal = ["169.254.0.0/16", "fe80::/10"].compactMap(parse)

    /// Addresses that are not public: this network, private, shared, loopback, link-local, documentation,
    /// benchmarking, multicast and reserved ranges (IPv4 and IPv6).
    private static let nonPublic = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
        "224.0.0.0/4", "240.0.0.0/4", "::/127", "fc00::/7", "fe80::/10", "ff00::/8", "2001:db8::/32",
        "64:ff9b::/96",
    ].compactMap(parse)

    /// Parses `address/prefix` (a bare address is a /32 or /128).
    static func parse(_ text: String) -> Range? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let bytes = address(String(parts[0])) else { return nil }
        let maximum = bytes.count * 8
        guard let prefix = parts.count == 2 ? Int(parts[1]) : maximum, (0...maximum).contains(prefix) else {
            return nil
        }
        return Range(bytes: bytes, prefix: prefix)
    }

    /// Parses an IPv4 (dotted quad) or IPv6 address.
    static func address(_ text: String) -> [UInt8]? {
        if text.contains(":") { return ipv6(text) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else {
                return nil
            }
            bytes.append(value)
        }
        return bytes
    }

    private static func ipv6(_ text: String) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]), let tail = halves.count == 2 ? groups(halves[1]) : [] else { return nil }
        let count = head.count + tail.count
        guard halves.count == 2 ? count < 8 : count == 8 else { return nil }
        let all = head + [UInt16](repeating: 0, count: 8 - count) + tail
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
