import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeStore

/// How `complete` moves items through the stages: parameters → generate → quality → metadata,
/// the quality barrier, and exactly one export once every item is terminal.
final class JobStoreRoutingTests: XCTestCase {
    typealias F = StoreFixture

    func testExpandedParametersCreateItemsAndGenerateSteps() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admit("cats", priority: 2)
        let lease = try fixture.claim(.parameters, at: F.at(1))
        try store.complete(lease, with: .expanded([F.plan(0), F.plan(1), F.plan(2)]), now: F.at(2))

        let items = try store.items(executionID: "cats")
        XCTAssertEqual(items.map(\.index), [0, 1, 2])
        XCTAssertEqual(items.map(\.plan), [F.plan(0), F.plan(1), F.plan(2)])
        XCTAssertEqual(Set(items.map(\.status)), [.pending])
        XCTAssertEqual(Set(items.map(\.nextStage)), [.generate])
        XCTAssertEqual(Set(items.map(\.attempts)), [0])

        let steps = try fixture.steps("cats")
        XCTAssertEqual(steps.map(\.stage), [.parameters, .generate, .generate, .generate])
        XCTAssertEqual(steps[0].status, .done)
        XCTAssertEqual(steps.dropFirst().map(\.itemID), items.map(\.id))
        XCTAssertEqual(Set(steps.dropFirst().map(\.status)), [.pending])
        XCTAssertEqual(Set(steps.dropFirst().map(\.priority)), [2], "items inherit the job's priority")
        XCTAssertEqual(Set(steps.dropFirst().map(\.notBefore)), [F.at(2)])

        let generate = try fixture.claim(.generate, at: F.at(3))
        XCTAssertEqual(generate.item?.id, items[0].id)
        XCTAssertEqual(generate.item?.plan, F.plan(0))
    }

    func testExpandingToNoItemsGoesStraightToExport() throws {
        let fixture = try StoreFixture(self)
        try fixture.admitExpanded("empty", items: 0)
        XCTAssertEqual(try fixture.steps("empty").map(\.stage), [.parameters, .export])
    }

    func testWithoutTheBarrierEachGeneratedItemGoesToQualityAtOnce() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admitExpanded("cats", items: 2, barrier: false)
        let first = try fixture.claim(.generate, at: F.at(1))
        try store.complete(first, with: .generated(imagePath: ".dropforge/work/cats/0001.png", dhash: -42), now: F.at(2))

        let item = try XCTUnwrap(store.items(executionID: "cats").first)
        XCTAssertEqual(item.status, .generated)
        XCTAssertEqual(item.nextStage, .quality)
        XCTAssertEqual(item.imagePath, ".dropforge/work/cats/0001.png")
        XCTAssertEqual(item.dhash, -42)
        XCTAssertEqual(item.attempts, 1)
        XCTAssertEqual(try fixture.steps("cats", .quality).map(\.itemID), [item.id],
                       "item 0 is checked while item 1 is still waiting for generate")
    }

    func testTheQualityBarrierWaitsForTheLastGeneratedItem() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admitExpanded("cats", items: 3, barrier: true)
        let leases = try fixture.claimAll(.generate, at: F.at(1))
        XCTAssertEqual(leases.count, 3)

        try store.complete(leases[0], with: .generated(imagePath: "a.png", dhash: 1), now: F.at(2))
        try store.complete(leases[2], with: .generated(imagePath: "c.png", dhash: 3), now: F.at(2))
        XCTAssertTrue(try fixture.steps("cats", .quality).isEmpty, "item 1 is still being generated")
        // A transient failure keeps item 1 waiting for generate: still no quality.
        try store.fail(leases[1], failure: StageFailure(stage: "generate", code: "io_error", message: "x"),
                       retryAt: F.at(3), now: F.at(2))
        XCTAssertTrue(try fixture.steps("cats", .quality).isEmpty)
        XCTAssertEqual(try store.items(executionID: "cats").map(\.nextStage), [.quality, .generate, .quality])

        let retry = try fixture.claim(.generate, at: F.at(3))
        try store.complete(retry, with: .generated(imagePath: "b.png", dhash: 2), now: F.at(4))
        let items = try store.items(executionID: "cats")
        let quality = try fixture.steps("cats", .quality)
        XCTAssertEqual(quality.map(\.itemID), items.map(\.id), "all three released together, in item order")
        XCTAssertEqual(Set(quality.map(\.status)), [.pending])
        XCTAssertEqual(try fixture.claimAll(.quality, at: F.at(5)).count, 3, "no quality step was doubled")
    }

    func testAPermanentGenerateFailureReleasesTheQualityBarrier() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admitExpanded("cats", items: 2, barrier: true)
        let leases = try fixture.claimAll(.generate, at: F.at(1))
        try store.complete(leases[0], with: .generated(imagePath: "a.png", dhash: 1), now: F.at(2))
        XCTAssertTrue(try fixture.steps("cats", .quality).isEmpty)

        try store.fail(leases[1], failure: StageFailure(stage: "generate", code: "bad", message: "no"),
                       retryAt: nil, now: F.at(3))
        let items = try store.items(executionID: "cats")
        XCTAssertEqual(items.map(\.status), [.generated, .failed])
        XCTAssertEqual(try fixture.steps("cats", .quality).map(\.itemID), [items[0].id])
        XCTAssertTrue(try fixture.steps("cats", .export).isEmpty, "item 0 is not terminal yet")
    }

    func testQualityRoutesPassedItemsToMetadataAndRejectsTheRest() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admitExpanded("cats", items: 2)
        for lease in try fixture.claimAll(.generate, at: F.at(1)) {
            try store.complete(lease, with: .generated(imagePath: "\(lease.item!.index).png", dhash: 0), now: F.at(2))
        }
        let checks = try fixture.claimAll(.quality, at: F.at(3))
        XCTAssertEqual(checks.map { $0.item?.index }, [0, 1])
        let checkJSON = Data(#"[{"check":"blank","passed":false}]"#.utf8)
        try store.complete(checks[0], with: .checked(passed: true, reason: nil, checks: F.checks), now: F.at(4))
        try store.complete(checks[1], with: .checked(passed: false, reason: "blank: flat image", checks: checkJSON),
                           now: F.at(4))

        var items = try store.items(executionID: "cats")
        XCTAssertEqual(items[0].status, .checked)
        XCTAssertEqual(items[0].qcStatus, .passed)
        XCTAssertEqual(items[0].nextStage, .metadata)
        XCTAssertEqual(items[1].status, .rejected)
        XCTAssertEqual(items[1].qcStatus, .rejected)
        XCTAssertEqual(items[1].qcReason, "blank: flat image")
        XCTAssertEqual(items[1].qcChecks, checkJSON)
        XCTAssertNil(items[1].nextStage)
        XCTAssertEqual(try fixture.steps("cats", .metadata).map(\.itemID), [items[0].id])
        XCTAssertTrue(try fixture.steps("cats", .export).isEmpty)

        let metadata = Data(#"{"title":"Cat"}"#.utf8)
        let describe = try fixture.claim(.metadata, at: F.at(5))
        try store.complete(describe, with: .described(metadata: metadata, imagePath: "0-described.png"), now: F.at(6))
        items = try store.items(executionID: "cats")
        XCTAssertEqual(items[0].status, .approved)
        XCTAssertNil(items[0].nextStage)
        XCTAssertEqual(items[0].metadata, metadata)
        XCTAssertEqual(items[0].imagePath, "0-described.png")

        let export = try fixture.steps("cats", .export)
        XCTAssertEqual(export.count, 1)
        XCTAssertNil(export.first?.itemID)
    }

    func testWithoutMetadataAPassedItemIsApprovedAfterQuality() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admitExpanded("cats", items: 1, metadata: false)
        try store.complete(try fixture.claim(.generate), with: .generated(imagePath: "a.png", dhash: 0), now: F.at(1))
        try store.complete(try fixture.claim(.quality, at: F.at(1)),
                           with: .checked(passed: true, reason: nil, checks: F.checks), now: F.at(2))
        XCTAssertEqual(try store.items(executionID: "cats").first?.status, .approved)
        XCTAssertTrue(try fixture.steps("cats", .metadata).isEmpty)
        XCTAssertEqual(try fixture.steps("cats", .export).count, 1)
    }

    func testWithoutQualityAGeneratedItemGoesToMetadataOrIsApproved() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admitExpanded("described", items: 1, quality: false, metadata: true)
        try store.complete(try fixture.claim(.generate), with: .generated(imagePath: "a.png", dhash: 0), now: F.at(1))
        XCTAssertEqual(try store.items(executionID: "described").first?.nextStage, .metadata)
        XCTAssertTrue(try fixture.steps("described", .quality).isEmpty)

        try fixture.admitExpanded("bare", items: 1, quality: false, metadata: false)
        let lease = try fixture.claim(.generate)
        XCTAssertEqual(lease.job.id, "bare")
        try store.complete(lease, with: .generated(imagePath: "b.png", dhash: 0), now: F.at(1))
        XCTAssertEqual(try store.items(executionID: "bare").first?.status, .approved)
        XCTAssertEqual(try fixture.steps("bare").map(\.stage), [.parameters, .generate, .export])
    }

    func testExportIsQueuedExactlyOnceWhenTheLastItemBecomesTerminal() throws {
        let fixture = try StoreFixture(self)
        let store = fixture.store
        try fixture.admitExpanded("cats", items: 4, quality: true, barrier: true, metadata: true)
        let generate = try fixture.claimAll(.generate, at: F.at(1))
        try store.fail(generate[3], failure: StageFailure(stage: "generate", code: "bad", message: "x"),
                       retryAt: nil, now: F.at(2))                                       // 3: failed
        for lease in generate.prefix(3) {
            try store.complete(lease, with: .generated(imagePath: "x.png", dhash: 0), now: F.at(2))
        }
        let quality = try fixture.claimAll(.quality, at: F.at(3))
        XCTAssertEqual(quality.count, 3)
        try store.complete(quality[0], with: .checked(passed: false, reason: "dup", checks: F.checks), now: F.at(4)) // 0: rejected
        try store.complete(quality[1], with: .checked(passed: true, reason: nil, checks: F.checks), now: F.at(4))
        try store.complete(quality[2], with: .checked(passed: true, reason: nil, checks: F.checks), now: F.at(4))
        let metadata = try fixture.claimAll(.metadata, at: F.at(5))
        XCTAssertEqual(metadata.count, 2)
        try store.complete(metadata[0], with: .described(metadata: Data("{}".utf8), imagePath: "y.png"), now: F.at(6))
        XCTAssertTrue(try fixture.steps("cats", .export).isEmpty, "item 2 is still open")
        try store.complete(metadata[1], with: .described(metadata: Data("{}".utf8), imagePath: "z.png"), now: F.at(6))

        XCTAssertEqual(try store.items(executionID: "cats").map(\.status), [.rejected, .approved, .approved, .failed])
        XCTAssertEqual(try fixture.steps("cats", .export).count, 1)
        let export = try fixture.claim(.export, at: F.at(7))
        XCTAssertNil(try store.claimStep(stage: .export, owner: "other", leaseSeconds: 30, now: F.at(7)))
        try store.complete(export, with: .published(status: .completed, outboxPath: "results/cats"), now: F.at(8))

        let job = try XCTUnwrap(store.job(id: "cats"))
        XCTAssertEqual(job.status, .completed)
        XCTAssertEqual(job.finishedAt, F.at(8))
        let execution = try XCTUnwrap(store.executions(jobID: "cats").first)
        XCTAssertEqual(execution.status, .completed)
        XCTAssertEqual(execution.outboxPath, "results/cats")
        XCTAssertEqual(try store.unfinishedJobIDs(), [])
        XCTAssertEqual(try store.summary(now: F.at(9)).openSteps, 0)
        XCTAssertEqual(try store.summary(now: F.at(9)).jobs, ["completed": 1])
    }
}
