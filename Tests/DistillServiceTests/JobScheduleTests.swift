// Copyright 2026 The Distill authors.

import DistillService
import DistillStore
import Foundation
import Testing

@Suite("Job schedules: --at and --window")
struct JobScheduleTests {
    let utc = TimeZone(identifier: "UTC") ?? .current

    func date(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text))
    }

    func schedule(at: String? = nil, window: (String, String)? = nil) -> JobSchedule {
        JobSchedule(
            JobScheduleFields(jobID: 1, notBefore: at, windowStart: window?.0, windowEnd: window?.1), timeZone: utc)
    }

    @Test("a window that wraps midnight is open late and early, closed in between")
    func wrappingWindow() throws {
        let night = schedule(window: ("22:00", "06:00"))
        #expect(night.isOpen(at: try date("2026-12-01T22:00:00Z")))
        #expect(night.isOpen(at: try date("2026-12-02T05:59:00Z")))
        #expect(!night.isOpen(at: try date("2026-12-02T06:00:00Z")))
        #expect(!night.isOpen(at: try date("2026-12-01T21:59:59Z")))
        #expect(night.windowEnd(after: try date("2026-12-01T23:00:00Z")) == (try date("2026-12-02T06:00:00Z")))
        #expect(night.windowEnd(after: try date("2026-12-01T12:00:00Z")) == nil)
        #expect(night.nextStart(after: try date("2026-12-01T12:00:00Z")) == (try date("2026-12-01T22:00:00Z")))
        #expect(night.nextStart(after: try date("2026-12-01T23:00:00Z")) == (try date("2026-12-01T23:00:00Z")))
    }

    @Test("a day window and --at combine: the first time both allow")
    func dayWindowAndAt() throws {
        let both = schedule(at: "2026-12-03T10:30:00.000Z", window: ("09:00", "17:00"))
        #expect(!both.isOpen(at: try date("2026-12-03T10:00:00Z")))
        #expect(both.isOpen(at: try date("2026-12-03T10:30:00Z")))
        #expect(both.nextStart(after: try date("2026-12-01T08:00:00Z")) == (try date("2026-12-03T10:30:00Z")))
        #expect(both.nextStart(after: try date("2026-12-03T18:00:00Z")) == (try date("2026-12-04T09:00:00Z")))
        #expect(both.windowEnd(after: try date("2026-12-03T16:00:00Z")) == (try date("2026-12-03T17:00:00Z")))
        #expect(schedule().isOpen(at: Date()) && schedule().windowEnd(after: Date()) == nil)
    }

    @Test("a worker of this host whose process is gone is abandoned; others and live ones are not")
    func abandonedOwners() {
        let me = WorkerIdentity.current(name: "me")
        #expect(me.owner.hasPrefix("me@\(me.host):\(getpid()):"))
        #expect(!me.isAbandoned(me.owner))
        #expect(!me.isAbandoned("x@\(me.host):1:abc"))  // pid 1 exists
        #expect(me.isAbandoned("x@\(me.host):\(Int32.max - 7):abc"))
        #expect(!me.isAbandoned("x@another-host:\(Int32.max - 7):abc"))
        #expect(!me.isAbandoned("malformed"))
    }
}
