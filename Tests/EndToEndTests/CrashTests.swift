import DropForgeKit
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class CrashTests: XCTestCase {
    /// 4. `kill -9` of a drain in the middle of 50 jobs, then drain again: every manifest ends
    /// exactly once in results/ or failures/; nothing is left in inbox/.processing/.
    func testKillNineThenDrainAgainLosesNothing() throws {
        let root = try TestRoot()
        var expected: [String] = []
        for number in 0..<50 {
            let name = "job-\(number).yaml"
            try root.drop(name, imagesManifest(name: "job-\(number)", count: 2, size: 160, seed: number))
            expected.append(name)
        }
        let drain = try root.start(["drain"])
        XCTAssertTrue(root.wait(60) { root.results.count >= 5 }, "no progress before the kill")
        drain.signal(SIGKILL)
        XCTAssertTrue(drain.waitForExit(5))
        XCTAssertLessThan(root.results.count + root.failures.count, 50, "the drain finished before it could be killed")

        let again = try root.run(["drain"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try root.publishedManifests(), expected.sorted())
        XCTAssertEqual(root.failures, [])
        XCTAssertEqual(root.processing, [])
        XCTAssertEqual(root.folders(root.layout.inbox).filter { !$0.hasPrefix(".") }, [])
    }

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
