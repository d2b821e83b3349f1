/// A failure reported by libpq or the server, with the server's SQLSTATE when there is one
/// (`40001` serialization failure, `57P01` admin shutdown, `08006` connection failure …), so a
/// caller can tell what to retry.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// Five characters, or nil when the failure happened before the server answered.
    public var sqlState: String?
    /// libpq's message, first line only: it never contains the connection string's password.
    public var message: String

    public init(sqlState: String?, message: String) {
        self.sqlState = sqlState
        self.message = message
    }

    /// Classes 08 (connection), 40 (transaction rollback: serialization, deadlock) and 57
    /// (operator intervention: the server shutting down or restarting) are worth retrying.
    public var isTransient: Bool {
        guard let sqlState else { return true }  // no answer at all: the connection went away
        return sqlState.hasPrefix("08") || sqlState.hasPrefix("40") || sqlState.hasPrefix("57")
    }

    public var description: String {
        sqlState.map { "PostgreSQL \($0): \(message)" } ?? "PostgreSQL: \(message)"
    }
}
