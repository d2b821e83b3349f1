import DropForgeKit
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
import DropForgeStore
#endif

final class CrashTests: XCTestCase {
    // kill -9 of a drain, round after round, then a final drain: FaultTests.

    /// 5. Two drains at once on one root: no job runs twice.
    func testTwoDrainsAtOnceNeverDoubleWork() throws {
        let root = try TestRoot()
        var expected: [String] = []
        for number in 0..<30 {
            let name = "pair-\(number).json"
            try root.drop(name, #"{"version": 1, "kind": "images", "params": {"template": "tile \#(number) with blue circles", "count": 2, "size": 96, "seed": \#(number)}}"#)
            expected.append(name)
        }
        let first = try root.start(["drain"])
        let second = try root.start(["drain"])
        XCTAssertTrue(first.waitForExit(120) && second.waitForExit(120))
        XCTAssertEqual(first.result().status, 0, first.result().stderr)
        XCTAssertEqual(second.result().status, 0, second.result().stderr)
        XCTAssertEqual(try root.publishedManifests(), expected.sorted())
        // Each step ran exactly once: one attempt per step, and one "generated" image per item.
        let store = try SQLiteJobStore(path: root.layout.database.path)
        for job in try store.jobs(limit: nil) {
            for execution in try store.executions(jobID: job.id) {
                for step in try store.steps(executionID: execution.id) {
                    XCTAssertEqual(step.attempts, 1, "\(execution.id) \(step.stage) ran \(step.attempts) times")
                }
            }
        }
        let index = try String(contentsOf: root.layout.index, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(index.count, 30)
    }

    /// kill -9 aimed at an item between two stages (issue 13). With carrying on there is no
    /// such moment outside a transaction: a worker records stage N and leases the item's stage
    /// N+1 in one commit. So the drain is killed while such carried steps are in flight, and the
    /// store as the kill left it says what was done and what was running: after the next drain,
    /// every step that was done ran once, every step in flight ran once more, and every manifest
    /// is published exactly once.
    func testKillNineWhileCarriedStepsRunRerunsOnlyTheStepsInFlight() throws {
        let root = try TestRoot()
        var expected: [String] = []
        for number in 0..<16 {
            let name = "carry-\(number).yaml"
            try root.drop(name, imagesManifest(name: "carry-\(number)", count: 2, size: 320, seed: number))
            expected.append(name)
        }
        let drain = try root.start(["drain"])
        XCTAssertTrue(root.wait(30) { FileManager.default.fileExists(atPath: root.layout.database.path) })
        let store = try SQLiteJobStore(path: root.layout.database.path)
        func steps() throws -> [StepRecord] {
            try store.jobs(limit: nil).flatMap { job in
                try store.executions(jobID: job.id).flatMap { try store.steps(executionID: $0.id) }
            }
        }
        // A quality or metadata step is only ever leased by carrying (or by its own workers
        // when no slot was free); wait until one is, then kill at once.
        XCTAssertTrue(root.wait(60) {
            (try? steps())?.contains { $0.status == .leased && ($0.stage == .quality || $0.stage == .metadata) } ?? false
        }, "no carried step was seen in flight")
        drain.signal(SIGKILL)
        XCTAssertTrue(drain.waitForExit(10))

        let atKill = try steps()
        let inFlight = atKill.filter { $0.status == .leased }
        let done = atKill.filter { $0.status == .done }
        XCTAssertFalse(done.isEmpty, "the kill must come after some work was recorded")

        let final = try root.run(["drain"], timeout: 300)
        XCTAssertEqual(final.status, 0, final.stderr.suffix(2000).description)
        XCTAssertEqual(try root.publishedManifests(), expected.sorted(), "every manifest ends exactly once")
        let after = Dictionary(uniqueKeysWithValues: try steps().map { ($0.id ?? -1, $0) })
        for step in done {
            XCTAssertEqual(after[step.id ?? -1]?.attempts, step.attempts, "\(step.executionID) \(step.stage) was done and ran again")
            XCTAssertEqual(after[step.id ?? -1]?.finishedAt, step.finishedAt)
        }
        for step in inFlight {
            XCTAssertEqual(after[step.id ?? -1]?.status, .done)
            XCTAssertEqual(after[step.id ?? -1]?.attempts, step.attempts + 1, "\(step.executionID) \(step.stage) in flight ran once more")
        }
        try OutboxAudit.check(root, expectIndexFor: root.results.map { "results/\($0)" })
    }
}
