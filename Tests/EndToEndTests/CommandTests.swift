import DropForgeKit
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The command-line forms other tools rely on.
final class CommandTests: XCTestCase {
    func testValidateAndSubmit() throws {
        let root = try TestRoot()
        let folder = root.url.appendingPathComponent("drafts")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let good = folder.appendingPathComponent("good.yaml")
        let bad = folder.appendingPathComponent("bad.yaml")
        try imagesManifest(name: "good").write(to: good, atomically: true, encoding: .utf8)
        try imagesManifest(name: "bad", extra: "colour: red").write(to: bad, atomically: true, encoding: .utf8)

        let valid = try root.run(["validate", good.path])
        XCTAssertEqual(valid.status, 0, valid.stderr)
        XCTAssertTrue(valid.stdout.contains("ok: \(good.path)"))
        let invalid = try root.run(["validate", good.path, bad.path])
        XCTAssertEqual(invalid.status, 1)
        XCTAssertTrue(invalid.stderr.contains("error: \(bad.path):10:1: colour: unknown key"), invalid.stderr)

        let submit = try root.run(["submit", good.path, bad.path, good.path])
        XCTAssertEqual(submit.status, 1)
        XCTAssertEqual(root.folders(root.layout.inbox).filter { !$0.hasPrefix(".") }, ["good-2.yaml", "good.yaml"])
        XCTAssertEqual(root.folders(root.layout.inboxTemp), [])
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        XCTAssertEqual(root.results.count, 2)
    }

    func testRootComesFromTheEnvironment() throws {
        let root = try TestRoot()
        try root.drop("env.yaml", imagesManifest(name: "env"))
        let process = Process()
        process.executableURL = dropforgeBinary
        process.arguments = ["drain"]
        process.environment = ["DROPFORGE_ROOT": root.url.path, "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(root.results.count, 1)
    }

    func testConfigErrorsExitTwo() throws {
        let root = try TestRoot()
        try root.setConfig("rescan_seconds: 30", "rescan_second: 30")
        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 2)
        XCTAssertTrue(drain.stderr.contains("dropforge.yaml") && drain.stderr.contains("rescan_second"), drain.stderr)
        let again = try root.run(["init"])
        XCTAssertEqual(again.status, 2, "init must refuse to overwrite a config")
        XCTAssertEqual(try root.run(["jobs", "list", "--bogus"]).status, 2)
    }

    func testDrainTimeoutExitsThreeAndResumes() throws {
        let root = try TestRoot()
        for number in 0..<6 {
            try root.drop("big-\(number).yaml", imagesManifest(name: "big-\(number)", count: 3, size: 768, seed: number))
        }
        let first = try root.run(["drain", "--timeout", "0.3"])
        XCTAssertEqual(first.status, 3, first.stderr)
        let second = try root.run(["drain"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(root.results.count, 6)
        XCTAssertEqual(root.processing, [])
    }

    func testDrainStopsGracefullyOnSIGTERM() throws {
        let root = try TestRoot()
        for number in 0..<20 {
            try root.drop("term-\(number).yaml", imagesManifest(name: "term-\(number)", count: 2, size: 512, seed: number))
        }
        let drain = try root.start(["drain"])
        XCTAssertTrue(root.wait(30) { !root.results.isEmpty })
        drain.signal(SIGTERM)
        XCTAssertTrue(drain.waitForExit(30))
        XCTAssertEqual(drain.result().status, 0, drain.result().stderr)
        // Nothing half-published; the rest resumes.
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        XCTAssertEqual(root.results.count, 20)
        XCTAssertEqual(root.processing, [])
    }

    func testPollingWatcherAndOneWatchPerRoot() throws {
        let root = try TestRoot()
        try root.setConfig("watcher: inotify", "watcher: poll")
        try root.setConfig("poll_interval_ms: 1000", "poll_interval_ms: 100")
        let watch = try root.start(["watch"])
        defer { watch.signal(SIGKILL) }
        try root.drop("polled.json", #"{"version": 1, "kind": "images", "params": {"template": "polled stars", "size": 64, "seed": 3}}"#)
        XCTAssertTrue(root.wait(10) { root.results.count == 1 }, "polling did not pick the manifest up")

        let second = try root.run(["watch"], timeout: 10)
        XCTAssertEqual(second.status, 2)
        XCTAssertTrue(second.stderr.contains("already running"), second.stderr)

        // A drain beside the running watch: both claim from one inbox; each job is published once.
        for index in 0..<6 {
            try root.drop("beside-\(index).yaml", imagesManifest(name: "beside-\(index)", count: 2, seed: index))
        }
        let drain = try root.run(["drain"], timeout: 60)
        XCTAssertEqual(drain.status, 0, drain.stderr)
        XCTAssertTrue(root.wait(20) { root.results.count == 7 }, "\(root.results)")
        XCTAssertEqual(Set(try root.publishedManifests()).count, 7, "each manifest published exactly once")
        XCTAssertEqual(root.failures, [])
        watch.signal(SIGINT)
        XCTAssertTrue(watch.waitForExit(10))
        XCTAssertEqual(watch.result().status, 0)
    }
}
