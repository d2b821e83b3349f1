import Foundation
import Synchronization

/// A small pool of ``PostgresSession``s shared by a process's threads: each call takes an idle
/// session (or opens one), runs on it alone, and gives it back. So there are as many
/// connections as threads that talk to the database at the same moment — one per busy worker,
/// not one per call.
public final class PostgresPool: Sendable {
    private let url: String
    private let backoff: PostgresSession.Backoff
    private let idle = Mutex<[PostgresSession]>([])
    private let retried = Atomic<Int>(0)

    /// Opens the first session at once, so a wrong URL or an unreachable server is an error at
    /// start-up. The URL is kept in memory only, to open more sessions.
    public init(url: String, backoff: PostgresSession.Backoff = .init()) throws {
        self.url = url
        self.backoff = backoff
        let first = try PostgresSession(url: url, backoff: backoff)
        idle.withLock { $0.append(first) }
    }

    /// Transactions run again after a transient failure, by every session so far.
    public var retries: Int { retried.load(ordering: .relaxed) }

    /// `body` as one transaction, all of it again after a transient failure (``PostgresSession``).
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withSession { try $0.transaction(body) }
    }

    /// `body` outside a transaction block (reads of one statement), with the same retries.
    public func read<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withSession { try $0.retrying(body) }
    }

    private func withSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let taken = idle.withLock { $0.popLast() }
        // A new session connects at its first call, inside its retries (the server may be restarting).
        let session = taken ?? PostgresSession(url: url, backoff: backoff, connectingLater: ())
        let before = session.retries
        defer {
            retried.add(session.retries - before, ordering: .relaxed)
            idle.withLock { $0.append(session) }
        }
        return try body(session)
    }
}
