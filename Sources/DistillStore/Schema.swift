// Copyright 2026 The Distill authors.

internal import GRDB

/// The database schema: named migrations, each the SQL text of one step.
///
/// schema.sql at the top of the
/// repository is migration v1 and migrations/vN.sql the later ones; shipped migrations are never edited,
/// later changes are new ones.
public enum Schema {
    /// Every migration in order, as (name, SQL).
    public static let migrations: [(name: String, sql: String)] = [
        ("v1", version1),
        ("v2", version2),
        ("v3", version3),
        ("v4", version4),
        ("v5", version5),
    ]

    /// PostgreSQL's migrations in order, as (name, SQL).
    ///
    /// A PostgreSQL database starts at v5, the schema SQLite reaches through v1-v5 (migrations/postgres/v5.sql),
    /// and each later step has one file per backend. The PostgreSQL backend itself (issue 13) is not built yet; tests apply these to a real server and compare
    /// its tables, columns and views with SQLite's.
    public static let postgresMigrations: [(name: String, sql: String)] = [
        ("v5", postgresVersion5)
    ]

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            let sql = migration.sql
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: sql)
            }
        }
        return migrator
    }
}
