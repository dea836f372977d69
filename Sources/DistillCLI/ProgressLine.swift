// Copyright 2026 The Distill authors.

import DistillService
import Foundation

/// The progress line on standard error: rewritten in place on a terminal, one line every 2 s otherwise.
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let terminal = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var lastLine = Date()
    private var lastDone = -1
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: ImageFetchProgress) {
        guard enabled, progress.total > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard progress.done != lastDone else { return }
        guard terminal || now.timeIntervalSince(lastLine) >= 2 || progress.done == progress.total else { return }
        lastLine = now
        lastDone = progress.done
        let eta = progress.etaSeconds.map { "ETA \(Int($0.rounded(.up))) s" } ?? "ETA -"
        let text =
            "fetch: \(progress.done)/\(progress.total) done, \(progress.failed) failed, "
            + String(format: "%.1f MB/s", progress.megabytesPerSecond) + ", \(eta)"
        FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + text : text + "\n").utf8))
        shown = true
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if enabled, terminal, shown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
