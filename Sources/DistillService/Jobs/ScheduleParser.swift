// Copyright 2026 The Distill authors.

import Foundation

/// Parses `--at` times and `--window` ranges.
public enum ScheduleParser {
    /// Parses a start time: ISO-8601 with a zone (`2026-11-27T22:00:00Z`), a local date and time
    /// (`2026-11-27 22:00`), or a local `HH:MM` (its next occurrence after `now`).
    /// - Returns: The time as ISO-8601 UTC with fractional seconds, as the database stores times.
    /// - Throws: `ServiceError.invalidArgument` naming the value and the accepted forms.
    public static func parseTime(_ text: String, now: Date = Date(), timeZone: TimeZone = .current) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let iso = ISO8601DateFormatter()
        if let date = iso.date(from: trimmed) { return format(date) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let local = DateFormatter()
        local.locale = Locale(identifier: "en_US_POSIX")
        local.timeZone = timeZone
        for pattern in ["yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss"] {
            local.dateFormat = pattern
            if let date = local.date(from: trimmed) { return format(date) }
        }
        if let (hour, minute) = try? parseClock(trimmed) {
            var components = calendar.dateComponents([.year, .month, .day], from: now)
            components.hour = hour
            components.minute = minute
            if let today = calendar.date(from: components) {
                let next = today > now ? today : calendar.date(byAdding: .day, value: 1, to: today) ?? today
                return format(next)
            }
        }
        throw ServiceError.invalid(
            "'\(text)' is not a time Distill understands; use HH:MM (next occurrence), 'YYYY-MM-DD HH:MM' (local) "
                + "or ISO-8601 such as 2026-11-27T22:00:00Z.")
    }

    /// Parses a daily window `HH:MM-HH:MM` in local time; it may wrap midnight (`22:00-06:00`).
    /// - Parameter text: The window as typed.
    /// - Returns: The start and end as `HH:MM`.
    /// - Throws: `ServiceError.invalidArgument` naming the value.
    public static func parseWindow(_ text: String) throws -> (start: String, end: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard parts.count == 2, let start = try? parseClock(parts[0]), let end = try? parseClock(parts[1]) else {
            throw ServiceError.invalid("'\(text)' is not a window; use HH:MM-HH:MM in local time, e.g. 22:00-06:00.")
        }
        guard start != end else {
            throw ServiceError.invalid(
                "The window '\(text)' starts and ends at the same time; give a window of some length.")
        }
        return (clock(start), clock(end))
    }

    static func parseClock(_ text: String) throws -> (Int, Int) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let hour = Int(parts[0]),
            let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
        else { throw ServiceError.invalid("'\(text)' is not a time of day HH:MM.") }
        return (hour, minute)
    }

    static func clock(_ time: (Int, Int)) -> String {
        (time.0 < 10 ? "0" : "") + "\(time.0):" + (time.1 < 10 ? "0" : "") + "\(time.1)"
    }

    /// ISO-8601 UTC with milliseconds, the form SQLite's strftime('%Y-%m-%dT%H:%M:%fZ') writes.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
