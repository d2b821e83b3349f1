import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore
@testable import DropForgeStore

/// Issue 13's queue shapes on a real SQLite file: a completion that carries its item on into
/// the next stage in the same transaction, and leases taken and recorded in batches.
final class JobStoreCarryTests: XCTestCase {
    typealias F = StoreFixture

    private func completion(_ lease: StepLease, _ outcome: StepOutcome, at seconds: TimeInterval) -> StepCompletion {
        StepCompletion(lease: lease, transition: StageGraph.transition(after: lease, outcome, now: F.at(seconds)),
                       started: F.at(seconds - 1), finished: F.at(seconds))
    }

    // MARK: Carrying an item on

    func testACompletionLeasesTheItemsNextStepToTheCarrier() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("j", items: 1)
        let generate = try fixture.claim(.generate, owner: "w1", at: F.at(1))
        let before = fixture.writeTransactions
        let carried = try fixture.store.finish(
            [completion(generate, .generated(imagePath: "a.png", dhash: 1), at: 2)],
            carryOn: CarryOn(stage: .quality, owner: "w1", leaseSeconds: 30))
        XCTAssertEqual(fixture.writeTransactions - before, 1, "one transaction for both")

        let lease = try XCTUnwrap(carried)
        XCTAssertEqual(lease.step.stage, .quality)
        XCTAssertEqual(lease.step.status, .leased)
        XCTAssertEqual(lease.step.leaseOwner, "w1")
        XCTAssertEqual(lease.step.attempts, 1)
        XCTAssertEqual(lease.step.leaseExpires, F.at(32))
        XCTAssertEqual(lease.item?.imagePath, "a.png", "the carried lease holds the item as the completion left it")
        XCTAssertNil(try fixture.store.claimStep(stage: .quality, owner: "w2", leaseSeconds: 30, now: F.at(3)),
                     "nothing was queued for other workers")
        let steps = try fixture.steps("j")
        XCTAssertEqual(steps.first { $0.stage == .generate }?.status, .done)
        XCTAssertEqual(steps.first { $0.stage == .generate }?.startedAt, F.at(1), "started when the worker began")

        // The carried step completes like any other and can carry on again.
        let metadata = try XCTUnwrap(fixture.store.finish(
            [completion(lease, .checked(passed: true, reason: nil, checks: F.checks), at: 4)],
            carryOn: CarryOn(stage: .metadata, owner: "w1", leaseSeconds: 30)))
        XCTAssertEqual(metadata.step.stage, .metadata)
        // The last item finished: the execution's export is carried too.
        let export = try XCTUnwrap(fixture.store.finish(
            [completion(metadata, .described(metadata: Data("{}".utf8), imagePath: "a.png"), at: 5)],
            carryOn: CarryOn(stage: .export, owner: "w1", leaseSeconds: 30)))
        XCTAssertEqual(export.step.stage, .export)
        XCTAssertNil(export.step.itemID)
        XCTAssertNil(try fixture.store.claimStep(stage: .export, owner: "w2", leaseSeconds: 30, now: F.at(6)))
    }

    func testExportIsCarriedOnlyByTheLastItem() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("j", items: 2, quality: false, metadata: false)
        let generate = try fixture.claimAll(.generate, at: F.at(1))
        XCTAssertNil(try fixture.store.finish([completion(generate[0], .generated(imagePath: "a.png", dhash: 1), at: 2)],
                                              carryOn: CarryOn(stage: .export, owner: "w1", leaseSeconds: 30)),
                     "one item is still open")
        XCTAssertEqual(try fixture.store.finish([completion(generate[1], .generated(imagePath: "b.png", dhash: 2), at: 3)],
                                                carryOn: CarryOn(stage: .export, owner: "w1", leaseSeconds: 30))?.step.stage,
                       .export)
        XCTAssertEqual(try fixture.steps("j", .export).count, 1)
    }

    func testWithoutACarrierTheNextStepIsQueued() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("j", items: 1)
        let generate = try fixture.claim(.generate, at: F.at(1))
        // The carrier asked for metadata, but the item's next stage is quality.
        XCTAssertNil(try fixture.store.finish([completion(generate, .generated(imagePath: "a.png", dhash: 1), at: 2)],
                                              carryOn: CarryOn(stage: .metadata, owner: "w1", leaseSeconds: 30)))
        XCTAssertEqual(try fixture.claim(.quality, owner: "w2", at: F.at(3)).item?.imagePath, "a.png")
    }

    func testQualityBehindTheBarrierIsCarriedByTheItemThatOpensIt() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("j", items: 2, barrier: true)
        let generate = try fixture.claimAll(.generate, at: F.at(1))
        XCTAssertNil(try fixture.store.finish([completion(generate[0], .generated(imagePath: "a.png", dhash: 1), at: 2)],
                                              carryOn: CarryOn(stage: .quality, owner: "w1", leaseSeconds: 30)),
                     "quality waits until every item is generated")
        XCTAssertNil(try fixture.store.claimStep(stage: .quality, owner: "w1", leaseSeconds: 30, now: F.at(3)))
        let carried = try XCTUnwrap(fixture.store.finish(
            [completion(generate[1], .generated(imagePath: "b.png", dhash: 2), at: 4)],
            carryOn: CarryOn(stage: .quality, owner: "w1", leaseSeconds: 30)))
        XCTAssertEqual(carried.item?.index, 1, "the item that opened the barrier is carried")
        XCTAssertEqual(try fixture.claim(.quality, owner: "w2", at: F.at(5)).item?.index, 0, "the other one is queued")
        XCTAssertEqual(try fixture.steps("j", .quality).count, 2)
    }

    func testAFailedItemIsNeverCarriedThroughTheBarrier() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("j", items: 1, barrier: true)
        let generate = try fixture.claim(.generate, at: F.at(1))
        let failure = StageFailure(stage: "generate", code: .generateFailed, message: "no", at: F.at(2))
        let failed = StepCompletion(lease: generate,
                                    transition: try StageGraph.transition(afterFailing: generate, failure, retryAt: nil, now: F.at(2)),
                                    started: F.at(1), finished: F.at(2))
        XCTAssertNil(try fixture.store.finish([failed], carryOn: CarryOn(stage: .quality, owner: "w1", leaseSeconds: 30)))
        XCTAssertEqual(try fixture.steps("j", .quality).count, 0)
        XCTAssertEqual(try fixture.steps("j", .export).count, 1, "the failure goes on to export")
    }

    func testACarrierThatDiesLosesOnlyTheStepInFlight() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("j", items: 1)
        let generate = try fixture.claim(.generate, owner: "dead", at: F.at(1))
        let carried = try XCTUnwrap(fixture.store.finish(
            [completion(generate, .generated(imagePath: "a.png", dhash: 1), at: 2)],
            carryOn: CarryOn(stage: .quality, owner: "dead", leaseSeconds: 30)))
        // kill -9 right after the transaction: the reaper hands the dead owner's leases back.
        try fixture.store.releaseLeases(owner: "dead", countAttempt: true)
        let again = try fixture.claim(.quality, owner: "alive", at: F.at(3))
        XCTAssertEqual(again.step.id, carried.step.id, "the carried step runs again, nothing else")
        XCTAssertEqual(again.step.attempts, 2)
        XCTAssertEqual(try fixture.steps("j", .generate).map(\.status), [.done], "the finished step is not redone")
        // The dead carrier's late completion is not recorded twice.
        XCTAssertNil(try fixture.store.finish([completion(carried, .checked(passed: true, reason: nil, checks: F.checks), at: 4)],
                                              carryOn: nil))
        XCTAssertEqual(try fixture.steps("j", .quality).map(\.status), [.leased])
    }

    // MARK: Batches

    func testABatchLeasesUpToTheLimitInQueueOrder() throws {
        let fixture = try StoreFixture(self)
        for (index, name) in ["a", "b", "c", "d"].enumerated() {
            try fixture.admit(name, priority: name == "c" ? 2 : 1, at: F.at(Double(index)))
        }
        let batch = try fixture.store.claimSteps(stage: .parameters, owner: "w1", leaseSeconds: 30, limit: 3, now: F.at(10))
        XCTAssertEqual(batch.map(\.job.id), ["c", "a", "b"], "priority first, then the oldest")
        XCTAssertTrue(batch.allSatisfy { $0.step.status == .leased && $0.step.leaseOwner == "w1" && $0.step.attempts == 1 })
        XCTAssertEqual(try fixture.store.claimSteps(stage: .parameters, owner: "w2", leaseSeconds: 30, limit: 3, now: F.at(10))
            .map(\.job.id), ["d"])
    }

    func testABatchIsRenewedTogetherAndExpiresTogether() throws {
        let fixture = try StoreFixture(self)
        for name in ["a", "b"] { try fixture.admit(name) }
        _ = try fixture.store.claimSteps(stage: .parameters, owner: "w1", leaseSeconds: 30, limit: 2, now: F.at(0))
        try fixture.store.renewLeases(owner: "w1", until: F.at(60))
        XCTAssertTrue(try fixture.store.claimSteps(stage: .parameters, owner: "w2", leaseSeconds: 30, limit: 2, now: F.at(45)).isEmpty)
        XCTAssertEqual(try fixture.store.claimSteps(stage: .parameters, owner: "w2", leaseSeconds: 30, limit: 2, now: F.at(61))
            .map(\.job.id), ["a", "b"], "both expired and were taken over")
    }

    func testOneLeaseOfABatchFailingLeavesTheOthersToBeRecorded() throws {
        let fixture = try StoreFixture(self)
        for name in ["a", "b", "c"] { try fixture.admit(name) }
        let batch = try fixture.store.claimSteps(stage: .parameters, owner: "w1", leaseSeconds: 30, limit: 3, now: F.at(0))
        let failure = StageFailure(stage: "parameters", code: .planInvalid, message: "bad", at: F.at(1))
        let before = fixture.writeTransactions
        _ = try fixture.store.finish([
            completion(batch[0], .expanded([F.plan(0)]), at: 1),
            StepCompletion(lease: batch[1], transition: try StageGraph.transition(afterFailing: batch[1], failure, retryAt: nil, now: F.at(1)),
                           started: F.at(1), finished: F.at(1)),
            completion(batch[2], .expanded([F.plan(0)]), at: 1),
        ], carryOn: nil)
        XCTAssertEqual(fixture.writeTransactions - before, 1, "one transaction for the batch")
        XCTAssertEqual(try fixture.steps("a", .generate).count, 1)
        XCTAssertEqual(try fixture.steps("c", .generate).count, 1)
        XCTAssertEqual(try fixture.steps("b", .parameters).map(\.status), [.failed])
        XCTAssertEqual(try fixture.steps("b", .export).count, 1, "the failed one goes on to publish its failure")
    }

    func testAStepsLogLinesAreStoredWithItsTransition() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("j", items: 1)
        let generate = try fixture.claim(.generate, at: F.at(1))
        var done = completion(generate, .generated(imagePath: "a.png", dhash: 1), at: 2)
        done.transition.events = [EventRecord(id: nil, ts: F.at(2), level: "info", job: "j", execution: "j", item: 1,
                                              stage: "generate", event: "made", message: "an image")]
        _ = try fixture.store.finish([done], carryOn: nil)
        XCTAssertEqual(try fixture.store.events(jobID: "j", after: 0).map(\.event), ["made"])
    }
}
