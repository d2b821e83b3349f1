import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore
@testable import DropForgeStore

/// Admission, claiming, leases and failures of the SQLite store, on real database files.
final class JobStoreQueueTests: XCTestCase {
    typealias F = StoreFixture

    // MARK: Admission

    func testAdmitCreatesQueuedJobExecutionAndParametersStep() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        XCTAssertEqual(try fixture.admit("cats-aaaaaa", claimFile: "aaaaaa~cats.yaml", manifestID: "m-1"),
                       .admitted(duplicateOf: nil))

        let job = try XCTUnwrap(store.job(id: "cats-aaaaaa"))
        XCTAssertEqual(job.status, .queued)
        XCTAssertEqual(job.manifestID, "m-1")
        XCTAssertEqual(try store.job(claimFile: "aaaaaa~cats.yaml")?.id, "cats-aaaaaa")
        XCTAssertNil(try store.job(claimFile: "zzzzzz~cats.yaml"))
        XCTAssertNil(try store.job(id: "nope"))

        let executions = try store.executions(jobID: job.id)
        XCTAssertEqual(executions.map(\.id), ["cats-aaaaaa"])
        XCTAssertNil(executions[0].failure)

        let steps = try fixture.steps(job.id)
        XCTAssertEqual(steps.map(\.stage), [.parameters])
        XCTAssertEqual(steps[0].status, .pending)
        XCTAssertEqual(steps[0].attempts, 0)
        XCTAssertNil(steps[0].itemID)
        XCTAssertNil(steps[0].leaseOwner)
        XCTAssertEqual(steps[0].notBefore, F.origin)
        XCTAssertEqual(try store.unfinishedJobIDs(), ["cats-aaaaaa"])
    }

    func testTheSameClaimFileOrJobIDIsAlreadyKnown() throws {
        let fixture = try StoreFixture(self)
        try fixture.admit("cats-aaaaaa", claimFile: "aaaaaa~cats.yaml")
        // Another process adopting the same claimed file (under any id) …
        XCTAssertEqual(try fixture.admit("other-bbbbbb", claimFile: "aaaaaa~cats.yaml"), .alreadyKnown)
        // … or a job id that is taken.
        XCTAssertEqual(try fixture.admit("cats-aaaaaa", claimFile: "cccccc~cats.yaml"), .alreadyKnown)
        XCTAssertEqual(try fixture.store.jobs(limit: nil).map(\.id), ["cats-aaaaaa"])
        XCTAssertEqual(try fixture.steps("cats-aaaaaa").count, 1, "no second step for a repeated admission")
    }

    func testDuplicateManifestIDIsAdmittedAsAFailureThatStartsAtExport() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admit("first", manifestID: "batch-1", at: F.at(0))
        XCTAssertEqual(try fixture.admit("second", manifestID: "batch-1", at: F.at(1)),
                       .admitted(duplicateOf: "first"))

        XCTAssertEqual(try fixture.steps("second").map(\.stage), [.export])
        let data = try XCTUnwrap(store.executions(jobID: "second").first?.failure)
        let failure = try JSONCoding.decode(StageFailure.self, from: data)
        XCTAssertEqual(failure.stage, "intake")
        XCTAssertEqual(failure.code, "duplicate")
        XCTAssertTrue(failure.message.contains("batch-1") && failure.message.contains("first"), failure.message)

        // `force: true` (no duplicate check) runs it again.
        XCTAssertEqual(try fixture.admit("forced", manifestID: "batch-1", checkDuplicate: false, at: F.at(2)),
                       .admitted(duplicateOf: nil))
        XCTAssertEqual(try fixture.steps("forced").map(\.stage), [.parameters])
        // Without a manifest id there is nothing to compare.
        XCTAssertEqual(try fixture.admit("anonymous", at: F.at(3)), .admitted(duplicateOf: nil))
    }

    func testAFailedJobDoesNotMakeItsManifestIDADuplicate() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admit("broken", manifestID: "batch-2")
        let parameters = try fixture.claim(.parameters)
        try store.fail(parameters, failure: StageFailure(stage: "parameters", code: "parameters_invalid", message: "x"),
                       retryAt: nil, now: F.at(1))
        let export = try fixture.claim(.export, at: F.at(1))
        try store.complete(export, with: .published(status: .failed, outboxPath: "failures/broken"), now: F.at(2))
        XCTAssertEqual(try store.job(id: "broken")?.status, .failed)

        XCTAssertEqual(try fixture.admit("again", manifestID: "batch-2", at: F.at(3)), .admitted(duplicateOf: nil))
        XCTAssertEqual(try fixture.steps("again").map(\.stage), [.parameters])
    }

    func testAnAdmissionWithAFailureStartsAtExportAndKeepsItsFailure() throws {
        let fixture = try StoreFixture(self)
        let invalid = StageFailure(stage: "intake", code: "manifest_invalid", message: "x.yaml:1:1: version: missing",
                                   at: F.origin)
        // Even with a manifest id already in use, the manifest's own failure is the one recorded.
        try fixture.admit("ok", manifestID: "m")
        XCTAssertEqual(try fixture.admit("bad", manifestID: "m", failure: invalid), .admitted(duplicateOf: nil))
        XCTAssertEqual(try fixture.steps("bad").map(\.stage), [.export])
        let data = try XCTUnwrap(fixture.store.executions(jobID: "bad").first?.failure)
        XCTAssertEqual(try JSONCoding.decode(StageFailure.self, from: data), invalid)
    }

    // MARK: Claiming

    func testClaimSetsTheLeaseCountsTheAttemptAndStartsTheJob() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admit("cats")
        XCTAssertNil(try store.claimStep(stage: .generate, owner: "w1", leaseSeconds: 30, now: F.at(1)),
                     "only the parameters step exists")

        let lease = try fixture.claim(.parameters, owner: "w1", lease: 30, at: F.at(1))
        XCTAssertEqual(lease.step.stage, .parameters)
        XCTAssertEqual(lease.step.status, .leased)
        XCTAssertEqual(lease.step.leaseOwner, "w1")
        XCTAssertEqual(lease.step.leaseExpires, F.at(31))
        XCTAssertEqual(lease.step.startedAt, F.at(1))
        XCTAssertEqual(lease.step.attempts, 1)
        XCTAssertEqual(lease.job.id, "cats")
        XCTAssertEqual(lease.execution.id, "cats")
        XCTAssertNil(lease.item)

        XCTAssertEqual(try store.job(id: "cats")?.status, .running)
        XCTAssertEqual(try store.executions(jobID: "cats").first?.status, .running)
        XCTAssertEqual(try store.leaseOwners(), ["w1"])
        XCTAssertNil(try store.claimStep(stage: .parameters, owner: "w2", leaseSeconds: 30, now: F.at(2)),
                     "a live lease is not handed out twice")
    }

    func testHigherPriorityIsClaimedFirstThenOldest() throws {
        let fixture = try StoreFixture(self)
        try fixture.admit("low", priority: 0, at: F.at(0))
        try fixture.admit("normal-1", priority: 1, at: F.at(1))
        try fixture.admit("high", priority: 2, at: F.at(2))
        try fixture.admit("normal-2", priority: 1, at: F.at(3))
        let order = try fixture.claimAll(.parameters, at: F.at(5)).map(\.job.id)
        XCTAssertEqual(order, ["high", "normal-1", "normal-2", "low"])
    }

    func testTwoOwnersNeverClaimTheSameStep() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("many", items: 40, quality: false, metadata: false)
        // A second connection pool on the same file, as a second process would have.
        let other = try fixture.reopen()
        let stores: [JobStore] = [fixture.store, other]
        let lock = NSLock()
        var claimed: [String: [Int64]] = [:]
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            let owner = "owner-\(worker)"
            var mine: [Int64] = []
            while let lease = try? stores[worker % 2].claimStep(stage: .generate, owner: owner, leaseSeconds: 30,
                                                                now: F.at(1)) {
                mine.append(lease.step.id!)
            }
            lock.withLock { claimed[owner] = mine }
        }
        let all = claimed.values.flatMap { $0 }
        XCTAssertEqual(all.count, 40, "every step claimed once: \(claimed.mapValues(\.count))")
        XCTAssertEqual(Set(all).count, 40, "no step claimed by two owners")
        for step in try fixture.steps("many", .generate) {
            XCTAssertEqual(step.status, .leased)
            XCTAssertEqual(step.attempts, 1)
            XCTAssertTrue(claimed[step.leaseOwner ?? ""]?.contains(step.id!) ?? false)
        }
    }

    func testAnExpiredLeaseIsReclaimedAndTheOldOwnersResultIsIgnored() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admit("cats")
        let stale = try fixture.claim(.parameters, owner: "w1", lease: 10, at: F.at(0))

        XCTAssertNil(try store.claimStep(stage: .parameters, owner: "w2", leaseSeconds: 10, now: F.at(9)))
        XCTAssertNil(try store.claimStep(stage: .parameters, owner: "w2", leaseSeconds: 10, now: F.at(10)),
                     "a lease is good up to its expiry")
        let fresh = try fixture.claim(.parameters, owner: "w2", lease: 10, at: F.at(11))
        XCTAssertEqual(fresh.step.id, stale.step.id)
        XCTAssertEqual(fresh.step.attempts, 2)
        XCTAssertEqual(fresh.step.leaseOwner, "w2")

        // w1 comes back late: neither its result nor its failure is recorded.
        try store.complete(stale, with: .expanded([F.plan(0), F.plan(1)]), now: F.at(12))
        try store.fail(stale, failure: StageFailure(stage: "parameters", code: "x", message: "late"), retryAt: nil,
                       now: F.at(12))
        XCTAssertEqual(try store.items(executionID: "cats").count, 0)
        var step = try XCTUnwrap(fixture.steps("cats").first)
        XCTAssertEqual(step.status, .leased)
        XCTAssertEqual(step.leaseOwner, "w2")
        XCTAssertNil(step.lastError)
        XCTAssertNil(try store.executions(jobID: "cats").first?.failure)

        try store.complete(fresh, with: .expanded([F.plan(0)]), now: F.at(13))
        XCTAssertEqual(try store.items(executionID: "cats").count, 1)
        step = try XCTUnwrap(fixture.steps("cats", .parameters).first)
        XCTAssertEqual(step.status, .done)
        XCTAssertNil(step.leaseOwner)
        XCTAssertNil(step.leaseExpires)
        XCTAssertEqual(step.finishedAt, F.at(13))
    }

    func testRenewingLeasesKeepsThemFromBeingTakenOver() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admitExpanded("cats", items: 2)
        _ = try fixture.claim(.generate, owner: "w1", lease: 10, at: F.at(0))
        _ = try fixture.claim(.generate, owner: "w3", lease: 10, at: F.at(0))
        try store.renewLeases(owner: "w1", until: F.at(100))

        let taken = try fixture.claimAll(.generate, owner: "w2", at: F.at(50))
        XCTAssertEqual(taken.map { $0.item?.index }, [1], "only w3's lease (not renewed) has expired")
        XCTAssertEqual(try fixture.claimAll(.generate, owner: "w4", at: F.at(60)).count, 0)
        let late = try fixture.claimAll(.generate, owner: "w4", at: F.at(101))
        XCTAssertEqual(late.map { $0.item?.index }, [0, 1], "w1's renewed lease expires at its new time")
    }

    // MARK: Failures

    func testATransientFailureRequeuesTheStepNotBeforeItsRetryTime() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admitExpanded("cats", items: 1)
        let lease = try fixture.claim(.generate, owner: "w1", at: F.at(1))
        try store.fail(lease, failure: StageFailure(stage: "generate", code: "io_error", message: "disk full", attempts: 1),
                       retryAt: F.at(6), now: F.at(2))

        let step = try XCTUnwrap(fixture.steps("cats", .generate).first)
        XCTAssertEqual(step.status, .pending)
        XCTAssertEqual(step.notBefore, F.at(6))
        XCTAssertEqual(step.attempts, 1, "the failed attempt stays counted")
        XCTAssertNil(step.leaseOwner)
        XCTAssertNil(step.leaseExpires)
        XCTAssertEqual(step.lastError, "io_error: disk full")
        let item = try XCTUnwrap(store.items(executionID: "cats").first)
        XCTAssertEqual(item.status, .pending)
        XCTAssertEqual(item.nextStage, .generate)
        XCTAssertEqual(item.attempts, 1)
        XCTAssertEqual(item.lastError, "io_error: disk full")

        XCTAssertNil(try store.claimStep(stage: .generate, owner: "w1", leaseSeconds: 30, now: F.at(5.999)))
        let generate = try XCTUnwrap(store.summary(now: F.at(5)).stages.first { $0.stage == "generate" })
        XCTAssertEqual(generate.runnable, 0)
        XCTAssertEqual(generate.delayed, 1)

        let retry = try fixture.claim(.generate, owner: "w1", at: F.at(6))
        XCTAssertEqual(retry.step.attempts, 2)
        XCTAssertEqual(retry.item?.attempts, 1)
    }

    func testAPermanentFailureFailsTheItemAndExportFollows() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admitExpanded("cats", items: 2, quality: false, metadata: false)
        let first = try fixture.claim(.generate, at: F.at(1))
        let second = try fixture.claim(.generate, at: F.at(1))
        try store.fail(first, failure: StageFailure(stage: "generate", code: "provider_unknown", message: "no such provider"),
                       retryAt: nil, now: F.at(2))

        var items = try store.items(executionID: "cats")
        XCTAssertEqual(items[0].status, .failed)
        XCTAssertNil(items[0].nextStage)
        XCTAssertEqual(items[0].attempts, 1)
        XCTAssertEqual(items[0].lastError, "provider_unknown: no such provider")
        let failed = try XCTUnwrap(fixture.steps("cats", .generate).first { $0.id == first.step.id })
        XCTAssertEqual(failed.status, .failed)
        XCTAssertEqual(failed.finishedAt, F.at(2))
        XCTAssertNil(failed.leaseOwner)
        XCTAssertTrue(try fixture.steps("cats", .export).isEmpty, "item 1 is still open")
        XCTAssertNil(try store.claimStep(stage: .generate, owner: "w", leaseSeconds: 30, now: F.at(5)),
                     "a failed step is never claimed again")

        try store.complete(second, with: .generated(imagePath: "w/0002.png", dhash: 1), now: F.at(3))
        items = try store.items(executionID: "cats")
        XCTAssertEqual(items.map(\.status), [.failed, .approved])
        XCTAssertEqual(try fixture.steps("cats", .export).count, 1)
        XCTAssertNil(try store.executions(jobID: "cats").first?.failure, "an item failure is not the execution's")
    }

    func testAPermanentParametersFailureQueuesExportWithTheFailure() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admit("cats")
        let lease = try fixture.claim(.parameters)
        let failure = StageFailure(stage: "parameters", code: "parameters_invalid", message: "unknown {colour}",
                                   attempts: 1, at: F.at(1))
        try store.fail(lease, failure: failure, retryAt: nil, now: F.at(1))

        XCTAssertEqual(try fixture.steps("cats").map { "\($0.stage.rawValue):\($0.status.rawValue)" },
                       ["parameters:failed", "export:pending"])
        let data = try XCTUnwrap(store.executions(jobID: "cats").first?.failure)
        XCTAssertEqual(try JSONCoding.decode(StageFailure.self, from: data), failure)
        XCTAssertEqual(try store.job(id: "cats")?.status, .running, "still to be published")
    }

    func testAPermanentExportFailureFailsTheJob() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admit("cats", failure: StageFailure(stage: "intake", code: "manifest_invalid", message: "bad"))
        let export = try fixture.claim(.export, at: F.at(1))
        try store.fail(export, failure: StageFailure(stage: "export", code: "io_error", message: "read-only"),
                       retryAt: nil, now: F.at(2))

        let job = try XCTUnwrap(store.job(id: "cats"))
        XCTAssertEqual(job.status, .failed)
        XCTAssertEqual(job.finishedAt, F.at(2))
        let execution = try XCTUnwrap(store.executions(jobID: "cats").first)
        XCTAssertEqual(execution.status, .failed)
        XCTAssertEqual(try JSONCoding.decode(StageFailure.self, from: try XCTUnwrap(execution.failure)).code, "io_error")
        XCTAssertEqual(try store.unfinishedJobIDs(), [])
        XCTAssertEqual(try store.recentFailures(limit: 5).map(\.id), ["cats"])
    }

    // MARK: Releasing leases

    func testAGracefulReleaseGivesTheAttemptBack() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admitExpanded("cats", items: 3)
        _ = try fixture.claim(.generate, owner: "leaving", at: F.at(1))
        _ = try fixture.claim(.generate, owner: "leaving", at: F.at(1))
        _ = try fixture.claim(.generate, owner: "staying", at: F.at(1))
        XCTAssertEqual(Set(try store.leaseOwners()), ["leaving", "staying"])

        try store.releaseLeases(owner: "leaving", countAttempt: false)
        let steps = try fixture.steps("cats", .generate)
        XCTAssertEqual(steps.map(\.status), [.pending, .pending, .leased])
        XCTAssertEqual(steps.map(\.attempts), [0, 0, 1])
        XCTAssertEqual(steps.map(\.leaseOwner), [nil, nil, "staying"])
        XCTAssertEqual(try store.leaseOwners(), ["staying"])

        let again = try fixture.claim(.generate, owner: "next", at: F.at(2))
        XCTAssertEqual(again.step.attempts, 1, "a graceful stop costs no attempt")
    }

    func testReleasingADeadOwnersLeasesKeepsTheAttempt() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admit("cats")
        _ = try fixture.claim(.parameters, owner: "crashed", at: F.at(1))
        try store.releaseLeases(owner: "crashed", countAttempt: true)
        let step = try XCTUnwrap(fixture.steps("cats").first)
        XCTAssertEqual(step.status, .pending)
        XCTAssertEqual(step.attempts, 1)
        XCTAssertNil(step.leaseOwner)
        XCTAssertEqual(try fixture.claim(.parameters, owner: "next", at: F.at(2)).step.attempts, 2)
        // Releasing an owner with nothing leased changes nothing.
        try store.releaseLeases(owner: "nobody", countAttempt: false)
        XCTAssertEqual(try fixture.steps("cats").first?.attempts, 2)
    }

    // MARK: Reading

    func testSummaryCountsJobsAndStepsPerStage() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admitExpanded("cats", items: 3, at: F.at(0))   // generate ×3, job running
        try fixture.admit("dogs", at: F.at(10))                     // parameters, queued
        _ = try fixture.claim(.generate, at: F.at(20))                 // leased
        let retried = try fixture.claim(.generate, at: F.at(20))       // delayed
        try store.fail(retried, failure: StageFailure(stage: "generate", code: "io_error", message: "x"),
                       retryAt: F.at(100), now: F.at(20))

        let summary = try store.summary(now: F.at(30))
        XCTAssertEqual(summary.jobs, ["running": 1, "queued": 1])
        XCTAssertEqual(summary.stages.map(\.stage), Stage.allCases.map(\.rawValue))
        let byStage = Dictionary(uniqueKeysWithValues: summary.stages.map { ($0.stage, $0) })
        XCTAssertEqual(byStage["generate"]?.runnable, 1)
        XCTAssertEqual(byStage["generate"]?.delayed, 1)
        XCTAssertEqual(byStage["generate"]?.leased, 1)
        XCTAssertEqual(byStage["generate"]?.oldestWaitingSeconds ?? -1, 30, accuracy: 0.001)
        XCTAssertEqual(byStage["parameters"]?.runnable, 1)
        XCTAssertEqual(byStage["parameters"]?.oldestWaitingSeconds ?? -1, 20, accuracy: 0.001)
        XCTAssertEqual(byStage["quality"], .init(stage: "quality", runnable: 0, delayed: 0, leased: 0,
                                                 oldestWaitingSeconds: nil))
        XCTAssertEqual(summary.openSteps, 4)
    }

    func testStatusesUnfinishedJobsAndListing() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admit("a", at: F.at(0))
        try fixture.admit("b", at: F.at(1))
        try fixture.admit("c", failure: StageFailure(stage: "intake", code: "manifest_invalid", message: "x"), at: F.at(2))
        _ = try fixture.claim(.parameters, at: F.at(3))          // a is running
        let export = try fixture.claim(.export, at: F.at(3))
        try store.complete(export, with: .published(status: .failed, outboxPath: "failures/c"), now: F.at(4))

        // More ids than one SQL chunk (500), with the real ones spread over the chunks.
        var ids = (0..<1200).map { "missing-\($0)" }
        ids[0] = "a"
        ids[700] = "b"
        ids[1100] = "c"
        XCTAssertEqual(try store.statuses(jobIDs: ids), ["a": .running, "b": .queued, "c": .failed])
        XCTAssertEqual(try store.statuses(jobIDs: []), [:])
        XCTAssertEqual(try store.unfinishedJobIDs(), ["a", "b"])
        XCTAssertEqual(try store.jobs(limit: nil).map(\.id), ["c", "b", "a"], "newest first")
        XCTAssertEqual(try store.jobs(limit: 2).map(\.id), ["c", "b"])
        let c = try XCTUnwrap(store.executions(jobID: "c").first)
        XCTAssertEqual(c.outboxPath, "failures/c")
        XCTAssertEqual(c.finishedAt, F.at(4))
    }

    func testEventsAreAppendedAndReadInOrderAfterAnID() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        func event(_ job: String, _ name: String, item: Int? = nil) -> EventRecord {
            EventRecord(id: nil, ts: F.at(1), level: "info", job: job, execution: job, item: item,
                        stage: item == nil ? nil : "generate", event: name, message: "\(name) message")
        }
        try store.append(event("cats", "claimed"))
        try store.append(event("dogs", "claimed"))
        try store.append(event("cats", "retry", item: 0))
        try store.append(event("cats", "failed", item: 0))

        let all = try store.events(jobID: "cats", after: 0)
        XCTAssertEqual(all.map(\.event), ["claimed", "retry", "failed"])
        XCTAssertEqual(all.compactMap(\.id), all.compactMap(\.id).sorted())
        XCTAssertEqual(all[1].item, 0)
        XCTAssertEqual(all[1].stage, "generate")
        XCTAssertEqual(all[1].message, "retry message")
        XCTAssertEqual(all[1].ts, F.at(1))
        XCTAssertEqual(try store.events(jobID: "cats", after: all[0].id!).map(\.event), ["retry", "failed"])
        XCTAssertEqual(try store.events(jobID: "cats", after: all[2].id!).count, 0)
        XCTAssertEqual(try store.events(jobID: "dogs", after: 0).map(\.event), ["claimed"])
        XCTAssertEqual(try store.events(jobID: "owls", after: 0).count, 0)
    }

    func testTheStateSurvivesReopeningTheFile() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("cats", items: 2)
        let reopened = try fixture.reopen()
        XCTAssertEqual(try reopened.items(executionID: "cats").count, 2)
        XCTAssertEqual(try reopened.steps(executionID: "cats").map(\.stage), [.parameters, .generate, .generate])
    }
}
