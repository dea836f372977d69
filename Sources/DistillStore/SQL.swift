// Copyright 2026 The Distill authors.
// The store's SQL layer: one connection protocol, two backends behind it (SQLite through GRDB, PostgreSQL through
// postgres-nio). Store methods write their SQL once, with `?` placeholders, in the dialect both backends accept;
// the PostgreSQL connection numbers the placeholders and turns SQLite's `strftime(… 'now')` into `now()`. The
// few statements that must differ ask `dialect`.

import Foundation

/// The SQL a backend speaks.
enum SQLDialect: Sendable, Equatable {
    case sqlite
    case postgres
}

/// One value read from or bound to a statement.
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case bool(Bool)
}

/// A Swift value that can be bound to a `?`.
protocol SQLArgument {
    var sqlValue: SQLValue { get }
}

extension String: SQLArgument { var sqlValue: SQLValue { .text(self) } }
extension Int: SQLArgument { var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLArgument { var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLArgument { var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLArgument { var sqlValue: SQLValue { .bool(self) } }
extension Data: SQLArgument { var sqlValue: SQLValue { .blob(self) } }

/// The values bound to a statement's `?`s, in order.
struct SQLArguments: ExpressibleByArrayLiteral {
    var values: [SQLValue]

    init(arrayLiteral elements: (any SQLArgument)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    init(_ elements: [(any SQLArgument)?]) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    init<S: Sequence>(_ elements: S) where S.Element: SQLArgument {
        values = elements.map(\.sqlValue)
    }
}

/// A Swift type a column is read as.
protocol SQLColumnValue {
    /// The value, or nil when the column's value cannot be read as this type (NULL included).
    static func decode(_ value: SQLValue) -> Self?
}

extension String: SQLColumnValue {
    static func decode(_ value: SQLValue) -> String? {
        switch value {
        case .text(let text): return text
        case .integer(let integer): return String(integer)
        case .real(let real): return String(real)
        case .blob(let data): return String(data: data, encoding: .utf8)
        case .bool(let bool): return bool ? "1" : "0"
        case .null: return nil
        }
    }
}

extension Int64: SQLColumnValue {
    static func decode(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let integer): return integer
        case .real(let real): return Int64(exactly: real.rounded(.towardZero))
        case .bool(let bool): return bool ? 1 : 0
        case .text(let text): return Int64(text)
        default: return nil
        }
    }
}

extension Int: SQLColumnValue {
    static func decode(_ value: SQLValue) -> Int? { Int64.decode(value).flatMap { Int(exactly: $0) } }
}

extension Double: SQLColumnValue {
    static func decode(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let real): return real
        case .integer(let integer): return Double(integer)
        case .text(let text): return Double(text)
        default: return nil
        }
    }
}

extension Bool: SQLColumnValue {
    static func decode(_ value: SQLValue) -> Bool? {
        switch value {
        case .bool(let bool): return bool
        case .integer(let integer): return integer != 0
        case .real(let real): return real != 0
        default: return nil
        }
    }
}

extension Data: SQLColumnValue {
    static func decode(_ value: SQLValue) -> Data? {
        switch value {
        case .blob(let data): return data
        case .text(let text): return Data(text.utf8)
        default: return nil
        }
    }
}

extension Optional: SQLColumnValue where Wrapped: SQLColumnValue {
    static func decode(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.decode(value).map { .some($0) }
    }
}

/// One result row: column names (looked up without regard to case, as SQL does) and values.
struct SQLRow {
    /// Column names, in order (shared by every row of one result).
    let columns: [String]
    /// Values, one per column.
    let values: [SQLValue]

    /// The value of a column, NULL for a column the row does not have.
    func value(_ name: String) -> SQLValue {
        if let index = columns.firstIndex(of: name) { return values[index] }
        let lowered = name.lowercased()
        if let index = columns.firstIndex(where: { $0.lowercased() == lowered }) { return values[index] }
        return .null
    }

    /// A column read as `T`; a NULL or unreadable value in a non-optional column is a schema bug and traps,
    /// naming the column.
    subscript<T: SQLColumnValue>(_ name: String) -> T {
        let value = value(name)
        guard let decoded = T.decode(value) else {
            preconditionFailure("Column \(name) holds \(value), not a \(T.self): the database schema is not Distill's.")
        }
        return decoded
    }
}

/// A result with its column names, which an empty result still has.
struct SQLTable {
    var columns: [String]
    var rows: [SQLRow]
}

/// A connection inside one transaction (or, for the teacher import, around one).
protocol SQLConnection: AnyObject {
    /// The SQL it speaks.
    var dialect: SQLDialect { get }
    /// Runs one statement; returns the rows it changed.
    @discardableResult func execute(sql: String, arguments: SQLArguments) throws -> Int
    /// Runs one query and returns its rows with their column names.
    func fetchTable(sql: String, arguments: SQLArguments) throws -> SQLTable
}

extension SQLConnection {
    @discardableResult func execute(sql: String) throws -> Int { try execute(sql: sql, arguments: []) }

    func fetchAll(sql: String, arguments: SQLArguments = []) throws -> [SQLRow] {
        try fetchTable(sql: sql, arguments: arguments).rows
    }

    func fetchOne(sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try fetchTable(sql: sql, arguments: arguments).rows.first
    }

    /// The first column of every row, NULLs skipped.
    func fetchAll<T: SQLColumnValue>(_ type: T.Type, sql: String, arguments: SQLArguments = []) throws -> [T] {
        try fetchAll(sql: sql, arguments: arguments).compactMap { $0.values.first.flatMap(T.decode) }
    }

    /// The first column of the first row; nil when there is no row or it is NULL.
    func fetchOne<T: SQLColumnValue>(_ type: T.Type, sql: String, arguments: SQLArguments = []) throws -> T? {
        try fetchOne(sql: sql, arguments: arguments)?.values.first.flatMap(T.decode)
    }

    /// Tells waiting daemons that the queue changed (PostgreSQL's NOTIFY, delivered when the transaction commits;
    /// nothing on SQLite, whose daemons poll).
    func notifyQueueChanged() throws {
        if dialect == .postgres { try execute(sql: "SELECT pg_notify('distill_queue', '')") }
    }
}

/// A database failure from either backend, with what the retry logic needs to know.
struct SQLFailure: Error, CustomStringConvertible {
    /// The backend's message.
    var message: String
    /// Worth retrying the whole transaction: busy, locked, a serialization failure or a deadlock.
    var isTransient: Bool
    /// Another process held the database beyond the busy timeout (SQLite).
    var isBusy: Bool
    /// The backend's error, for `StoreError.cause`.
    var underlying: any Error & Sendable
    /// The server answered with an error (the connection itself is fine).
    var isServerError = false
    /// The server could not be reached before the transaction began (nothing was sent): safe to retry later.
    var isUnreachable = false
    /// PostgreSQL's SQLSTATE, such as `23505` for a unique violation.
    var sqlState: String?

    var description: String { message }
}

/// How a write transaction isolates itself on PostgreSQL (SQLite serializes every writer either way).
enum WriteIsolation: Sendable {
    /// As if alone; retried on serialization failures.
    case serializable
    /// Read committed; the transaction locks the rows it takes (claims).
    case lockingReads
}

/// A database: transactions on connections.
protocol StoreBackend: Sendable {
    /// Runs `body` in a read transaction.
    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// Runs `body` in a write transaction (serialized against every other writer).
    func write<T>(isolation: WriteIsolation, _ body: (any SQLConnection) throws -> T) throws -> T
    /// Runs `body` in a write transaction set up for a bulk load (SQLite relaxes `synchronous` for its duration).
    func bulkWrite<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// The names of the migrations applied, in order.
    func appliedMigrations() throws -> [String]
    /// Whether the stored data is intact ("ok"), else the problems found.
    func integrityCheck() throws -> String
    /// Waits until another process changes the queue (PostgreSQL: a NOTIFY on submit, retry, priority or release)
    /// or `seconds` pass; SQLite has no such signal and just waits. Returns early when `shouldStop` says so.
    /// - Returns: True when woken by a change.
    func waitForQueueChange(upTo seconds: Double, unless shouldStop: () -> Bool) -> Bool
    /// A sink for teacher rows in a transaction of `connection`: binds each URL and vector without copies where
    /// the backend allows.
    func teacherRowSink(_ connection: any SQLConnection, teacherID: Int64) throws -> any TeacherRowSink
}

/// Where a teacher import's rows go.
protocol TeacherRowSink: AnyObject {
    func append(url: String, vector: UnsafeBufferPointer<Float>) throws
    /// Sends whatever is buffered.
    func finish() throws
}

/// Sleeps in steps of at most 0.1 s until `end` or until `shouldStop` says so: how a queue waiter idles when there
/// is no signal to wait on.
func idleWait(until end: Date, unless shouldStop: () -> Bool) {
    while !shouldStop() {
        let left = end.timeIntervalSinceNow
        guard left > 0 else { return }
        Thread.sleep(forTimeInterval: min(0.1, left))
    }
}
