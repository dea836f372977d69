// Copyright 2026 The Distill authors.

import DistillData
import DistillTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Files served by the loopback server, made by the test.
struct FetchFixture {
    let directory: TemporaryDirectory
    let server: LoopbackServer
    let png: [UInt8]
    let jpeg: [UInt8]

    init() throws {
        directory = try TemporaryDirectory()
        let image = try TestImages.smoothRGB(width: 40, height: 30)
        png = try PNGCodec.encode(samples: image.pixels, width: 40, height: 30, colorType: .truecolor)
        jpeg = try JPEGCodec().encode(image, quality: 90)
        try Data(png).write(to: URL(fileURLWithPath: directory.path + "/a.png"))
        try Data(jpeg).write(to: URL(fileURLWithPath: directory.path + "/b.jpg"))
        server = try LoopbackServer(root: directory.path)
    }

    static func configuration(_ change: (inout FetchConfiguration) -> Void = { _ in }) -> FetchConfiguration {
        var configuration = FetchConfiguration()
        configuration.retryBaseDelay = 0.01
        configuration.retryMaximumDelay = 0.05
        configuration.maximumAttempts = 3
        configuration.totalTimeout = 10
        change(&configuration)
        return configuration
    }

    /// Fetches and returns the outcomes in request order.
    static func fetch(_ urls: [String], _ configuration: FetchConfiguration = configuration()) throws -> [FetchOutcome]
    {
        var outcomes: [FetchOutcome] = []
        try Fetcher(configuration: configuration).fetch(urls) { outcomes.append($0) }
        return outcomes.sorted { $0.index < $1.index }
    }

    /// A loopback port nobody listens on: bound to find a free one, then closed again.
    static func closedPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw DataError(.io, "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 ? getsockname(descriptor, pointer, &length) : -1
            }
        }
        guard status == 0 else { throw DataError(.io, "bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func failure(_ outcome: FetchOutcome) -> FetchFailure? {
        if case .failure(let failure) = outcome.result { return failure }
        return nil
    }

    static func body(_ outcome: FetchOutcome) -> FetchedBody? {
        if case .success(let body) = outcome.result { return body }
        return nil
    }
}

@Suite("Fetcher against a loopback server")
struct FetcherTests {
    @Test("200 PNG and JPEG arrive byte-exact in one attempt")
    func success() throws {
        let fixture = try FetchFixture()
        let outcomes = try FetchFixture.fetch([fixture.server.url("/files/a.png"), fixture.server.url("/files/b.jpg")])
        #expect(outcomes.count == 2)
        #expect(FetchFixture.body(outcomes[0])?.bytes == fixture.png)
        #expect(FetchFixture.body(outcomes[0])?.httpStatus == 200)
        #expect(FetchFixture.body(outcomes[0])?.contentType == "image/png")
        #expect(FetchFixture.body(outcomes[1])?.bytes == fixture.jpeg)
        #expect(outcomes.allSatisfy { $0.attempts == 1 })
    }

    @Test("404 is permanent: one attempt, http-client-error")
    func notFound() throws {
        let fixture = try FetchFixture()
        let outcome = try FetchFixture.fetch([fixture.server.url("/status/404")])[0]
        #expect(FetchFixture.failure(outcome)?.reason == .httpClientError)
        #expect(FetchFixture.failure(outcome)?.httpStatus == 404)
        #expect(outcome.attempts == 1)
        #expect(try fixture.server.counts()["/status/404"] == 1)
    }

    @Test("500 then 200 succeeds on the retry")
    func serverErrorThenSuccess() throws {
        let fixture = try FetchFixture()
        let outcome = try FetchFixture.fetch([fixture.server.url("/flaky/k1/1/500/a.png")])[0]
        #expect(FetchFixture.body(outcome)?.bytes == fixture.png)
        #expect(outcome.attempts == 2)
    }

    @Test("429 every time is retried up to the attempt limit, then rate-limited")
    func rateLimited() throws {
        let fixture = try FetchFixture()
        let outcome = try FetchFixture.fetch([fixture.server.url("/status/429")])[0]
        #expect(FetchFixture.failure(outcome)?.reason == .rateLimited)
        #expect(FetchFixture.failure(outcome)?.httpStatus == 429)
        #expect(outcome.attempts == 3)
        #expect(try fixture.server.counts()["/status/429"] == 3)
    }

    @Test("a 429 with Retry-After: 1 is retried no sooner than a second later")
    func retryAfter() throws {
        let fixture = try FetchFixture()
        let start = Date()
        let outcome = try FetchFixture.fetch(
            [fixture.server.url("/retry-after/1/r1/a.png")], FetchFixture.configuration { $0.retryMaximumDelay = 5 })[0]
        #expect(FetchFixture.body(outcome)?.bytes == fixture.png)
        #expect(outcome.attempts == 2)
        // The configured backoff is at most 0.05 s here, so only the header can explain a one-second wait.
        #expect(Date().timeIntervalSince(start) >= 1)
    }

    @Test("503 every time ends as http-server-error after the attempts")
    func serverErrorForever() throws {
        let fixture = try FetchFixture()
        let outcome = try FetchFixture.fetch([fixture.server.url("/status/503")])[0]
        #expect(FetchFixture.failure(outcome)?.reason == .httpServerError)
        #expect(outcome.attempts == 3)
    }

    @Test("a server that never answers times out, retried")
    func neverAnswers() throws {
        let fixture = try FetchFixture()
        let configuration = FetchFixture.configuration {
            $0.totalTimeout = 0.3
            $0.maximumAttempts = 2
        }
        let outcome = try FetchFixture.fetch([fixture.server.url("/hang")], configuration)[0]
        #expect(FetchFixture.failure(outcome)?.reason == .timeout)
        #expect(outcome.attempts == 2)
    }

    @Test("a server sending too little too slowly is cut off by the low-speed limit, not the total timeout")
    func lowSpeed() throws {
        let fixture = try FetchFixture()
        let configuration = FetchFixture.configuration {
            $0.totalTimeout = 600
            $0.lowSpeedSeconds = 1
            $0.maximumAttempts = 1
        }
        let outcome = try FetchFixture.fetch([fixture.server.url("/hang")], configuration)[0]
        #expect(FetchFixture.failure(outcome)?.reason == .timeout)
        #expect(FetchFixture.failure(outcome)?.message.contains("too slow") == true)
    }

    @Test("timeouts outside 1 ms…1 day are refused, never passed to libcurl as 0 or trapped on", arguments: [
        0.0000001, 0, -1, Double.infinity, Double.nan, 1e300,
    ])
    func timeoutRange(value: Double) {
        #expect(throws: DataError.self) {
            _ = try Fetcher(configuration: FetchFixture.configuration { $0.totalTimeout = value })
        }
        #expect(throws: DataError.self) {
            _ = try Fetcher(configuration: FetchFixture.configuration { $0.connectTimeout = value })
        }
    }

    @Test("a body over the limit fails as too-large, with and without Content-Length")
    func tooLarge() throws {
        let fixture = try FetchFixture()
        let configuration = FetchFixture.configuration { $0.maximumBodyBytes = 100_000 }
        let outcomes = try FetchFixture.fetch(
            [
                fixture.server.url("/big/1000000"), fixture.server.url("/stream/1000000"),
                fixture.server.url("/big/100000"),
            ],
            configuration)
        #expect(FetchFixture.failure(outcomes[0])?.reason == .tooLarge)
        #expect(FetchFixture.failure(outcomes[1])?.reason == .tooLarge)
        #expect(outcomes[0].attempts == 1 && outcomes[1].attempts == 1)
        #expect(FetchFixture.body(outcomes[2])?.bytes.count == 100_000)
    }

    @Test("a body that stops halfway is truncated, retried")
    func halfway() throws {
        let fixture = try FetchFixture()
        let outcome = try FetchFixture.fetch([fixture.server.url("/halfway/a.png")])[0]
        #expect(FetchFixture.failure(outcome)?.reason == .truncated)
        #expect(outcome.attempts == 3)
    }

    @Test("a chain of 3 redirects is followed; 6 is too many")
    func redirects() throws {
        let fixture = try FetchFixture()
        let outcomes = try FetchFixture.fetch([
            fixture.server.url("/redirect/3/files/a.png"), fixture.server.url("/redirect/6/files/a.png"),
        ])
        #expect(FetchFixture.body(outcomes[0])?.bytes == fixture.png)
        #expect(FetchFixture.body(outcomes[0])?.effectiveURL == fixture.server.url("/files/a.png"))
        #expect(FetchFixture.failure(outcomes[1])?.reason == .tooManyRedirects)
        #expect(outcomes[1].attempts == 1)
    }

    @Test("a redirect to file:// is refused even when file roots are allowed")
    func redirectToFile() throws {
        let fixture = try FetchFixture()
        let configuration = FetchFixture.configuration { $0.allowedFileRoots = ["/"] }
        let outcome = try FetchFixture.fetch([fixture.server.url("/redirect-to-file")], configuration)[0]
        let failure = FetchFixture.failure(outcome)
        #expect(failure?.reason == .disallowedScheme)
        #expect(
            failure?.message == fixture.server.url("/redirect-to-file")
                + ": refused a redirect to a disallowed scheme; "
                + "only http and https redirects are followed (Protocol \"file\" not supported or disabled in libcurl)."
        )
        #expect(outcome.attempts == 1)
    }

    @Test("an HTML page is fetched as bytes that are not an image")
    func html() throws {
        let fixture = try FetchFixture()
        let outcome = try FetchFixture.fetch([fixture.server.url("/html")])[0]
        let body = try #require(FetchFixture.body(outcome))
        #expect(body.contentType == "text/html")
        #expect(ImageFormat.detect(body.bytes) == nil)
    }

    @Test("the User-Agent names Distill")
    func userAgent() throws {
        let fixture = try FetchFixture()
        let outcome = try FetchFixture.fetch([fixture.server.url("/user-agent")])[0]
        #expect(FetchFixture.body(outcome).map { String(decoding: $0.bytes, as: UTF8.self) } == "Distill/0.1")
    }

    @Test(
        "schemes other than http, https and file are refused without a transfer",
        arguments: [
            ("ftp://example.com/a.png", FetchFailureReason.disallowedScheme),
            ("gopher://example.com/", .disallowedScheme),
            ("data:image/png;base64,AAAA", .invalidURL),
            ("not a url", .invalidURL),
            ("http://", .invalidURL),
        ])
    func refusedSchemes(url: String, reason: FetchFailureReason) throws {
        let outcome = try FetchFixture.fetch([url])[0]
        #expect(FetchFixture.failure(outcome)?.reason == reason)
        #expect(outcome.attempts == 0)
    }

    @Test("the refusal of ftp says which schemes are allowed")
    func refusalMessage() throws {
        let outcome = try FetchFixture.fetch(["ftp://example.com/a.png"])[0]
        #expect(
            FetchFixture.failure(outcome)?.message
                == "ftp://example.com/a.png uses scheme 'ftp'; only http, https and file (under --allow-file-root) are fetched."
        )
    }

    @Test("file:// URLs are read only under the allowed roots")
    func fileRoots() throws {
        let allowed = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: allowed.path + "/in.png"))
        try Data([4, 5]).write(to: URL(fileURLWithPath: outside.path + "/out.png"))
        try FileManager.default.createSymbolicLink(
            atPath: allowed.path + "/link.png", withDestinationPath: outside.path + "/out.png")
        let urls = [
            "file://" + allowed.path + "/in.png", "file://" + outside.path + "/out.png",
            "file://" + allowed.path + "/link.png",
            "file://" + allowed.path + "/../" + (outside.path as NSString).lastPathComponent + "/out.png",
            "file://" + allowed.path + "/missing.png",
        ]
        let outcomes = try FetchFixture.fetch(urls, FetchFixture.configuration { $0.allowedFileRoots = [allowed.path] })
        #expect(FetchFixture.body(outcomes[0])?.bytes == [1, 2, 3])
        #expect(FetchFixture.body(outcomes[0])?.httpStatus == nil)
        #expect(FetchFixture.failure(outcomes[1])?.reason == .fileOutsideRoots)
        #expect(FetchFixture.failure(outcomes[2])?.reason == .fileOutsideRoots)
        #expect(FetchFixture.failure(outcomes[3])?.reason == .fileOutsideRoots)
        #expect(FetchFixture.failure(outcomes[4])?.reason == .fileNotFound)
        // Without any root every file:// URL is refused.
        let refused = try FetchFixture.fetch([urls[0]])[0]
        #expect(FetchFixture.failure(refused)?.reason == .fileOutsideRoots)
        #expect(FetchFixture.failure(refused)?.message.contains("--allow-file-root") == true)
    }

    @Test("file:// reads only regular files beneath the root: relative links inside, no FIFO, directory or big file")
    func fileKinds() throws {
        let root = try TemporaryDirectory()
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: root.path + "/in.png"))
        try FileManager.default.createDirectory(atPath: root.path + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root.path + "/sub/link.png", withDestinationPath: "../in.png")
        try FileManager.default.createSymbolicLink(atPath: root.path + "/up.png", withDestinationPath: "../../etc/hostname")
        #expect(mkfifo(root.path + "/fifo.png", 0o600) == 0)
        try Data(repeating: 7, count: 5000).write(to: URL(fileURLWithPath: root.path + "/big.png"))
        let urls = ["sub/link.png", "up.png", "fifo.png", "sub", "big.png", "sub/../in.png"].map {
            "file://" + root.path + "/" + $0
        }
        let outcomes = try FetchFixture.fetch(
            urls,
            FetchFixture.configuration {
                $0.allowedFileRoots = [root.path]
                $0.maximumBodyBytes = 4096
            })
        #expect(FetchFixture.body(outcomes[0])?.bytes == [1, 2, 3])
        #expect(FetchFixture.failure(outcomes[1])?.reason == .fileOutsideRoots)
        #expect(FetchFixture.failure(outcomes[2])?.reason == .notARegularFile)
        #expect(FetchFixture.failure(outcomes[3])?.reason == .notARegularFile)
        #expect(FetchFixture.failure(outcomes[4])?.reason == .tooLarge)
        #expect(FetchFixture.body(outcomes[5])?.bytes == [1, 2, 3])
    }

    @Test("a refused connection is a transient connection failure")
    func connectionRefused() throws {
        let port = try FetchFixture.closedPort()
        let outcome = try FetchFixture.fetch(
            ["http://127.0.0.1:\(port)/a.png"], FetchFixture.configuration { $0.maximumAttempts = 2 })[0]
        #expect(FetchFixture.failure(outcome)?.reason == .connection)
        #expect(outcome.attempts == 2)
    }

    @Test("1,000 URLs fetched concurrently each get exactly one outcome")
    func thousand() throws {
        let fixture = try FetchFixture()
        let urls = (0..<1000).map { fixture.server.url("/files/\($0 % 2 == 0 ? "a.png" : "b.jpg")?n=\($0)") }
        var seen = [Int](repeating: 0, count: 1000)
        var successes = 0
        try Fetcher(configuration: FetchFixture.configuration { $0.perHostConnections = 32 }).fetch(urls) { outcome in
            seen[outcome.index] += 1
            if let body = FetchFixture.body(outcome),
                body.bytes == (outcome.index % 2 == 0 ? fixture.png : fixture.jpeg)
            {
                successes += 1
            }
        }
        #expect(seen.allSatisfy { $0 == 1 })
        #expect(successes == 1000)
    }

    @Test("bad settings are refused")
    func badConfiguration() {
        #expect(throws: DataError.self) {
            _ = try Fetcher(configuration: FetchFixture.configuration { $0.concurrency = 0 })
        }
        #expect(throws: DataError.self) {
            _ = try Fetcher(configuration: FetchFixture.configuration { $0.allowedFileRoots = ["/no/such/root"] })
        }
    }

    @Test("backoff doubles per attempt within the jitter band and is capped")
    func backoff() {
        var configuration = FetchConfiguration()
        configuration.retryBaseDelay = 1
        configuration.retryMaximumDelay = 8
        var random = SystemRandomNumberGenerator()
        for attempt in 1...6 {
            let expected = min(8, pow(2, Double(attempt - 1)))
            let delay = configuration.backoff(afterAttempt: attempt, using: &random)
            #expect(delay >= expected * 0.5 && delay <= expected)
        }
    }
}
