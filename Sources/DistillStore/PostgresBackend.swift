// Copyright 2026 The Distill authors.
// The shared backend: a PostgreSQL database that daemons on many hosts use at once (issue 13), through
// postgres-nio. The store is synchronous, so each transaction borrows a connection from a small pool and waits on
// postgres-nio's futures from the calling thread (never an event-loop thread).
//
// Isolation: write transactions are SERIALIZABLE and retried on a serialization failure or deadlock, so each
// behaves as if it ran alone, as a SQLite IMMEDIATE transaction does. Claims are the exception: they run at READ
// COMMITTED and lock what they take (`FOR UPDATE`, `SKIP LOCKED` for the run), the queue pattern of River, Oban and
// graphile-worker, so claimers on many hosts do not abort one another. Reads see one snapshot (REPEATABLE READ).

import Foundation
internal import Logging
internal import NIOCore
internal import NIOPosix
internal import PostgresNIO
import Synchronization

final class PostgresBackend: StoreBackend {
    /// The URL as given, for messages (its password is never printed).
    let displayURL: String
    private let configuration: PostgresConnection.Configuration
    private let idle = Mutex<[PostgresConnection]>([])
    private let nextID = Atomic<Int>(1)
    private let logger: Logger = {
        var logger = Logger(label: "distill.postgres")
        logger.logLevel = .critical
        return logger
    }()
    private let listenerState = Mutex<QueueListener?>(nil)
    /// Connections kept open between transactions.
    private let maximumIdle = 4

    /// Connects and applies every pending migration.
    /// - Throws: `StoreError.invalidArgument` for a malformed URL, `.database` when the server cannot be reached.
    init(url: String) throws {
        let parsed = try PostgresURL(url)
        displayURL = parsed.display
        configuration = parsed.configuration
        do {
            try migrate()
        } catch let failure as SQLFailure {
            throw StoreError(
                .database,
                "Cannot open the PostgreSQL database \(displayURL): \(failure.message). Check that the server runs, "
                    + "that the database exists (`createdb`), and the user and password in the URL.",
                cause: failure)
        }
    }

    deinit {
        for connection in idle.withLock({ $0 }) { try? connection.close().wait() }
        if let listener = listenerState.withLock({ $0 }) { try? listener.connection.close().wait() }
    }

    // MARK: - Connections

    /// A new connection.
    ///
    /// Failing to reach the server is marked `isUnreachable`: nothing was sent, so workers retry.
    private func connect() throws -> PostgresConnection {
        do {
            return try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                id: nextID.wrappingAdd(1, ordering: .relaxed).oldValue, logger: logger
            ).wait()
        } catch {
            var failure = Self.failure(error)
            failure.isUnreachable = !failure.isServerError
            throw failure
        }
    }

    /// Runs `body` on a pooled connection.
    ///
    /// A connection whose failure was not the server's answer (it broke) is closed with every idle one; after any
    /// other error (the transaction was rolled back) it is pooled again.
    private func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        // A pooled connection the server closed while it idled (a restart) is dropped here.
        var pooled: PostgresConnection?
        while let candidate = idle.withLock({ $0.popLast() }) {
            if !candidate.isClosed {
                pooled = candidate
                break
            }
        }
        let connection = try pooled ?? connect()
        do {
            let result = try body(connection)
            giveBack(connection)
            return result
        } catch let failure as SQLFailure where !failure.isServerError {
            // The others idle beside it most likely broke the same way (a server restart): start afresh.
            for other in [connection]
                + idle.withLock({ pool in
                    defer { pool.removeAll() }; return pool
                })
            {
                try? other.close().wait()
            }
            throw failure
        } catch {
            giveBack(connection)
            throw error
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        guard !connection.isClosed else { return }
        let kept = idle.withLock { pool -> Bool in
            guard pool.count < maximumIdle else { return false }
            pool.append(connection)
            return true
        }
        if !kept { try? connection.close().wait() }
    }

    /// One transaction: BEGIN with `mode`, `body`, COMMIT; ROLLBACK when anything throws.
    ///
    /// A pooled connection that broke while idle (the server restarted) fails at BEGIN, before anything was done:
    /// the transaction then starts again once on a new connection, and a second such failure is marked
    /// `isUnreachable`.
    private func transaction<T>(_ mode: String, _ body: (PostgresSQLConnection) throws -> T) throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try withConnection { connection in
                    let sql = PostgresSQLConnection(connection, logger: logger)
                    do {
                        try sql.execute(sql: "BEGIN " + mode)
                    } catch var failure as SQLFailure where !failure.isServerError {
                        failure.isUnreachable = true
                        throw failure
                    }
                    do {
                        let result = try body(sql)
                        try sql.execute(sql: "COMMIT")
                        return result
                    } catch {
                        _ = try? sql.execute(sql: "ROLLBACK")
                        throw error
                    }
                }
            } catch let failure as SQLFailure where failure.isUnreachable && attempt == 1 {
                continue
            }
        }
    }

    /// Retries serialization failures and deadlocks (expected under SERIALIZABLE when transactions overlap) with
    /// short random pauses, up to 60 times.
    private func retryingConflicts<T>(_ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let failure as SQLFailure where failure.isTransient && attempt < 60 {
                attempt += 1
                Thread.sleep(forTimeInterval: Double.random(in: 0.001...0.004) * Double(min(attempt, 10)))
            }
        }
    }

    // MARK: - StoreBackend

    /// Retried too: a read never conflicts with a writer's rows, but it can lose a deadlock against a migration's
    /// table locks (another host upgrading while this one reads).
    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try retryingConflicts { try transaction("ISOLATION LEVEL REPEATABLE READ READ ONLY", body) }
    }

    func write<T>(isolation: WriteIsolation, _ body: (any SQLConnection) throws -> T) throws -> T {
        let mode = isolation == .serializable ? "ISOLATION LEVEL SERIALIZABLE" : "ISOLATION LEVEL READ COMMITTED"
        return try retryingConflicts { try transaction(mode, body) }
    }

    /// A bulk load is one SERIALIZABLE transaction like any write, but not retried: its rows are consumed as they
    /// are stored.
    func bulkWrite<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try transaction("ISOLATION LEVEL SERIALIZABLE", body)
    }

    func appliedMigrations() throws -> [String] {
        try read { db in
            try db.fetchAll(String.self, sql: "SELECT identifier FROM schema_migrations ORDER BY position")
        }
    }

    /// PostgreSQL checks its pages itself (with data checksums where the cluster has them); what is checked here
    /// is what Distill relies on: every vector has its teacher's dimension.
    func integrityCheck() throws -> String {
        try read { db in
            let bad =
                try db.fetchOne(
                    Int64.self,
                    sql: """
                        SELECT count(*) FROM teacher_outputs o JOIN teachers t ON t.id = o.teacher_id
                        WHERE length(o.vector) <> t.dimension * 4
                        """) ?? 0
            return bad == 0 ? "ok" : "\(bad) teacher vector(s) do not have their teacher's dimension"
        }
    }

    /// A connection of its own LISTENs on `distill_queue`, opened at the first wait; if it breaks, this wait
    /// sleeps and the next one opens another.
    func waitForQueueChange(upTo seconds: Double, unless shouldStop: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        guard let listener = queueListener() else {
            idleWait(until: end, unless: shouldStop)
            return false
        }
        while Date() < end, !shouldStop() {
            if listener.signal.wait(timeout: .now() + min(0.1, max(0, end.timeIntervalSinceNow))) == .success {
                while listener.signal.wait(timeout: .now()) == .success {}
                return true
            }
            if listener.connection.isClosed {
                listenerState.withLock { $0 = nil }
                break
            }
        }
        return false
    }

    private func queueListener() -> QueueListener? {
        listenerState.withLock { state -> QueueListener? in
            if let state, !state.connection.isClosed { return state }
            guard let connection = try? connect() else { return nil }
            let signal = DispatchSemaphore(value: 0)
            connection.addListener(channel: "distill_queue") { _, _ in signal.signal() }
            do {
                _ = try PostgresSQLConnection(connection, logger: logger).execute(sql: "LISTEN distill_queue")
            } catch {
                try? connection.close().wait()
                return nil
            }
            state = QueueListener(connection: connection, signal: signal)
            return state
        }
    }

    func teacherRowSink(_ connection: any SQLConnection, teacherID: Int64) throws -> any TeacherRowSink {
        guard let connection = connection as? PostgresSQLConnection else {
            throw StoreError(.database, "A PostgreSQL teacher import was given another backend's connection.")
        }
        return PostgresTeacherRowSink(connection, teacherID: teacherID)
    }

    // MARK: - Migrations

    /// Applies pending migrations in one transaction under an advisory lock, so hosts starting together apply
    /// each once.
    private func migrate() throws {
        // Read committed, so that the statements after the lock see what a host that held it before committed.
        try write(isolation: .lockingReads) { db in
            try db.execute(sql: "SELECT pg_advisory_xact_lock(4242001)")
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        position bigint PRIMARY KEY, identifier text NOT NULL UNIQUE,
                        applied_at timestamptz NOT NULL DEFAULT now())
                    """)
            let applied = Set(try db.fetchAll(String.self, sql: "SELECT identifier FROM schema_migrations"))
            for (position, migration) in Schema.postgresMigrations.enumerated() where !applied.contains(migration.name)
            {
                guard let connection = db as? PostgresSQLConnection else { return }
                try connection.executeScript(migration.sql)
                try db.execute(
                    sql: "INSERT INTO schema_migrations (position, identifier) VALUES (?, ?)",
                    arguments: [position, migration.name])
            }
        }
    }

    // MARK: - Errors

    static func failure(_ error: any Error) -> SQLFailure {
        if let failure = error as? SQLFailure { return failure }
        guard let error = error as? PSQLError else {
            return SQLFailure(message: "\(error)", isTransient: false, isBusy: false, underlying: SendableBox(error))
        }
        if let info = error.serverInfo, let message = info[.message] {
            let state = info[.sqlState] ?? ""
            let detail = info[.detail].map { " (\($0))" } ?? ""
            var failure = SQLFailure(
                message: message + detail, isTransient: state == "40001" || state == "40P01", isBusy: false,
                underlying: error)
            failure.isServerError = true
            failure.sqlState = state
            return failure
        }
        let underlying = error.underlying.map { "\($0)" } ?? "\(error.code)"
        return SQLFailure(message: underlying, isTransient: false, isBusy: false, underlying: error)
    }
}

extension PostgresBackend {
    struct TimedOut: Error {}
}

/// A connection listening on `distill_queue` and the semaphore its notifications signal.
struct QueueListener: Sendable {
    let connection: PostgresConnection
    let signal: DispatchSemaphore
}

/// A non-Sendable error carried as text.
struct SendableBox: Error, CustomStringConvertible {
    let description: String
    init(_ error: any Error) { description = "\(error)" }
}

/// A PostgreSQL connection inside a transaction.
final class PostgresSQLConnection: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: SQLDialect { .postgres }

    init(_ connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func execute(sql: String, arguments: SQLArguments) throws -> Int {
        try run(sql, arguments).metadata.rows ?? 0
    }

    func fetchTable(sql: String, arguments: SQLArguments) throws -> SQLTable {
        let result = try run(sql, arguments)
        var columns: [String] = []
        var rows: [SQLRow] = []
        rows.reserveCapacity(result.rows.count)
        for row in result.rows {
            if columns.isEmpty { columns = row.map(\.columnName) }
            rows.append(SQLRow(columns: columns, values: row.map(Self.value(of:))))
        }
        return SQLTable(columns: columns, rows: rows)
    }

    /// Runs several statements (a migration), one at a time.
    func executeScript(_ sql: String) throws {
        for statement in Self.statements(sql) { try execute(sql: statement, arguments: []) }
    }

    /// The statements of a script: `--` comments dropped, split at `;` outside quotes. (Distill's migrations
    /// have no dollar-quoted bodies.)
    static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quote: Character?
        var previous: Character?
        var inComment = false
        for character in script {
            defer { previous = character }
            if inComment {
                if character == "\n" {
                    inComment = false
                    current.append(character)
                }
                continue
            }
            if let open = quote {
                current.append(character)
                if character == open { quote = nil }
                continue
            }
            if character == "-" && previous == "-" {
                current.removeLast()
                inComment = true
                continue
            }
            if character == "'" || character == "\"" { quote = character }
            if character == ";" {
                statements.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        statements.append(current)
        return statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    private func run(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        var binds = PostgresBindings(capacity: arguments.values.count)
        for value in arguments.values {
            switch value {
            case .null: binds.appendNull()
            case .integer(let integer): binds.append(integer)
            case .real(let real): binds.append(real)
            case .text(let text): binds.append(UntypedText(text))
            case .blob(let data): binds.append(ByteBuffer(bytes: data))
            case .bool(let bool): binds.append(bool)
            }
        }
        let query = PostgresQuery(unsafeSQL: PostgresSQL.translate(sql), binds: binds)
        do {
            return try PostgresSQLConnection.wait(for: connection.query(query, logger: logger), on: connection)
        } catch let failure as SQLFailure {
            throw failure
        } catch {
            throw PostgresBackend.failure(error)
        }
    }

    /// How long one statement may wait for its answer before its connection is given up for dead.
    ///
    /// A host that vanished from the network never answers; without this a worker would wait forever.
    /// `DISTILL_PG_STATEMENT_TIMEOUT` seconds, else 600.
    static let statementTimeout: Double =
        ProcessInfo.processInfo.environment["DISTILL_PG_STATEMENT_TIMEOUT"].flatMap(Double.init)
        .flatMap { $0 > 0 && $0.isFinite ? $0 : nil } ?? 600

    /// Waits for a future of `connection`; past `statementTimeout` the connection is closed (which fails the
    /// future) and the wait ends with a failure that names the timeout.
    static func wait<T: Sendable>(for future: EventLoopFuture<T>, on connection: PostgresConnection) throws -> T {
        let answered = DispatchSemaphore(value: 0)
        future.whenComplete { _ in answered.signal() }
        if answered.wait(timeout: .now() + statementTimeout) == .timedOut {
            let _: EventLoopFuture<Void> = connection.close()
            throw SQLFailure(
                message: "PostgreSQL did not answer within \(Int(statementTimeout)) s (DISTILL_PG_STATEMENT_TIMEOUT); "
                    + "the connection was closed", isTransient: false, isBusy: false,
                underlying: SendableBox(PostgresBackend.TimedOut()))
        }
        return try future.wait()
    }

    /// A cell as the value SQLite would have given: times as ISO-8601 UTC text with milliseconds, as
    /// `strftime('%Y-%m-%dT%H:%M:%fZ')` writes them, so every reader sees one form.
    static func value(of cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid:
            return (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
        case .float4, .float8:
            return (try? cell.decode(Double.self)).map(SQLValue.real) ?? .null
        case .numeric:
            guard let decimal = try? cell.decode(Decimal.self) else { return .null }
            let number = NSDecimalNumber(decimal: decimal)
            var rounded = decimal
            var copy = decimal
            NSDecimalRound(&rounded, &copy, 0, .plain)
            return rounded == decimal && abs(number.doubleValue) < 9e18
                ? .integer(number.int64Value) : .real(number.doubleValue)
        case .bool:
            return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        case .bytea:
            return cell.bytes.map { .blob(Data($0.readableBytesView)) } ?? .null
        case .timestamptz, .timestamp:
            return (try? cell.decode(Date.self)).map { .text(Store.timestamp($0)) } ?? .null
        default:
            return (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
        }
    }
}

/// Text bound without a type (OID 0), as a literal would be: the server infers it from where it is used, so the
/// same ISO-8601 string fills a `timestamptz` column or compares with one, and a name fills a `text` column.
struct UntypedText: PostgresDynamicTypeEncodable {
    let text: String
    init(_ text: String) { self.text = text }
    var psqlType: PostgresDataType { .null }
    var psqlFormat: PostgresFormat { .text }
    func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeString(text)
    }
}

/// SQLite-flavoured store SQL as PostgreSQL reads it.
enum PostgresSQL {
    private static let cache = Mutex<[String: String]>([:])

    /// `?` and `?N` become `$n` (outside quotes) and SQLite's current time becomes `now()`.
    static func translate(_ sql: String) -> String {
        if let cached = cache.withLock({ $0[sql] }) { return cached }
        let source = sql.replacingOccurrences(of: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", with: "now()")
        var output = ""
        output.reserveCapacity(source.utf8.count + 16)
        var next = 1
        var quote: Character?
        var characters = source.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            if let open = quote {
                output.append(character)
                if character == open { quote = nil }
                continue
            }
            if character == "'" || character == "\"" {
                quote = character
                output.append(character)
                continue
            }
            guard character == "?" else {
                output.append(character)
                continue
            }
            var digits = ""
            while let digit = pending, digit.isASCII, digit.isNumber {
                digits.append(digit)
                pending = characters.next()
            }
            if digits.isEmpty {
                output += "$\(next)"
                next += 1
            } else {
                output += "$" + digits
            }
        }
        cache.withLock { $0[sql] = output }
        return output
    }
}

/// Teacher rows sent in multi-row INSERTs of up to 256 rows (one round trip each).
final class PostgresTeacherRowSink: TeacherRowSink {
    private let connection: PostgresSQLConnection
    private let teacherID: Int64
    private var urls: [String] = []
    private var vectors: [Data] = []
    private let batch = 256

    init(_ connection: PostgresSQLConnection, teacherID: Int64) {
        self.connection = connection
        self.teacherID = teacherID
    }

    func append(url: String, vector: UnsafeBufferPointer<Float>) throws {
        urls.append(url)
        vectors.append(Store.encode(vector))
        if urls.count >= batch { try finish() }
    }

    func finish() throws {
        guard !urls.isEmpty else { return }
        let tuples = (0..<urls.count).map { _ in "(?, ?, ?)" }.joined(separator: ", ")
        var arguments: [(any SQLArgument)?] = []
        arguments.reserveCapacity(urls.count * 3)
        for (url, vector) in zip(urls, vectors) { arguments += [teacherID, url, vector] }
        urls.removeAll(keepingCapacity: true)
        vectors.removeAll(keepingCapacity: true)
        try connection.execute(
            sql: "INSERT INTO teacher_outputs (teacher_id, url, vector) VALUES " + tuples,
            arguments: SQLArguments(arguments))
    }
}

/// A `postgres://user[:password]@host[:port]/database[?host=/socket/dir&sslmode=disable]` URL.
struct PostgresURL {
    var configuration: PostgresConnection.Configuration
    /// The URL without its password.
    var display: String

    init(_ url: String) throws {
        func invalid(_ why: String) -> StoreError {
            StoreError(
                .invalidArgument,
                "--db \(Self.redacted(url)) is not a PostgreSQL URL Distill can use: \(why). Write it as "
                    + "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.")
        }
        guard let components = URLComponents(string: url) else { throw invalid("it does not parse as a URL") }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        guard let user = components.user.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw invalid("it names no user")
        }
        let password = components.password.flatMap { $0.removingPercentEncoding }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        database = database.removingPercentEncoding ?? database
        if database.isEmpty { database = user }
        let port = components.port ?? 5432
        if let mode = query["sslmode"], !["disable", "allow", "prefer"].contains(mode) {
            throw invalid("sslmode=\(mode) asks for TLS, which this build does not speak to PostgreSQL yet")
        }
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: socketDirectory + "/.s.PGSQL.\(port)", username: user, password: password,
                database: database)
        } else {
            guard let host = components.host, !host.isEmpty else { throw invalid("it names no host") }
            configuration = PostgresConnection.Configuration(
                host: host, port: port, username: user, password: password, database: database, tls: .disable)
        }
        display = Self.redacted(url)
    }

    /// The URL with any password replaced by `***`.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
