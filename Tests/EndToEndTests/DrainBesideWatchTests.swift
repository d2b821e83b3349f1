import DropForgeKit
import FakeServers
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `drain` beside a busy `watch`: the watch's unfinished jobs are the watch's; the drain waits
/// only for what it claimed, unless `--all` (issue 17, point 9).
final class DrainBesideWatchTests: XCTestCase {
    func testADrainWithNothingOfItsOwnDoesNotWaitForTheWatchsJobs() throws {
        // The watch's image takes a long time: its job stays running through the drains.
        let server = try FakeHTTPServer { _ in .delayed(30, .status(500)) }
        defer { server.stop() }
        let root = try TestRoot()
        try root.setConfig("\nproviders: {}\n", "\nproviders:\n  gpu: {type: a1111, base_url: \"\(server.baseURL.absoluteString)\", timeout_seconds: 60}\n")
        let watch = try root.start(["watch"])
        defer { watch.signal(SIGKILL) }
        try root.drop("slow.yaml", imagesManifest(name: "slow", extra: "generate: {provider: gpu}"))
        XCTAssertTrue(root.wait(20) { server.requests.count == 1 }, "the watch's job is running")

        let own = try root.run(["drain", "--timeout", "5"])
        XCTAssertEqual(own.status, 0, "nothing of its own to wait for\n\(own.stdout)\(own.stderr)")
        XCTAssertTrue(own.stdout.contains("drained: 0 completed, 0 failed"), own.stdout)

        let all = try root.run(["drain", "--all", "--timeout", "1"])
        XCTAssertEqual(all.status, 3, "--all waits for the watch's job too\n\(all.stdout)")
        XCTAssertTrue(all.stdout.contains("1 unfinished"), all.stdout)

        // With no watch, the job left unfinished is the drain's to resume (and to wait for).
        watch.signal(SIGKILL)
        XCTAssertTrue(watch.waitForExit(10))
        let resume = try root.run(["drain", "--timeout", "1"])
        XCTAssertEqual(resume.status, 3, "it waits for the job the dead watch left\n\(resume.stdout)")
    }
}
