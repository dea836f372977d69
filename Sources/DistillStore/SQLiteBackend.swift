// Copyright 2026 The Distill authors.
// The embedded backend: one SQLite file in WAL mode through GRDB, shared safely by the CLI and daemons on one
// machine. Write transactions are IMMEDIATE, so writers are serialized and a read-then-write is never stale.

import Foundation
internal import GRDB
internal import GRDBSQLite

final class SQLiteBackend: StoreBackend {
    let path: String
    let pool: DatabasePool
    private let busyTimeout: TimeInterval

    /// Opens (creating if needed) the file and applies every pending migration.
    init(path: String, busyTimeout: TimeInterval) throws {
        self.path = path
        self.busyTimeout = busyTimeout
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.label = "distill"
        // 16 KiB pages for a new database (a no-op on an existing one): teacher vectors are kilobytes each, and a
        // bulk import of 250,000 × 4,000 B rows took 5.4 s with them against 10.3 s with SQLite's default 4 KiB.
        //
        // A WAL file keeps the size of the largest transaction until every connection closes (SQLite reuses it
        // rather than shrinking it): with a daemon or dashboard open, a 4 GB teacher import would leave a 4 GB
        // WAL beside the database. Each connection therefore cuts it back to 64 MiB whenever it is restarted.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        do {
            pool = try Self.open(path, configuration: configuration, waitingUpTo: busyTimeout)
            try Self.migrate(pool)
        } catch let error as DatabaseError {
            throw StoreError(
                .database,
                "Cannot open the database \(path): \(error.message ?? "\(error)"). "
                    + "Check the path and its permissions, or pass another --db.",
                cause: error)
        } catch {
            throw StoreError(.database, "Cannot open the database \(path): \(error).", cause: error)
        }
    }

    /// Opens a pool, retrying while another process holds the brand-new file's lock: switching a new database to
    /// WAL fails at once with SQLITE_BUSY (the busy timeout does not cover it) when several processes open it
    /// together.
    private static func open(
        _ path: String, configuration: Configuration, waitingUpTo seconds: TimeInterval
    ) throws -> DatabasePool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError
                where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && Date() < deadline
            {
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
    }

    /// Applies pending migrations.
    ///
    /// Two processes opening a new database at once can both see a migration pending; the one that applies it second
    /// fails ("duplicate column name") and its transaction rolls back. It then looks again: once the other's
    /// migrations are committed there is nothing left to do.
    private static func migrate(_ pool: DatabasePool) throws {
        let migrator = migrator()
        announceLongMigrations(pool, migrator)
        var attempt = 0
        while true {
            do {
                try migrator.migrate(pool)
                return
            } catch let error as DatabaseError {
                attempt += 1
                if try pool.read({ try migrator.hasCompletedMigrations($0) }) { return }
                if attempt >= 40 { throw error }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in Schema.migrations {
            let sql = migration.sql
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: sql)
            }
        }
        return migrator
    }

    /// Says on standard error when a pending migration rewrites a large table (v5 copies every teacher vector), so
    /// the first command after an upgrade is not mistaken for a hang: about 35 s per GB of vectors on 2 cores.
    private static func announceLongMigrations(_ pool: DatabasePool, _ migrator: DatabaseMigrator) {
        let bytes = try? pool.read { db -> Int64 in
            let applied = try migrator.appliedIdentifiers(db)
            // An existing database (any migration applied) that has not had v5 yet: v5 copies teacher_outputs.
            guard !applied.isEmpty, !applied.contains("v5") else { return 0 }
            return try Int64.fetchOne(db, sql: "SELECT sum(output_count * dimension * 4) FROM teachers") ?? 0
        }
        guard let bytes, bytes >= 64 << 20 else { return }
        let gigabytes = String(format: "%.1f", Double(bytes) / 1e9)
        FileHandle.standardError.write(
            Data(
                ("note: upgrading the database to schema v5: copying \(gigabytes) GB of teacher vectors into the new "
                    + "teacher_outputs table (about half a minute per GB; run `sqlite3 DB VACUUM` afterwards to give "
                    + "the freed space back).\n").utf8))
    }

    // MARK: - StoreBackend

    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try translatingErrors { try pool.read { db in try body(SQLiteConnection(db)) } }
    }

    func write<T>(isolation: WriteIsolation, _ body: (any SQLConnection) throws -> T) throws -> T {
        try translatingErrors { try pool.write { db in try body(SQLiteConnection(db)) } }
    }

    /// For its duration the connection relaxes `synchronous` to NORMAL (safe in WAL mode: a crash keeps the
    /// database consistent, and an import not yet checkpointed is simply absent) and uses a 64 MiB cache.
    func bulkWrite<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try translatingErrors {
            try pool.writeWithoutTransaction { db in
                let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? 2
                let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                try db.execute(sql: "PRAGMA cache_size = -65536")
                defer {
                    // Restoring settings cannot undo the import; a failure here leaves only a slower connection.
                    try? db.execute(sql: "PRAGMA synchronous = \(synchronous)")
                    try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)")
                }
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(SQLiteConnection(db))
                    return .commit
                }
                guard let result else { throw StoreError(.database, "The transaction was not committed.") }
                Self.truncateLog(db, waitingUpTo: 1, thenRestore: busyTimeout)
                return result
            }
        }
    }

    /// Copies the WAL into the database and truncates it to nothing, so a bulk write gives its disk space back
    /// at once (else it waits for the next write after a checkpoint, or for every connection to close).
    ///
    /// Best effort: a reader in the middle of a transaction makes it give up after `seconds`, and the
    /// `journal_size_limit` of every connection shrinks the file later.
    private static func truncateLog(
        _ db: Database, waitingUpTo seconds: TimeInterval, thenRestore timeout: TimeInterval
    ) {
        sqlite3_busy_timeout(db.sqliteConnection, Int32(seconds * 1000))
        defer { sqlite3_busy_timeout(db.sqliteConnection, Int32(min(timeout * 1000, Double(Int32.max)))) }
        _ = try? db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
    }

    func appliedMigrations() throws -> [String] {
        try translatingErrors { try pool.read { db in try Self.migrator().appliedMigrations(db) } }
    }

    func integrityCheck() throws -> String {
        try translatingErrors {
            try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
        }
    }

    func waitForQueueChange(upTo seconds: Double, unless shouldStop: () -> Bool) -> Bool {
        idleWait(until: Date().addingTimeInterval(seconds), unless: shouldStop)
        return false
    }

    func teacherRowSink(_ connection: any SQLConnection, teacherID: Int64) throws -> any TeacherRowSink {
        guard let connection = connection as? SQLiteConnection else {
            throw StoreError(.database, "A SQLite teacher import was given another backend's connection.")
        }
        return try translatingErrors {
            try SQLiteTeacherRowSink(
                statement: connection.db.makeStatement(
                    sql: "INSERT INTO teacher_outputs (teacher_id, url, vector) VALUES (?, ?, ?)"),
                teacherID: teacherID)
        }
    }

    /// GRDB's errors as `SQLFailure`s, the store's own errors as they are.
    private func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw SQLiteBackend.failure(error)
        }
    }

    static func failure(_ error: DatabaseError) -> SQLFailure {
        SQLFailure(
            message: error.message ?? "\(error)",
            isTransient: [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL].contains(error.resultCode),
            isBusy: error.resultCode == .SQLITE_BUSY, underlying: error)
    }
}

/// A GRDB connection inside a transaction.
///
/// Statements are cached by their text, so a loop of one INSERT prepares it once.
final class SQLiteConnection: SQLConnection {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    init(_ db: Database) { self.db = db }

    func execute(sql: String, arguments: SQLArguments) throws -> Int {
        do {
            let statement = try db.cachedStatement(sql: sql)
            try statement.execute(arguments: Self.arguments(arguments))
            return db.changesCount
        } catch let error as DatabaseError {
            throw SQLiteBackend.failure(error)
        }
    }

    func fetchTable(sql: String, arguments: SQLArguments) throws -> SQLTable {
        do {
            let statement = try db.cachedStatement(sql: sql)
            let columns = statement.columnNames
            let rows = try Row.fetchAll(statement, arguments: Self.arguments(arguments)).map { row in
                SQLRow(columns: columns, values: row.databaseValues.map(Self.value(from:)))
            }
            return SQLTable(columns: columns, rows: rows)
        } catch let error as DatabaseError {
            throw SQLiteBackend.failure(error)
        }
    }

    private static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(
            arguments.values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .null: return nil
                case .integer(let integer): return integer
                case .real(let real): return real
                case .text(let text): return text
                case .blob(let data): return data
                case .bool(let bool): return bool
                }
            })
    }

    private static func value(from value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: return .null
        case .int64(let int): return .integer(int)
        case .double(let double): return .real(double)
        case .string(let string): return .text(string)
        case .blob(let data): return .blob(data)
        }
    }
}

/// The one place Distill calls SQLite below GRDB: a bulk import binds millions of rows, and binding the
/// URL and the vector in place (no argument boxing, no Data per row) keeps the insert loop at SQLite's speed.
final class SQLiteTeacherRowSink: TeacherRowSink {
    private let statement: Statement
    private let teacherID: Int64

    init(statement: Statement, teacherID: Int64) {
        self.statement = statement
        self.teacherID = teacherID
    }

    func append(url: String, vector: UnsafeBufferPointer<Float>) throws {
        #if _endian(little)
            var url = url
            let handle = statement.sqliteStatement
            let code = url.withUTF8 { text in
                // SQLITE_STATIC (nil): both buffers outlive the step that reads them.
                sqlite3_bind_int64(handle, 1, teacherID)
                sqlite3_bind_text(handle, 2, text.baseAddress, Int32(text.count), nil)
                sqlite3_bind_blob(handle, 3, vector.baseAddress, Int32(vector.count * 4), nil)
                let code = sqlite3_step(handle)
                sqlite3_reset(handle)
                return code
            }
            guard code == SQLITE_DONE else {
                throw SQLiteBackend.failure(
                    DatabaseError(
                        resultCode: ResultCode(rawValue: code),
                        message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))),
                        sql: "INSERT INTO teacher_outputs (teacher_id, url, vector) VALUES (?, ?, ?)"))
            }
        #else
            do {
                try statement.execute(arguments: [teacherID, url, Store.encode(vector)])
            } catch let error as DatabaseError {
                throw SQLiteBackend.failure(error)
            }
        #endif
    }

    func finish() throws {}
}
