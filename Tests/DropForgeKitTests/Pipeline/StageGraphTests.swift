import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeStore

/// The stage graph is pure: these tests need no store. What the store does with its effects
/// is covered by the SQLiteJobStore routing tests.
final class StageGraphTests: XCTestCase {
    private let now = StoreFixture.origin

    private func lease(_ stage: Stage, quality: Bool = true, barrier: Bool = false, metadata: Bool = true,
                       item: Bool = true) -> StepLease {
        let job = StoreFixture.job(id: "j")
        let execution = StoreFixture.execution(for: job, quality: quality, barrier: barrier, metadata: metadata)
        let step = StepRecord(id: 1, executionID: "j", itemID: item ? 5 : nil, stage: stage, status: .leased, priority: 1,
                              attempts: 2, notBefore: now, leaseOwner: "o", leaseExpires: nil, createdAt: now,
                              startedAt: now, finishedAt: nil, lastError: nil)
        let record = ItemRecord(id: 5, executionID: "j", index: 0, plan: Data("{}".utf8), status: .pending,
                                nextStage: stage, attempts: 1, updatedAt: now)
        return StepLease(step: step, job: job, execution: execution, item: item ? record : nil)
    }

    /// The effects by name, so a test reads like the graph.
    private func names(_ transition: StepTransition) -> [String] {
        transition.effects.map { effect in
            switch effect {
            case .updateItem(let item): "update(\(item.status.rawValue)→\(item.nextStage?.rawValue ?? "-"))"
            case .insertItem(_, let queue): "insert(\(queue?.rawValue ?? "-"))"
            case .queue(let stage, let item): "queue(\(stage.rawValue)\(item == nil ? "" : ", item"))"
            case .releaseQualityBarrier: "barrier"
            case .exportWhenItemsFinished: "exportWhenDone"
            case .recordFailure: "recordFailure"
            case .publish(let status, _): "publish(\(status.rawValue))"
            case .failExecution: "failExecution"
            }
        }
    }

    func testStagesFollowTheExecutionsSwitches() {
        let both = lease(.generate).execution
        XCTAssertEqual(StageGraph.stage(after: .generate, in: both), .quality)
        XCTAssertEqual(StageGraph.stage(after: .quality, in: both), .metadata)
        XCTAssertNil(StageGraph.stage(after: .metadata, in: both))
        let none = lease(.generate, quality: false, metadata: false).execution
        XCTAssertNil(StageGraph.stage(after: .generate, in: none))
        let describeOnly = lease(.generate, quality: false).execution
        XCTAssertEqual(StageGraph.stage(after: .generate, in: describeOnly), .metadata)
    }

    func testAGeneratedImageGoesToQualityOrWaitsBehindTheBarrier() {
        let plain = StageGraph.transition(after: lease(.generate), .generated(imagePath: "a.png", dhash: 1), now: now)
        XCTAssertEqual(plain.close, .done)
        XCTAssertEqual(names(plain), ["update(generated→quality)", "queue(quality, item)"])
        let barrier = StageGraph.transition(after: lease(.generate, barrier: true), .generated(imagePath: "a.png", dhash: 1), now: now)
        XCTAssertEqual(names(barrier), ["update(generated→quality)", "barrier"])
    }

    func testARejectedOrLastItemAsksForExport() {
        let rejected = StageGraph.transition(after: lease(.quality), .checked(passed: false, reason: "blank", checks: Data()), now: now)
        XCTAssertEqual(names(rejected), ["update(rejected→-)", "exportWhenDone"])
        let described = StageGraph.transition(after: lease(.metadata), .described(metadata: Data(), imagePath: "b.png"), now: now)
        XCTAssertEqual(names(described), ["update(approved→-)", "exportWhenDone"])
        let expanded = StageGraph.transition(after: lease(.parameters, item: false), .expanded([Data(), Data()]), now: now)
        XCTAssertEqual(names(expanded), ["insert(generate)", "insert(generate)", "exportWhenDone"])
    }

    func testFailuresGoWhereTheyCanBePublished() throws {
        let failure = StageFailure(stage: "generate", code: .generateFailed, message: "boom", at: now)
        let retry = try StageGraph.transition(afterFailing: lease(.generate), failure, retryAt: now + 5, now: now)
        XCTAssertEqual(retry.close, .retry(notBefore: now + 5, error: "generate_failed: boom"))
        XCTAssertEqual(names(retry), ["update(pending→generate)"])
        let item = try StageGraph.transition(afterFailing: lease(.generate, barrier: true), failure, retryAt: nil, now: now)
        XCTAssertEqual(item.close, .failed(error: "generate_failed: boom"))
        XCTAssertEqual(names(item), ["update(failed→-)", "barrier", "exportWhenDone"])
        let wide = try StageGraph.transition(afterFailing: lease(.parameters, item: false), failure, retryAt: nil, now: now)
        XCTAssertEqual(names(wide), ["recordFailure", "queue(export)"])
        let export = try StageGraph.transition(afterFailing: lease(.export, item: false), failure, retryAt: nil, now: now)
        XCTAssertEqual(names(export), ["failExecution"])
    }

    func testANewExecutionStartsWhereItsItemsStand() {
        var execution = lease(.generate, barrier: true).execution
        XCTAssertEqual(StageGraph.firstStage(failed: true), .export)
        XCTAssertEqual(StageGraph.firstStage(failed: false), .parameters)
        let waiting = ItemRecord(executionID: "old", index: 0, plan: Data(), status: .generated, nextStage: .quality,
                                 attempts: 1, updatedAt: now)
        let done = ItemRecord(executionID: "old", index: 1, plan: Data(), status: .approved, attempts: 1, updatedAt: now)
        let names = StageGraph.start(execution, items: [waiting, done]).map { effect -> String in
            if case .insertItem(let item, let queue) = effect {
                XCTAssertEqual(item.executionID, execution.id)
                return "insert(\(queue?.rawValue ?? "-"))"
            }
            return "\(effect)"
        }
        XCTAssertEqual(names, ["insert(-)", "insert(-)", "releaseQualityBarrier", "exportWhenItemsFinished"])
        XCTAssertEqual(StageGraph.start(execution, items: []).count, 1)
        execution.failure = Data("{}".utf8)
        guard case .queue(.export, nil)? = StageGraph.start(execution, items: [waiting]).first else {
            return XCTFail("an execution with a failure starts at export")
        }
    }
}
