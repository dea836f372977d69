// Copyright 2026 The Distill authors.
// The one thin wrapper around libcurl 7.88 (easy, multi and URL APIs). Variadic C functions go through the
// typed inline shims in Sources/CCurl/shim.h; every status is checked and turned into a DataError naming
// the function. Raw pointers stay inside this file.

import CCurl

/// Namespace for the libcurl handle wrappers used by `Fetcher`.
enum Curl {
    /// `curl_global_init` runs once, before the first handle (thread-safe lazy static).
    static let globalInitStatus: CURLcode = curl_global_init(3)  // CURL_GLOBAL_DEFAULT = SSL | WIN32

    static func check(_ status: CURLcode, _ function: String) throws {
        guard status != CURLE_OK else { return }
        throw DataError(
            .library, "\(function) failed (\(status.rawValue)): \(String(cString: curl_easy_strerror(status))).")
    }

    static func describe(_ status: CURLcode) -> String { String(cString: curl_easy_strerror(status)) }

    /// One easy handle with its error buffer; reused across transfers (connections stay in the multi's cache).
    final class Easy {
        let handle: UnsafeMutableRawPointer
        private let errorBuffer: UnsafeMutablePointer<CChar>

        init() throws {
            try Curl.check(Curl.globalInitStatus, "curl_global_init")
            guard let handle = curl_easy_init() else { throw DataError(.library, "curl_easy_init returned NULL.") }
            self.handle = handle
            errorBuffer = .allocate(capacity: 256)  // CURL_ERROR_SIZE
            errorBuffer.initialize(repeating: 0, count: 256)
        }

        deinit {
            curl_easy_cleanup(handle)
            errorBuffer.deallocate()
        }

        /// Clears all options (keeping the handle) and re-installs the error buffer.
        func reset() throws {
            curl_easy_reset(handle)
            errorBuffer[0] = 0
            try Curl.check(
                distill_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "curl_easy_setopt(ERRORBUFFER)")
        }

        /// The detailed message of the last failed transfer, or "" when none.
        var errorText: String { String(cString: errorBuffer) }

        func set(_ option: CURLoption, _ value: Int) throws {
            try Curl.check(distill_curl_setopt_long(handle, option, value), "curl_easy_setopt(\(option.rawValue))")
        }

        func set(_ option: CURLoption, _ value: String) throws {
            // libcurl copies string options (since 7.17), so the temporary C string may go away.
            let status = value.withCString { distill_curl_setopt_string(handle, option, $0) }
            try Curl.check(status, "curl_easy_setopt(\(option.rawValue))")
        }

        func set(_ option: CURLoption, offset value: Int64) throws {
            try Curl.check(
                distill_curl_setopt_off(handle, option, curl_off_t(value)), "curl_easy_setopt(\(option.rawValue))")
        }

        func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws {
            try Curl.check(distill_curl_setopt_pointer(handle, option, value), "curl_easy_setopt(\(option.rawValue))")
        }

        func setWriteFunction(
            _ function:
                @escaping @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int
        ) throws {
            try Curl.check(
                distill_curl_setopt_write(handle, CURLOPT_WRITEFUNCTION, function), "curl_easy_setopt(WRITEFUNCTION)")
        }

        func setOpenSocketFunction(_ function: curl_opensocket_callback) throws {
            try Curl.check(
                distill_curl_setopt_opensocket(handle, CURLOPT_OPENSOCKETFUNCTION, function),
                "curl_easy_setopt(OPENSOCKETFUNCTION)")
        }

        func long(_ info: CURLINFO) -> Int? {
            var value = 0
            return distill_curl_getinfo_long(handle, info, &value) == CURLE_OK ? value : nil
        }

        func offset(_ info: CURLINFO) -> Int64? {
            var value: curl_off_t = 0
            return distill_curl_getinfo_off(handle, info, &value) == CURLE_OK ? Int64(value) : nil
        }

        func string(_ info: CURLINFO) -> String? {
            var value: UnsafeMutablePointer<CChar>? = nil
            guard distill_curl_getinfo_string(handle, info, &value) == CURLE_OK, let value else { return nil }
            return String(cString: value)
        }
    }

    /// The multi handle driving many easy handles on one thread.
    final class Multi {
        let handle: UnsafeMutableRawPointer

        init() throws {
            try Curl.check(Curl.globalInitStatus, "curl_global_init")
            guard let handle = curl_multi_init() else { throw DataError(.library, "curl_multi_init returned NULL.") }
            self.handle = handle
        }

        deinit { curl_multi_cleanup(handle) }

        private func check(_ status: CURLMcode, _ function: String) throws {
            guard status != CURLM_OK else { return }
            throw DataError(
                .library, "\(function) failed (\(status.rawValue)): \(String(cString: curl_multi_strerror(status))).")
        }

        func set(_ option: CURLMoption, _ value: Int) throws {
            try check(distill_curl_multi_setopt_long(handle, option, value), "curl_multi_setopt(\(option.rawValue))")
        }

        func add(_ easy: Easy) throws { try check(curl_multi_add_handle(handle, easy.handle), "curl_multi_add_handle") }

        func remove(_ easy: Easy) throws {
            try check(curl_multi_remove_handle(handle, easy.handle), "curl_multi_remove_handle")
        }

        /// Drives all transfers as far as they go without blocking.
        func perform() throws {
            var running: Int32 = 0
            try check(curl_multi_perform(handle, &running), "curl_multi_perform")
        }

        /// Waits for activity on any transfer, at most `milliseconds`.
        func poll(milliseconds: Int) throws {
            try check(curl_multi_poll(handle, nil, 0, Int32(milliseconds), nil), "curl_multi_poll")
        }

        /// The finished transfers since the last call: (easy handle, result code).
        func completed() -> [(handle: UnsafeMutableRawPointer, result: CURLcode)] {
            var finished: [(handle: UnsafeMutableRawPointer, result: CURLcode)] = []
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(handle, &remaining) {
                if message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle {
                    finished.append((easy, message.pointee.data.result))
                }
            }
            return finished
        }
    }

    /// The parts of a URL as libcurl's URL parser sees them.
    struct ParsedURL {
        var scheme: String
        var host: String
        var port: String
        /// Percent-decoded path.
        var path: String
    }

    /// Parses a URL with `curl_url` (any scheme accepted here; the policy decides later).
    static func parse(_ url: String) throws -> ParsedURL {
        try Curl.check(globalInitStatus, "curl_global_init")
        guard let parser = curl_url() else { throw DataError(.library, "curl_url returned NULL.") }
        defer { curl_url_cleanup(parser) }
        let status = url.withCString { curl_url_set(parser, CURLUPART_URL, $0, UInt32(1 << 3)) }  // NON_SUPPORT_SCHEME
        guard status == CURLUE_OK else {
            throw DataError(
                .invalidArgument, "'\(url)' is not a valid URL: \(String(cString: curl_url_strerror(status))).")
        }
        func part(_ which: CURLUPart, _ flags: UInt32 = 0) -> String {
            var value: UnsafeMutablePointer<CChar>? = nil
            guard curl_url_get(parser, which, &value, flags) == CURLUE_OK, let value else { return "" }
            defer { curl_free(value) }
            return String(cString: value)
        }
        return ParsedURL(
            scheme: part(CURLUPART_SCHEME).lowercased(), host: part(CURLUPART_HOST).lowercased(),
            port: part(CURLUPART_PORT), path: part(CURLUPART_PATH, UInt32(1 << 6)))  // URLDECODE
    }

    /// Builds a `file://` URL for an absolute path (percent-encoding what needs it).
    static func fileURL(path: String) throws -> String {
        guard let builder = curl_url() else { throw DataError(.library, "curl_url returned NULL.") }
        defer { curl_url_cleanup(builder) }
        var status = "file".withCString { curl_url_set(builder, CURLUPART_SCHEME, $0, 0) }
        if status == CURLUE_OK {
            status = path.withCString { curl_url_set(builder, CURLUPART_PATH, $0, UInt32(1 << 7)) }
        }
        var value: UnsafeMutablePointer<CChar>? = nil
        if status == CURLUE_OK { status = curl_url_get(builder, CURLUPART_URL, &value, 0) }
        guard status == CURLUE_OK, let value else {
            throw DataError(
                .invalidArgument, "Cannot make a file URL of '\(path)': \(String(cString: curl_url_strerror(status))).")
        }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
