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
        let eta = progress.etaSeconds.map { "ETA \(Int($0.rounded(.up))) s" } ?? "ETA -"
        emit(
            "fetch: \(progress.done)/\(progress.total) done, \(progress.failed) failed, "
                + String(format: "%.1f MB/s", progress.megabytesPerSecond) + ", \(eta)",
            done: progress.done, final: progress.done == progress.total)
    }

    /// A teacher import's line, shown once the import has run for a second (short imports stay quiet).
    func show(_ progress: TeacherImportProgress) {
        guard enabled, progress.elapsedSeconds >= 1 else { return }
        let eta = progress.etaSeconds.map { "ETA \(Int($0.rounded(.up))) s" } ?? "ETA -"
        emit(
            "import: "
                + String(format: "%.1f/%.1f MB", Double(progress.bytesDone) / 1e6, Double(progress.totalBytes) / 1e6)
                + ", \(progress.rows) rows, " + String(format: "%.1f MB/s", progress.megabytesPerSecond) + ", \(eta)",
            done: Int(truncatingIfNeeded: progress.bytesDone), final: progress.bytesDone == progress.totalBytes)
    }

    /// A plain counter's line ("photos: 300/1500").
    func show(_ label: String, done: Int, total: Int) {
        guard enabled else { return }
        emit("\(label): \(done)/\(total)", done: done, final: done == total)
    }

    /// Writes `text` unless nothing changed, or (off a terminal) less than 2 s passed and it is not the last.
    private func emit(_ text: String, done: Int, final: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard done != lastDone else { return }
        guard terminal || now.timeIntervalSince(lastLine) >= 2 || final else { return }
        lastLine = now
        lastDone = done
        FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + text : text + "\n").utf8))
        shown = true
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if enabled, terminal, shown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
