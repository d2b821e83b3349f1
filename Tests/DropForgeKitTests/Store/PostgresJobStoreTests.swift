import Foundation
import XCTest
import FakeServers
@testable import DropForgePostgres
@testable import DropForgePostgresStore
@testable import DropForgeStore
@testable import DropForgeKit

/// What only the PostgreSQL store has: wake-ups across processes, riding out a server restart,
/// its value formats and the URL shown without its password. (Everything both stores do is the
/// shared suite, `JobStore*Tests`, which `make test` runs against each.)
final class PostgresJobStoreTests: XCTestCase {
    typealias F = StoreFixture

    private func store() throws -> (PostgresJobStore, String) {
        let url = try PostgresTestDatabase.schema(for: self)
        return (try PostgresJobStore(url: url, backoff: .init(baseDelay: 0.02, maxDelay: 0.5, window: 30)), url)
    }

    private func admit(_ store: PostgresJobStore, _ id: String, at seconds: TimeInterval = 0) throws {
        let job = F.job(id: id, createdAt: F.at(seconds))
        _ = try store.admit(Admission(job: job, execution: F.execution(for: job), failure: nil, checkDuplicate: false))
    }

    func testAStepQueuedByAnotherProcessWakesTheListener() throws {
        let (store, url) = try store()
        let other = try PostgresJobStore(url: url)
        let woken = expectation(description: "parameters rung")
        woken.assertForOverFulfill = false
        XCTAssertTrue(store.observeNewSteps { stages in
            if stages.contains(.parameters) { woken.fulfill() }
        })
        // The listener wakes every stage once when it connects; the admission is after that.
        Thread.sleep(forTimeInterval: 0.3)
        try admit(other, "cats")
        wait(for: [woken], timeout: 5)
    }

    func testClaimsAndCompletionsGoOnThroughAServerRestart() throws {
        let (store, url) = try store()
        try admit(store, "before")
        XCTAssertNotNil(try store.claimStep(stage: .parameters, owner: "w1", leaseSeconds: 30, now: F.at(1)))
        XCTAssertTrue(TestPostgres.restart(try PostgresTestDatabase.url()))
        try admit(store, "after", at: 2)
        let lease = try XCTUnwrap(try store.claimStep(stage: .parameters, owner: "w1", leaseSeconds: 30, now: F.at(3)))
        XCTAssertEqual(lease.job.id, "after")
        XCTAssertGreaterThanOrEqual(store.retries, 1, "the pooled connection was lost and made again")
        XCTAssertEqual(try PostgresJobStore(url: url).jobs(limit: nil).map(\.id).sorted(), ["after", "before"])
    }

    func testRecordsKeepEveryValueThroughTheirColumns() throws {
        let (store, _) = try store()
        try admit(store, "cats")
        let lease = try XCTUnwrap(try store.claimStep(stage: .parameters, owner: "w1", leaseSeconds: 30, now: F.at(1)))
        let odd = Data([0, 0x5c, 0x78, 0xff, 0x27, 0x22])
        let item = ItemRecord(executionID: "cats", index: 0, plan: odd, status: .pending, nextStage: .generate,
                              dhash: Int64.min, colorHash: -1, qcReason: "it's \"quoted\" \\ and ünïcode ✓",
                              attempts: 0, updatedAt: Date(timeIntervalSince1970: 1_800_000_000.123456))
        try store.finish(lease, StepTransition(close: .done, effects: [.insertItem(item, queue: .generate)]), now: F.at(2))
        let stored = try XCTUnwrap(try store.items(executionID: "cats").first)
        var expected = item
        expected.id = stored.id
        XCTAssertEqual(stored, expected, "bytes, extreme integers, quotes and microseconds come back as written")
    }

    func testTheURLIsShownWithoutItsPassword() {
        XCTAssertEqual(PostgresURL.redacted("postgres://dropforge:s3cret@db.example:5432/queue?sslmode=require"),
                       "postgres://dropforge:***@db.example:5432/queue?sslmode=require")
        XCTAssertEqual(PostgresURL.redacted("postgresql:///queue?host=/run/pg&password=s3cret"),
                       "postgresql:///queue?host=/run/pg&password=***")
        XCTAssertEqual(PostgresURL.redacted("host=db port=5432 password='a b\\' c' dbname=queue"),
                       "host=db port=5432 password=*** dbname=queue")
        XCTAssertFalse(PostgresURL.redacted("host=db password=s3cret").contains("s3cret"))
    }
}
