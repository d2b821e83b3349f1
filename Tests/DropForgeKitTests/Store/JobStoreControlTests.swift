import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeStore

/// Cancel, new executions and delete on a real SQLite store.
final class JobStoreControlTests: XCTestCase {
    typealias F = StoreFixture

    func testCancelClosesWaitingStepsAndQueuesExportOnceNoWorkerHoldsAStep() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("cats", items: 3)
        let held = try fixture.claim(.generate, owner: "worker", at: F.at(1))

        guard case .cancelled(let executions, let running) = try fixture.store.cancel(jobID: "cats", now: F.at(2)) else {
            return XCTFail("not cancelled")
        }
        XCTAssertEqual(executions, ["cats"])
        XCTAssertEqual(running, 1, "one step is still held by its worker")
        XCTAssertEqual(try fixture.steps("cats", .generate).map(\.status), [.leased, .failed, .failed])
        XCTAssertEqual(try fixture.steps("cats", .export), [], "export waits for the held step")
        XCTAssertEqual(try fixture.store.cancelledLeases(owner: "worker"), [held.step.id!])
        XCTAssertEqual(try fixture.store.cancelledLeases(owner: "someone-else"), [])

        // The worker's late result is dropped, the step closed, and export queued.
        try fixture.store.complete(held, with: .generated(imagePath: "x.png", dhash: 1), now: F.at(3))
        XCTAssertEqual(try fixture.steps("cats", .generate).map(\.status), [.failed, .failed, .failed])
        XCTAssertEqual(try fixture.store.items(executionID: "cats").map(\.status), [.failed, .failed, .failed])
        XCTAssertEqual(try fixture.store.items(executionID: "cats").map(\.lastError), ["cancelled", "cancelled", "cancelled"])
        let export = try fixture.claim(.export, at: F.at(4))
        XCTAssertEqual(export.execution.cancelledAt, F.at(2))
        try fixture.store.complete(export, with: .published(status: .cancelled, outboxPath: "outbox/failures/cats"), now: F.at(5))
        XCTAssertEqual(try fixture.store.job(id: "cats")?.status, .cancelled)
        XCTAssertEqual(try fixture.store.cancel(jobID: "cats", now: F.at(6)), .finished(.cancelled))
        XCTAssertEqual(try fixture.store.cancel(jobID: "nope", now: F.at(6)), .notFound)
    }

    func testAStepReleasedAfterTheCancelIsClosedWhenClaimedNotRun() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("cats", items: 1)
        _ = try fixture.claim(.generate, owner: "gone", at: F.at(1))
        _ = try fixture.store.cancel(jobID: "cats", now: F.at(2))
        try fixture.store.releaseLeases(owner: "gone", countAttempt: true)
        XCTAssertNil(try fixture.store.claimStep(stage: .generate, owner: "other", leaseSeconds: 30, now: F.at(3)))
        XCTAssertEqual(try fixture.steps("cats", .generate).map(\.status), [.failed])
        XCTAssertEqual(try fixture.steps("cats", .export).count, 1, "the cancellation can be published")
    }

    func testAJobBeingPublishedCannotBeCancelled() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("cats", items: 1, quality: false, metadata: false)
        let generate = try fixture.claim(.generate, at: F.at(1))
        try fixture.store.complete(generate, with: .generated(imagePath: "x.png", dhash: 1), now: F.at(2))
        _ = try fixture.claim(.export, at: F.at(3))
        XCTAssertEqual(try fixture.store.cancel(jobID: "cats", now: F.at(4)), .publishing)
    }

    func testANewExecutionStartsItsItemsAtTheirCheckpointsBehindTheQualityBarrier() throws {
        let fixture = try StoreFixture(self)
        try fixture.admit("cats", barrier: true)
        try finish(fixture, "cats")
        var execution = F.execution(for: F.job(id: "cats"), barrier: true)
        execution = execution.repeated(number: 2, now: F.at(10))
        func item(_ index: Int, at stage: Stage) -> ItemRecord {
            ItemRecord(id: nil, executionID: "", index: index, plan: F.plan(index), status: .pending, nextStage: stage,
                       imagePath: stage == .generate ? nil : "old.png", dhash: nil, qcStatus: nil, qcReason: nil,
                       qcChecks: nil, metadata: nil, attempts: 0, lastError: nil, updatedAt: F.at(10))
        }
        try fixture.store.addExecution(execution, items: [item(1, at: .generate), item(4, at: .quality), item(6, at: .metadata)],
                                       priority: 1, now: F.at(10))
        XCTAssertEqual(try fixture.store.job(id: "cats")?.status, .queued)
        XCTAssertEqual(try fixture.store.items(executionID: "cats.2").map(\.index), [1, 4, 6])
        XCTAssertEqual(try fixture.steps("cats.2").map(\.stage), [.generate, .metadata], "quality waits for generation")
        let generate = try fixture.claim(.generate, at: F.at(11))
        XCTAssertEqual(generate.execution.parentID, "cats")
        try fixture.store.complete(generate, with: .generated(imagePath: "new.png", dhash: 2), now: F.at(12))
        XCTAssertEqual(try fixture.steps("cats.2", .quality).count, 2, "the barrier opens for both")

        XCTAssertThrowsError(try fixture.store.addExecution(execution.repeated(number: 3, now: F.at(13)), items: [],
                                                            priority: 1, now: F.at(13))) {
            XCTAssertEqual($0 as? ExecutionRefusal, .notFinished(.running))
        }
    }

    func testDeleteRemovesAFinishedJobWithEverythingItOwnsAndRefusesARunningOne() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("cats", items: 2)
        try fixture.store.append(EventRecord(id: nil, ts: F.at(1), level: "info", job: "cats", execution: "cats",
                                             item: nil, stage: nil, event: "claimed", message: "x"))
        XCTAssertThrowsError(try fixture.store.delete(jobID: "cats")) {
            XCTAssertEqual($0 as? ExecutionRefusal, .notFinished(.running))
        }
        try fixture.admit("dogs", at: F.at(1))
        _ = try fixture.store.cancel(jobID: "cats", now: F.at(2))
        try fixture.store.complete(try fixture.claim(.export, at: F.at(3)),
                                   with: .published(status: .cancelled, outboxPath: "outbox/failures/cats"), now: F.at(3))
        let removed = try fixture.store.delete(jobID: "cats")
        XCTAssertEqual(removed.map(\.id), ["cats"])
        XCTAssertNil(try fixture.store.job(id: "cats"))
        XCTAssertEqual(try fixture.store.items(executionID: "cats"), [])
        XCTAssertEqual(try fixture.store.steps(executionID: "cats"), [])
        XCTAssertEqual(try fixture.store.events(jobID: "cats", after: 0), [])
        XCTAssertNotNil(try fixture.store.job(id: "dogs"), "other jobs stay")
    }

    func testJobFilterAndProgress() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("red_cats", items: 2, quality: false, metadata: false, at: F.at(0))
        try fixture.admit("blue-dogs", at: F.at(60))
        let store = fixture.store
        XCTAssertEqual(try store.jobs(matching: JobFilter(since: F.at(30))).map(\.id), ["blue-dogs"])
        XCTAssertEqual(try store.jobs(matching: JobFilter(name: "CATS")).map(\.id), ["red_cats"])
        XCTAssertEqual(try store.jobs(matching: JobFilter(name: "blue_dogs")).map(\.id), [], "_ is literal")
        XCTAssertEqual(try store.jobs(matching: JobFilter(oldestFirst: true)).map(\.id), ["red_cats", "blue-dogs"])
        XCTAssertEqual(try store.jobs(matching: JobFilter(statuses: [.running])).map(\.id), ["red_cats"])
        XCTAssertEqual(try store.jobs(matching: JobFilter(idPrefix: "blue")).map(\.id), ["blue-dogs"])

        let generate = try fixture.claim(.generate, at: F.at(61))
        try store.complete(generate, with: .generated(imagePath: "a.png", dhash: 1), now: F.at(62))
        XCTAssertEqual(try store.progress(jobIDs: ["red_cats", "blue-dogs"]),
                       DrainProgress(jobs: 2, jobsFinished: 0, items: 2, itemsDone: 1, work: 7, workDone: 2),
                       "work: 2 items of one stage, each job's parameters step, red_cats' export of 2 and blue-dogs' of 1")
        let throughput = try store.summary(now: F.at(62 + 120)).throughput
        XCTAssertEqual(throughput.map(\.minutes), [1, 5, 15])
        XCTAssertEqual(throughput.map(\.items), [0, 1, 1], "the item approved two minutes ago")
    }

    /// Runs `id`'s single parameters step to an execution with no items, then publishes it.
    private func finish(_ fixture: StoreFixture, _ id: String) throws {
        let parameters = try fixture.claim(.parameters)
        try fixture.store.complete(parameters, with: .expanded([]), now: F.at(1))
        try fixture.store.complete(try fixture.claim(.export, at: F.at(2)),
                                   with: .published(status: .failed, outboxPath: "outbox/failures/\(id)"), now: F.at(2))
    }
}
