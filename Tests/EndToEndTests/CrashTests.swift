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
}
