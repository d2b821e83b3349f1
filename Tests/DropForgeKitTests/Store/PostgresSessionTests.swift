import Foundation
import XCTest
@testable import DropForgePostgres
import FakeServers

/// Transactions through `pg_ctl restart -m fast` of the test cluster: the session reconnects and
/// runs the transaction again; an error that is not transient is thrown at once.
final class PostgresSessionTests: XCTestCase {
    private func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DROPFORGE_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw XCTSkip("no test PostgreSQL: run `make test`, which starts one (scripts/test-postgres)")
        }
        return url
    }

    private func restartServer(_ url: String) throws {
        XCTAssertTrue(TestPostgres.restart(url), "pg_ctl restart")
    }

    private func session(table: String) throws -> PostgresSession {
        let session = try PostgresSession(url: try url(), backoff: .init(baseDelay: 0.02, maxDelay: 0.5, window: 30))
        try session.retrying { try $0.execute("CREATE TABLE \(table) (id bigserial PRIMARY KEY, n int NOT NULL)") }
        return session
    }

    func testATransactionAfterARestartReconnectsAndRuns() throws {
        let table = "r_\(UUID().uuidString.prefix(8).lowercased())"
        let session = try session(table: table)
        try session.transaction { try $0.execute("INSERT INTO \(table) (n) VALUES (1)") }
        try restartServer(try url())
        let count = try session.transaction { db -> String? in
            try db.execute("INSERT INTO \(table) (n) VALUES (2)")
            return try db.execute("SELECT count(*) FROM \(table)").rows.first?.first ?? nil
        }
        XCTAssertEqual(count, "2")
        XCTAssertGreaterThanOrEqual(session.retries, 1, "the old connection was closed by the restart")
    }

    func testTransactionsGoOnWhileTheServerRestarts() throws {
        let table = "w_\(UUID().uuidString.prefix(8).lowercased())"
        let session = try session(table: table)
        let url = try url()
        let restarted = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [self] in
            try? restartServer(url)
            restarted.signal()
        }
        var committed = 0
        var done = false
        while !done {
            try session.transaction { try $0.execute("INSERT INTO \(table) (n) VALUES ($1)", [String(committed)]) }
            committed += 1
            if restarted.wait(timeout: .now()) == .success { done = true }
        }
        XCTAssertGreaterThanOrEqual(session.retries, 1, "some transaction met the restart")
        let rows = try XCTUnwrap(Int(try session.retrying { try $0.execute("SELECT count(*) FROM \(table)") }.rows[0][0] ?? ""))
        // A COMMIT cut off before its answer may have been applied and then run again: at most
        // one extra row per retry, never one missing.
        XCTAssertGreaterThanOrEqual(rows, committed)
        XCTAssertLessThanOrEqual(rows, committed + session.retries)
    }

    func testAnErrorThatIsNotTransientIsThrownAtOnce() throws {
        let session = try PostgresSession(url: try url())
        XCTAssertThrowsError(try session.transaction { try $0.execute("SELECT nope FROM nowhere") }) {
            XCTAssertEqual(($0 as? PostgresError)?.sqlState, "42P01")
        }
        XCTAssertEqual(session.retries, 0)
        XCTAssertEqual(try session.transaction { try $0.execute("SELECT 1") }.rows, [["1"]], "the session is still usable")
    }
}
