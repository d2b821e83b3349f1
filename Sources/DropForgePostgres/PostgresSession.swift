import Foundation

/// A connection that outlives the server's restarts: runs each transaction on its connection,
/// and when it fails for a transient reason — the connection lost, the server shutting down or
/// not accepting connections yet, a serialization failure or deadlock — rolls back, waits, opens
/// a new connection if the old one is broken, and runs the whole transaction again, with
/// exponential backoff for up to `window` seconds (DESIGN §7: the daemon does not exit because
/// PostgreSQL restarted). Other errors are thrown at once.
///
/// One session per thread, like its connection. The URL is held in memory to reconnect; it is
/// never written anywhere, and errors carry libpq's message, which never contains the password.
// @unchecked Sendable: used by one thread at a time; it changes hands only through PostgresPool's Mutex.
public final class PostgresSession: @unchecked Sendable {
    public struct Backoff: Sendable {
        /// The first wait; each next one doubles, up to `maxDelay`.
        public var baseDelay: TimeInterval = 0.05
        public var maxDelay: TimeInterval = 2
        /// How long to keep trying before the last error is thrown.
        public var window: TimeInterval = 60

        public init(baseDelay: TimeInterval = 0.05, maxDelay: TimeInterval = 2, window: TimeInterval = 60) {
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.window = window
        }
    }

    private let url: String
    private let backoff: Backoff
    private var connection: PostgresConnection?
    /// Transactions run again after a transient failure, since the session opened (for tests and
    /// for the log).
    public private(set) var retries = 0

    /// Connects at once, so a wrong URL is an error at start-up, not at the first claim.
    public init(url: String, backoff: Backoff = Backoff()) throws {
        self.url = url
        self.backoff = backoff
        connection = try PostgresConnection(url: url)
    }

    /// A session that connects at its first call.
    init(url: String, backoff: Backoff, connectingLater: Void) {
        self.url = url
        self.backoff = backoff
    }

    /// Runs `body` between `BEGIN` and `COMMIT`; all of it again after a transient failure.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try retrying { db in
            try db.execute("BEGIN")
            do {
                let value = try body(db)
                try db.execute("COMMIT")
                return value
            } catch {
                if !db.isBroken { _ = try? db.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Runs `body` (one statement, or its own transaction control) with the same retries.
    public func retrying<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let deadline = Date().addingTimeInterval(backoff.window)
        var delay = backoff.baseDelay
        while true {
            do {
                return try body(try open())
            } catch let error as PostgresError where error.isTransient && Date() < deadline {
                if connection?.isBroken ?? true { connection = nil }
                retries += 1
                Thread.sleep(forTimeInterval: min(delay, max(0, deadline.timeIntervalSinceNow)))
                delay = min(delay * 2, backoff.maxDelay)
            }
        }
    }

    private func open() throws -> PostgresConnection {
        if let connection, !connection.isBroken { return connection }
        let fresh = try PostgresConnection(url: url)
        connection = fresh
        return fresh
    }
}
