/// Versioned schema changes, applied once per database however many hosts start together.
///
/// Each migration runs in its own transaction and is recorded in `dropforge_migrations`; the
/// whole run holds a session advisory lock, so a second host starting at the same moment waits,
/// then finds the migrations recorded and applies nothing. Add migrations; never edit a released
/// one: the database outlives the binary that made it.
public struct PostgresMigrator: Sendable {
    public struct Migration: Sendable {
        public var name: String
        /// One or more statements, run as one transaction.
        public var sql: String

        public init(_ name: String, _ sql: String) {
            self.name = name
            self.sql = sql
        }
    }

    public var migrations: [Migration]
    /// The advisory lock's key: any constant that no other tool on the database uses.
    public var lockKey: Int64

    public init(migrations: [Migration], lockKey: Int64 = 0x6472_6f70_666f_7267) { // "dropforg"
        self.migrations = migrations
        self.lockKey = lockKey
    }

    /// Applies what is missing; returns the names it applied, in order.
    @discardableResult
    public func migrate(_ db: PostgresConnection) throws -> [String] {
        try db.execute("SELECT pg_advisory_lock($1)", [String(lockKey)])
        defer { _ = try? db.execute("SELECT pg_advisory_unlock($1)", [String(lockKey)]) }
        try db.execute("""
            CREATE TABLE IF NOT EXISTS dropforge_migrations (
                name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
            """)
        let done = Set(try db.execute("SELECT name FROM dropforge_migrations").rows.compactMap { $0.first ?? nil })
        var applied: [String] = []
        for migration in migrations where !done.contains(migration.name) {
            try db.execute("BEGIN")
            do {
                try db.run(script: migration.sql)
                try db.execute("INSERT INTO dropforge_migrations (name) VALUES ($1)", [migration.name])
                try db.execute("COMMIT")
            } catch {
                _ = try? db.execute("ROLLBACK")
                throw error
            }
            applied.append(migration.name)
        }
        return applied
    }
}
