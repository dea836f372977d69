// Copyright 2026 The Distill authors.

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
        ("v6", version6),
    ]

    /// PostgreSQL's migrations in order, as (name, SQL).
    ///
    /// A PostgreSQL database starts at v5, the schema SQLite reaches through v1-v5 (migrations/postgres/v5.sql),
    /// and each later step has one file per backend. A test applies these to a real server and compares its tables,
    /// columns and views with SQLite's.
    public static let postgresMigrations: [(name: String, sql: String)] = [
        ("v5", postgresVersion5),
        ("v6", postgresVersion6),
    ]

}
