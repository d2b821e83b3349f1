import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeStore

/// Retry checkpoints and refusals on a real store, without running the stages.
final class JobControlRetryTests: XCTestCase {
    typealias F = StoreFixture

    /// Two items: item 1 fails in metadata, item 2 fails in generate; then the job is published.
    private func failedJob() throws -> (StoreFixture, JobControl) {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("cats", items: 2)
        let store = fixture.store
        let generates = try fixture.claimAll(.generate, at: F.at(1))
        try store.complete(generates[0], with: .generated(imagePath: "work/0001.png", dhash: 1), now: F.at(2))
        try store.fail(generates[1], failure: StageFailure(stage: "generate", code: "http_400", message: "no"), retryAt: nil, now: F.at(2))
        let quality = try fixture.claim(.quality, at: F.at(3))
        try store.complete(quality, with: .checked(passed: true, reason: nil, checks: F.checks), now: F.at(3))
        let metadata = try fixture.claim(.metadata, at: F.at(4))
        try store.fail(metadata, failure: StageFailure(stage: "metadata", code: "http_500", message: "down"), retryAt: nil, now: F.at(4))
        try store.complete(try fixture.claim(.export, at: F.at(5)),
                           with: .published(status: .failed, outboxPath: "outbox/failures/cats"), now: F.at(5))
        let layout = RootLayout(root: fixture.folder)
        return (fixture, JobControl(layout: layout, config: DropforgeConfig(), store: store))
    }

    func testEachFailedItemRestartsAtTheStageItFailedInWhenItsOutputIsStillThere() throws {
        let (fixture, control) = try failedJob()
        try FileManager.default.createDirectory(at: fixture.folder.appendingPathComponent("work"), withIntermediateDirectories: true)
        try Data("png".utf8).write(to: fixture.folder.appendingPathComponent("work/0001.png"))
        let job = try XCTUnwrap(try fixture.store.job(id: "cats"))

        let execution = try control.retry(job, now: F.at(10))
        XCTAssertEqual(execution.id, "cats.2")
        XCTAssertEqual(execution.parentID, "cats")
        XCTAssertEqual(execution.baseSeed, 7, "same seed as its parent")
        let items = try fixture.store.items(executionID: "cats.2")
        XCTAssertEqual(items.map(\.index), [0, 1])
        XCTAssertEqual(items.map(\.nextStage), [.metadata, .generate])
        XCTAssertEqual(items.map(\.status), [.checked, .pending])
        XCTAssertEqual(items[0].imagePath, "work/0001.png", "the checkpoint is kept")
        XCTAssertEqual(items[0].qcStatus, .passed)
        XCTAssertEqual(try fixture.steps("cats.2").map(\.stage), [.metadata, .generate])
        XCTAssertEqual(try fixture.store.job(id: "cats")?.status, .queued)
    }

    func testAMissingCheckpointStartsTheItemAgainFromGenerate() throws {
        let (fixture, control) = try failedJob()
        _ = try control.retry(try XCTUnwrap(try fixture.store.job(id: "cats")), now: F.at(10))
        XCTAssertEqual(try fixture.store.items(executionID: "cats.2").map(\.nextStage), [.generate, .generate])
        XCTAssertEqual(try fixture.store.items(executionID: "cats.2").map(\.imagePath), [nil, nil])
    }

    func testRetryRefusesRunningJobsAndJobsWithNothingFailed() throws {
        let fixture = try StoreFixture(self)
        try fixture.admit("cats")
        let control = JobControl(layout: RootLayout(root: fixture.folder), config: DropforgeConfig(), store: fixture.store)
        let job = try XCTUnwrap(try fixture.store.job(id: "cats"))
        XCTAssertThrowsError(try control.retry(job)) {
            XCTAssertEqual($0 as? JobControl.Refusal, .notFinished(job: "cats", status: .queued))
        }
        XCTAssertThrowsError(try control.delete(job))

        // Rejected at intake: retry cannot help, rerun after a fix can.
        try fixture.admit("bad", failure: StageFailure(stage: "intake", code: "manifest_invalid", message: "x"), at: F.at(1))
        try fixture.store.complete(try fixture.claim(.export, at: F.at(2)),
                                   with: .published(status: .failed, outboxPath: "outbox/failures/bad"), now: F.at(2))
        XCTAssertThrowsError(try control.retry(try XCTUnwrap(try fixture.store.job(id: "bad")))) {
            guard case .nothingToRetry(_, let reason)? = $0 as? JobControl.Refusal else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("rejected at intake"), reason)
        }
    }
}
