// Copyright 2026 The Distill authors.
// The heartbeat of a held run: on its own thread, once a second (or a quarter of the lease if shorter) it reads
// whether the run is still the worker's and whether its job was cancelled or failed, and renews the lease every
// third of its length. The training thread reads `status` before every step.

import DistillStore
import Foundation

/// Keeps one lease alive while a run trains, and notices a cancel within a second.
final class LeaseKeeper: @unchecked Sendable {
    private let store: Store
    private let lease: RunLease
    private let leaseSeconds: Double
    private let timer: any DispatchSourceTimer
    private let lock = NSLock()
    private var current: LeaseStatus = .held
    private var lastRenewal = Date()

    /// Starts the heartbeat.
    /// - Parameters:
    ///   - store: The database.
    ///   - lease: The held run (just claimed: the claim set its expiry).
    ///   - leaseSeconds: The lease length.
    init(store: Store, lease: RunLease, leaseSeconds: Double) {
        self.store = store
        self.lease = lease
        self.leaseSeconds = leaseSeconds
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "distill-heartbeat"))
        let interval = min(1, leaseSeconds / 4)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.beat() }
        timer.resume()
    }

    deinit { timer.cancel() }

    /// What the last heartbeat found (sticky once no longer `held`).
    var status: LeaseStatus {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Stops the heartbeat (the lease then expires unless released).
    func stop() { timer.cancel() }

    private func beat() {
        guard status == .held else { return }
        // A failed read or renewal (a busy database) is tried again at the next beat; the lease is a third
        // of its length ahead, so a few missed beats cost nothing.
        guard var found = try? store.leaseStatus(lease) else { return }
        if found == .held, Date().timeIntervalSince(lastRenewal) >= leaseSeconds / 3 {
            if let renewed = try? store.renewLease(lease, leaseSeconds: leaseSeconds) {
                if renewed { lastRenewal = Date() } else { found = .lost }
            }
        }
        lock.lock()
        current = found
        lock.unlock()
    }
}
