// Copyright 2026 The Distill authors.

import DistillData
import DistillTestSupport
import Foundation
import Testing

@Suite("network policy: which addresses fetches may connect to")
struct NetworkPolicyTests {
    static func ip(_ text: String) -> [UInt8] {
        if text.contains(":") {
            var bytes = [UInt8](repeating: 0, count: 16)
            _ = inet_pton(AF_INET6, text, &bytes)
            return bytes
        }
        var bytes = [UInt8](repeating: 0, count: 4)
        _ = inet_pton(AF_INET, text, &bytes)
        return bytes
    }

    @Test(
        "unset: everything but link-local (where cloud metadata services live)",
        arguments: [
            ("127.0.0.1", true), ("10.1.2.3", true), ("93.184.216.34", true), ("169.254.169.254", false),
            ("fe80::1", false), ("::ffff:169.254.169.254", false), ("::1", true),
        ])
    func unset(address: String, allowed: Bool) throws {
        #expect(try NetworkPolicy(allowedNetworks: nil).permits(Self.ip(address)) == allowed)
    }

    @Test(
        "set: public addresses and the listed ranges only; link-local only when listed",
        arguments: [
            ("10.1.2.3", true), ("93.184.216.34", true), ("2606:2800:220:1::1", true), ("127.0.0.1", false),
            ("192.168.1.1", false), ("172.16.0.1", false), ("::1", false), ("fd00::1", false),
            ("169.254.169.254", false), ("::ffff:10.0.0.1", true), ("fe80::1", true),
        ])
    func set(address: String, allowed: Bool) throws {
        let policy = try NetworkPolicy(allowedNetworks: "10.0.0.0/8, fe80::/10")
        #expect(policy.permits(Self.ip(address)) == allowed)
    }

    @Test("a range that does not parse is refused, named", arguments: ["10.0.0.0/33", "10.0.0/8", "fe80:::1/10", "x"])
    func badRange(text: String) {
        let error = #expect(throws: DataError.self) { try NetworkPolicy(allowedNetworks: "127.0.0.0/8," + text) }
        #expect(error?.code == .invalidArgument)
        #expect(
            error?.message.hasPrefix("DISTILL_ALLOW_NETWORKS lists '\(text)', which is not an address range") == true)
    }

    @Test("the check runs on the address libcurl connects to: a loopback server is refused unless listed")
    func connectedAddress() throws {
        let fixture = try FetchFixture()
        let url = fixture.server.url("/files/a.png")
        let refused = try FetchFixture.fetch([url], FetchFixture.configuration { $0.allowedNetworks = "" })[0]
        #expect(FetchFixture.failure(refused)?.reason == .disallowedAddress)
        #expect(FetchFixture.failure(refused)?.message.contains("refused to connect to 127.0.0.1") == true)
        #expect(refused.attempts == 1)
        let listed = try FetchFixture.fetch([url], FetchFixture.configuration { $0.allowedNetworks = "127.0.0.0/8" })[0]
        #expect(FetchFixture.body(listed)?.bytes == fixture.png)
    }

    @Test("file roots outside DISTILL_FILE_ROOTS are refused")
    func fileRootBounds() throws {
        let bound = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: bound.path + "/images", withIntermediateDirectories: true)
        var configuration = FetchConfiguration()
        configuration.fileRootBounds = [bound.path]
        try configuration.checkFileRoot(bound.path + "/images")
        let error = #expect(throws: DataError.self) { try configuration.checkFileRoot(outside.path) }
        #expect(error?.message.hasPrefix("The file root '\(outside.path)' is outside DISTILL_FILE_ROOTS") == true)
        configuration.allowedFileRoots = [outside.path]
        #expect(throws: DataError.self) { _ = try Fetcher(configuration: configuration) }
    }
}
