// Copyright 2026 The Distill authors.
// When a job may run: not before `--at`, and only inside its daily `--window` (local time, may wrap midnight).
// The clock is a seam: the daemon reads time through `ScheduleClock`, so tests drive windows without waiting
// for real midnights.

import DistillStore
import Foundation

/// Where the daemon reads the time of day for schedules.
public protocol ScheduleClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's clock.
public struct SystemClock: ScheduleClock {
    /// Creates the clock.
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock whose time is the ISO-8601 text in a file (for tests of windows through the real binary:
/// `DISTILL_CLOCK_FILE`); the real clock while the file is missing or unreadable.
public struct FileClock: ScheduleClock {
    /// The file.
    public let path: String

    /// Creates the clock.
    public init(path: String) { self.path = path }

    public func now() -> Date {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return Date() }
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? Date()
    }
}

/// A job's schedule.
public struct JobSchedule: Sendable, Equatable {
    /// Not started before this time.
    public var notBefore: Date?
    /// Daily window, minutes after local midnight (start, end); end < start wraps midnight.
    public var window: (start: Int, end: Int)?
    /// The time zone windows are read in.
    public var timeZone: TimeZone

    public static func == (a: JobSchedule, b: JobSchedule) -> Bool {
        a.notBefore == b.notBefore && a.window?.start == b.window?.start && a.window?.end == b.window?.end
            && a.timeZone == b.timeZone
    }

    /// The schedule of stored fields (unparseable fields are ignored: submit validated them).
    public init(_ fields: JobScheduleFields, timeZone: TimeZone = .current) {
        self.timeZone = timeZone
        notBefore = fields.notBefore.flatMap(Self.parseTimestamp)
        if let start = fields.windowStart.flatMap(Self.minutes), let end = fields.windowEnd.flatMap(Self.minutes) {
            window = (start, end)
        }
    }

    /// Whether a job may run at `date`.
    public func isOpen(at date: Date) -> Bool {
        if let notBefore, date < notBefore { return false }
        guard let window else { return true }
        let minute = minuteOfDay(date)
        return window.start < window.end
            ? (window.start..<window.end).contains(minute) : (minute >= window.start || minute < window.end)
    }

    /// The end of the window that is open at `date` (nil without a window, or when it is closed).
    public func windowEnd(after date: Date) -> Date? {
        guard let window, isOpen(at: date) else { return nil }
        return nextBoundary(minute: window.end, after: date)
    }

    /// The first time at or after `date` when the job may run.
    public func nextStart(after date: Date) -> Date {
        var start = max(date, notBefore ?? date)
        guard let window, !isOpen(at: start) else { return start }
        start = nextBoundary(minute: window.start, after: start)
        return start
    }

    // MARK: - Private

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    private func minuteOfDay(_ date: Date) -> Int {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    /// The next local time after `date` whose clock reads `minute` (daylight-saving jumps move it with them).
    private func nextBoundary(minute: Int, after date: Date) -> Date {
        let components = DateComponents(hour: minute / 60, minute: minute % 60, second: 0)
        return calendar.nextDate(after: date, matching: components, matchingPolicy: .nextTime) ?? date
    }

    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour),
            (0..<60).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
