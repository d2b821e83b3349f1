import DropForgeKit
import Foundation
import XCTest

/// Issue 17, point 6: what is happening can be seen — a line per finished step in the job's
/// log (and on the terminal of a drain that is not drawing a bar), the processes working on a
/// root and each job's items in `status` and `jobs list`, and a word from `jobs logs --follow`
/// when nobody runs the job it follows.
final class ObservabilityTests: XCTestCase {
    /// Every step of every item has its line: the execution's parameters step, then generate,
    /// quality and metadata of both items — in the store (`jobs logs`), in logs/<job>.jsonl,
    /// and on the standard error of `drain --verbose` (not of a plain drain).
    func testEachItemsStageStepsAreLogged() throws {
        let root = try TestRoot()
        try root.drop("quiet.yaml", imagesManifest(name: "quiet", count: 1))
        let plain = try root.run(["drain"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stderr.contains("step_done"), plain.stderr)
        XCTAssertTrue(plain.stderr.contains("published"), plain.stderr)
        try root.drop("pair.yaml", imagesManifest(name: "pair", count: 2))
        let drain = try root.run(["drain", "--verbose"])
        XCTAssertEqual(drain.status, 0, drain.stderr)
        let job = try XCTUnwrap(root.results.first { $0.hasPrefix("pair-") })
        let logs = try root.run(["jobs", "logs", job])
        let lines = logs.stdout.split(separator: "\n").filter { $0.contains(" step_done: ") }
        XCTAssertEqual(lines.count, 7, logs.stdout)
        for item in ["#1", "#2"] {
            for (stage, text) in [("generate", "image made"), ("quality", "passed quality checks"), ("metadata", "title, description and tags written")] {
                XCTAssertTrue(lines.contains { $0.contains("\(item) \(stage) step_done: \(text)") && $0.contains(" INFO ") },
                              "\(item) \(stage): \(logs.stdout)")
            }
        }
        XCTAssertTrue(lines.contains { $0.contains(" parameters step_done: 2 item(s) planned") }, logs.stdout)
        let file = try String(contentsOf: root.layout.log(job: job), encoding: .utf8)
        XCTAssertEqual(file.split(separator: "\n").filter { $0.contains(#""event":"step_done""#) }.count, 7, file)
        XCTAssertEqual(drain.stderr.components(separatedBy: "step_done: ").count - 1, 7, drain.stderr)
    }

    /// `status` names the running `watch` (pid, since) and a job's items done of total;
    /// `jobs list` has the items column.
    func testStatusShowsTheDaemonAndJobsShowTheirItems() throws {
        let root = try TestRoot()
        try root.drop("one.yaml", imagesManifest(name: "one", count: 1))
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        let idle = try root.run(["status"])
        XCTAssertTrue(idle.stdout.contains("processes: none"), idle.stdout + idle.stderr)
        let watch = try root.start(["watch"])
        defer { watch.signal(SIGTERM); _ = watch.waitForExit(10) }
        let pid = watch.process.processIdentifier
        XCTAssertTrue(root.wait(10) { (try? root.run(["status"]).stdout.contains("watch pid \(pid) on ")) ?? false },
                      (try? root.run(["status"]).stdout) ?? "")
        try root.drop("three.yaml", imagesManifest(name: "three", count: 3))
        XCTAssertTrue(root.wait(30) { root.results.count == 2 })
        let list = try root.run(["jobs", "list"])
        XCTAssertTrue(list.stdout.contains("ITEMS"), list.stdout)
        XCTAssertTrue(list.stdout.contains(" 3/3 "), list.stdout)
        let status = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try root.run(["status", "--json"]).stdout.utf8)) as? [String: Any])
        let processes = status["processes"] as? [[String: Any]] ?? []
        XCTAssertEqual(processes.filter { $0["role"] as? String == "watch" }.map { $0["pid"] as? Int }, [Int(pid)], "\(processes)")
        XCTAssertNotNil(processes.first?["since"])
    }

    /// A queued job and no process to run it: `jobs logs --follow` says so once, goes on
    /// following, and ends when a drain started later has run the job.
    func testFollowingAJobNobodyRunsSaysSoOnceAndKeepsFollowing() throws {
        let root = try TestRoot()
        try root.drop("late.yaml", imagesManifest(name: "late", count: 1))
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        let job = try XCTUnwrap(root.results.first)
        XCTAssertEqual(try root.run(["jobs", "rerun", job, "--no-wait"]).status, 0)
        let follow = try root.start(["jobs", "logs", job, "--follow"])
        XCTAssertTrue(root.wait(10) { follow.result().stderr.contains("no dropforge process is running") }, follow.result().stderr)
        Thread.sleep(forTimeInterval: 0.6)
        XCTAssertTrue(follow.process.isRunning, "it keeps following")
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        XCTAssertTrue(follow.waitForExit(10), "following ends with the job")
        let result = follow.result()
        XCTAssertEqual(result.stderr.components(separatedBy: "no dropforge process is running").count - 1, 1, result.stderr)
        XCTAssertTrue(result.stdout.contains("\(job).2 export published: completed"), result.stdout)
    }
}
