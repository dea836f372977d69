// Copyright 2026 The Distill authors.
// Many URLs at once over libcurl's multi interface, on the calling thread: a global concurrency limit, a
// per-host cap, timeouts, a body-size limit enforced while receiving, redirects only to http/https, and
// retries with exponential backoff and jitter for transient failures.

import CCurl

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Receives the body of one transfer; reached from libcurl's write callback through `Unmanaged`.
private final class TransferState {
    let index: Int
    let attempt: Int
    let permission: URLPermission
    let limit: Int
    let networks: NetworkPolicy
    var body: [UInt8] = []
    var exceededLimit = false
    /// The address of a connection the network policy refused, for the failure message.
    var refusedAddress: String?

    init(index: Int, attempt: Int, permission: URLPermission, limit: Int, networks: NetworkPolicy) {
        self.index = index
        self.attempt = attempt
        self.permission = permission
        self.limit = limit
        self.networks = networks
    }
}

/// libcurl's open-socket callback: every connection of a transfer (redirects included) passes here with the
/// address it is about to connect to; one the network policy refuses gets no socket (CURLE_COULDNT_CONNECT).
private let openSocketCallback: curl_opensocket_callback = { context, purpose, address in
    guard let context, let address else { return -1 }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    var bytes = [UInt8](repeating: 0, count: 16)
    let count = Int(distill_curl_sockaddr_ip(address, &bytes))
    if count > 0 {
        let ip = Array(bytes[0..<count])
        guard state.networks.permits(ip) else {
            state.refusedAddress = NetworkPolicy.describe(ip)
            return -1  // CURL_SOCKET_BAD
        }
    }
    return socket(address.pointee.family, address.pointee.socktype, address.pointee.protocol)
}

/// libcurl's write callback: appends to the transfer's body, aborting (short count → error 23) past the limit.
private let writeCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    guard let context else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard state.body.count + length <= state.limit else {
        state.exceededLimit = true
        return 0
    }
    if let data, length > 0 {
        data.withMemoryRebound(to: UInt8.self, capacity: length) {
            state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
        }
    }
    return length
}

/// Fetches URLs concurrently through libcurl's multi interface.
///
/// `fetch(_:onOutcome:)` blocks its thread until every URL has an outcome; outcomes arrive in completion
/// order. A fetcher is not thread-safe: use it from one thread (run it on a dedicated thread in async code).
public final class Fetcher {
    /// The settings.
    public let configuration: FetchConfiguration
    private let policy: URLPolicy
    private let networks: NetworkPolicy
    private let multi: Curl.Multi
    private var idleHandles: [Curl.Easy] = []
    private var random = SystemRandomNumberGenerator()

    /// Creates a fetcher.
    /// - Parameter configuration: Limits and politeness settings.
    /// - Throws: `DataError.invalidArgument` for a bad setting or a missing file root, `.library` when libcurl fails.
    public init(configuration: FetchConfiguration = FetchConfiguration()) throws {
        try configuration.validate()
        self.configuration = configuration
        policy = try URLPolicy(allowedFileRoots: configuration.allowedFileRoots)
        networks = try NetworkPolicy(allowedNetworks: configuration.allowedNetworks)
        multi = try Curl.Multi()
        try multi.set(CURLMOPT_MAXCONNECTS, configuration.concurrency)
    }

    /// Fetches every URL, calling `onOutcome` once per URL as soon as its final result is known.
    /// - Parameters:
    ///   - urls: The URLs, in any order (duplicates are fetched separately).
    ///   - shouldStop: Checked between rounds of transfers (a few times a second at least); true → the
    ///     transfers in flight are abandoned and `CancellationError` is thrown (URLs not reported stay unfetched).
    ///   - onOutcome: Called on this thread, once per URL, with the body or the failure.
    /// - Throws: `DataError.library` only when libcurl itself fails (not for failed URLs), `CancellationError`.
    public func fetch(
        _ urls: [String], shouldStop: () -> Bool = { false }, onOutcome: (FetchOutcome) -> Void
    ) throws {
        var ready: [String: [(index: Int, attempt: Int, permission: URLPermission)]] = [:]
        var hostOrder: [String] = []
        var readyCount = 0
        var waiting: [(time: Double, index: Int, attempt: Int, permission: URLPermission)] = []
        var active: [UnsafeMutableRawPointer: (easy: Curl.Easy, state: TransferState)] = [:]
        var perHost: [String: Int] = [:]

        func enqueue(_ index: Int, _ attempt: Int, _ permission: URLPermission) {
            if ready[permission.hostKey] == nil { hostOrder.append(permission.hostKey) }
            ready[permission.hostKey, default: []].append((index, attempt, permission))
            readyCount += 1
        }
        for (index, url) in urls.enumerated() {
            let permission: URLPermission
            do throws(FetchFailure) {
                permission = try policy.permit(url)
            } catch {
                onOutcome(FetchOutcome(index: index, url: url, result: .failure(error), attempts: 0))
                continue
            }
            guard let file = permission.file else {
                enqueue(index, 1, permission)
                continue
            }
            // Local files are read here, beneath their root's descriptor, never through libcurl.
            let read = policy.fileRoots.read(
                file.relative, root: file.root, url: url, limit: configuration.maximumBodyBytes)
            onOutcome(
                FetchOutcome(
                    index: index, url: url,
                    result: read.map { FetchedBody(bytes: $0, httpStatus: nil, contentType: nil, effectiveURL: url) },
                    attempts: 1))
        }
        // Reverse each host queue once so popLast takes URLs in request order.
        for key in ready.keys { ready[key]?.reverse() }

        while readyCount > 0 || !waiting.isEmpty || !active.isEmpty {
            if shouldStop() {
                for (_, transfer) in active { try? multi.remove(transfer.easy) }
                throw CancellationError()
            }
            // Backoffs that have expired go back to the ready queues.
            let now = Self.now()
            if !waiting.isEmpty {
                let due = waiting.filter { $0.time <= now }
                waiting.removeAll { $0.time <= now }
                for item in due {
                    if ready[item.permission.hostKey] == nil { hostOrder.append(item.permission.hostKey) }
                    ready[item.permission.hostKey, default: []].insert(
                        (item.index, item.attempt, item.permission), at: 0)
                    readyCount += 1
                }
            }
            // Start transfers round-robin over hosts with spare connections.
            var progress = true
            while active.count < configuration.concurrency, readyCount > 0, progress {
                progress = false
                for host in hostOrder where active.count < configuration.concurrency {
                    guard perHost[host, default: 0] < configuration.perHostConnections,
                        let item = ready[host]?.popLast()
                    else { continue }
                    readyCount -= 1
                    let easy = try idleHandles.popLast() ?? Curl.Easy()
                    let state = TransferState(
                        index: item.index, attempt: item.attempt, permission: item.permission,
                        limit: configuration.maximumBodyBytes, networks: networks)
                    try configure(easy, for: state)
                    try multi.add(easy)
                    active[easy.handle] = (easy, state)
                    perHost[host, default: 0] += 1
                    progress = true
                }
                hostOrder.removeAll { ready[$0]?.isEmpty ?? true }
                for host in ready.keys where ready[host]?.isEmpty == true { ready[host] = nil }
            }

            try multi.perform()
            for (handle, result) in multi.completed() {
                guard let (easy, state) = active.removeValue(forKey: handle) else { continue }
                try multi.remove(easy)
                perHost[state.permission.hostKey, default: 1] -= 1
                let outcome = classify(easy, state, result)
                // A server's Retry-After (429/503) is honoured, up to the maximum backoff.
                let retryAfter = Double(easy.offset(CURLINFO_RETRY_AFTER) ?? 0)
                idleHandles.append(easy)
                switch outcome {
                case .success(let body):
                    onOutcome(
                        FetchOutcome(
                            index: state.index, url: urls[state.index], result: .success(body), attempts: state.attempt)
                    )
                case .failure(let failure):
                    if failure.reason.isTransient, state.attempt < configuration.maximumAttempts {
                        let delay = max(
                            configuration.backoff(afterAttempt: state.attempt, using: &random),
                            min(retryAfter, configuration.retryMaximumDelay))
                        waiting.append((Self.now() + delay, state.index, state.attempt + 1, state.permission))
                    } else {
                        onOutcome(
                            FetchOutcome(
                                index: state.index, url: urls[state.index], result: .failure(failure),
                                attempts: state.attempt))
                    }
                }
            }
            if active.isEmpty, readyCount == 0, let next = waiting.map(\.time).min() {
                let milliseconds = Int(((next - Self.now()) * 1000).rounded(.up))
                if milliseconds > 0 { usleep(UInt32(min(milliseconds, 1000)) * 1000) }
            } else if !active.isEmpty {
                let nextRetry = waiting.map(\.time).min().map { Int((($0 - Self.now()) * 1000).rounded(.up)) } ?? 1000
                try multi.poll(milliseconds: max(0, min(nextRetry, 1000)))
            }
        }
    }

    // MARK: - Private

    private func configure(_ easy: Curl.Easy, for state: TransferState) throws {
        try easy.reset()
        try easy.set(CURLOPT_URL, state.permission.url)
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_FOLLOWLOCATION, 1)
        try easy.set(CURLOPT_MAXREDIRS, configuration.maximumRedirects)
        // validate() keeps both within 1 ms…1 day, so neither becomes 0 ("no timeout" to libcurl) nor traps.
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, FetchConfiguration.milliseconds(configuration.connectTimeout))
        try easy.set(CURLOPT_TIMEOUT_MS, FetchConfiguration.milliseconds(configuration.totalTimeout))
        // A server dripping bytes is cut off after lowSpeedSeconds below lowSpeedBytesPerSecond.
        try easy.set(CURLOPT_LOW_SPEED_LIMIT, configuration.lowSpeedBytesPerSecond)
        try easy.set(CURLOPT_LOW_SPEED_TIME, configuration.lowSpeedSeconds)
        try easy.set(CURLOPT_MAXFILESIZE_LARGE, offset: Int64(configuration.maximumBodyBytes))
        try easy.set(CURLOPT_NOSIGNAL, 1)
        try easy.set(CURLOPT_USERAGENT, configuration.userAgent)
        try easy.setWriteFunction(writeCallback)
        try easy.set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(state).toOpaque())
        try easy.setOpenSocketFunction(openSocketCallback)
        try easy.set(CURLOPT_OPENSOCKETDATA, pointer: Unmanaged.passUnretained(state).toOpaque())
    }

    private func classify(_ easy: Curl.Easy, _ state: TransferState, _ result: CURLcode) -> Result<
        FetchedBody, FetchFailure
    > {
        let url = state.permission.url
        let status = easy.long(CURLINFO_RESPONSE_CODE).flatMap { $0 > 0 ? $0 : nil }
        let detail = easy.errorText.isEmpty ? Curl.describe(result) : easy.errorText
        let attempts = "after \(state.attempt) attempt\(state.attempt == 1 ? "" : "s")"
        func failure(_ reason: FetchFailureReason, _ message: String) -> Result<FetchedBody, FetchFailure> {
            .failure(FetchFailure(reason, message, httpStatus: status))
        }
        switch result {
        case CURLE_OK:
            break
        case CURLE_WRITE_ERROR where state.exceededLimit, CURLE_FILESIZE_EXCEEDED:
            return failure(
                .tooLarge, "\(url): the body is larger than the limit of \(configuration.maximumBodyBytes) bytes.")
        case CURLE_OPERATION_TIMEDOUT:
            return failure(.timeout, "\(url): timed out \(attempts) (\(detail)).")
        case CURLE_PARTIAL_FILE:
            return failure(.truncated, "\(url): the body ended early \(attempts) (\(detail)).")
        case CURLE_COULDNT_CONNECT where state.refusedAddress != nil:
            return failure(
                .disallowedAddress,
                "\(url): refused to connect to \(state.refusedAddress ?? "?"), a link-local or non-public address; "
                    + "only public addresses and the ranges in DISTILL_ALLOW_NETWORKS are fetched (link-local only "
                    + "when listed).")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_GOT_NOTHING,
            CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return failure(.connection, "\(url): \(detail) \(attempts).")
        case CURLE_TOO_MANY_REDIRECTS:
            return failure(.tooManyRedirects, "\(url): more than \(configuration.maximumRedirects) redirects.")
        case CURLE_UNSUPPORTED_PROTOCOL:
            let target = easy.string(CURLINFO_REDIRECT_URL).map { " to \($0)" } ?? " to a disallowed scheme"
            return failure(
                .disallowedScheme,
                "\(url): refused a redirect\(target); only http and https redirects are followed (\(detail)).")
        case CURLE_FILE_COULDNT_READ_FILE, CURLE_READ_ERROR:
            return failure(.fileNotFound, "\(url): \(detail).")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE:
            return failure(.tls, "\(url): TLS failed: \(detail).")
        case CURLE_URL_MALFORMAT:
            return failure(.invalidURL, "\(url): \(detail).")
        default:
            return failure(.other, "\(url): libcurl error \(result.rawValue): \(detail).")
        }
        if let status {
            switch status {
            case 200..<300: break
            case 429:
                return failure(
                    .rateLimited, "\(url): HTTP 429 Too Many Requests \(attempts); try a lower --concurrency.")
            case 500..<600: return failure(.httpServerError, "\(url): HTTP \(status) \(attempts).")
            case 400..<500: return failure(.httpClientError, "\(url): HTTP \(status); check the URL.")
            default: return failure(.unexpectedStatus, "\(url): HTTP \(status) is not a success.")
            }
        }
        return .success(
            FetchedBody(
                bytes: state.body, httpStatus: status,
                contentType: easy.string(CURLINFO_CONTENT_TYPE),
                effectiveURL: easy.string(CURLINFO_EFFECTIVE_URL) ?? url))
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
