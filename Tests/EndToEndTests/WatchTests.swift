import DropForgeKit
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class WatchTests: XCTestCase {
    /// 2. `watch`: a manifest renamed into inbox/ is taken within a second; a manifest written
    /// slowly in several chunks is never parsed half-written; a dotfile and a .tmp file are left alone.
    func testWatchTakesRenamedAndSlowlyWrittenManifests() throws {
        let root = try TestRoot()
        let watch = try root.start(["watch"])
        defer { watch.signal(SIGKILL) }
        // Let the watcher settle in (its start-up rescan of an empty inbox).
        Thread.sleep(forTimeInterval: 0.5)

        try "ignored".write(to: root.layout.inbox.appendingPathComponent(".hidden.yaml"), atomically: false, encoding: .utf8)
        try "ignored".write(to: root.layout.inbox.appendingPathComponent("draft.yaml.tmp"), atomically: false, encoding: .utf8)

        let start = Date()
        try root.drop("quick.yaml", imagesManifest(name: "quick"))
        XCTAssertTrue(root.wait(1) { !FileManager.default.fileExists(atPath: root.layout.inbox.appendingPathComponent("quick.yaml").path) },
                      "the renamed manifest was not claimed within a second")
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)

        // Slowly, in chunks with pauses shorter than settle_ms, on one open file.
        let text = imagesManifest(name: "slow", count: 2)
        let path = root.layout.inbox.appendingPathComponent("slow.yaml").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let bytes = Array(text.utf8)
        let chunk = bytes.count / 5 + 1
        for offset in stride(from: 0, to: bytes.count, by: chunk) {
            let part = Array(bytes[offset..<min(bytes.count, offset + chunk)])
            XCTAssertEqual(write(fd, part, part.count), part.count)
            Thread.sleep(forTimeInterval: 0.15)
        }
        close(fd)

        XCTAssertTrue(root.wait(20) { root.results.count == 2 }, "results: \(root.results), failures: \(root.failures)")
        XCTAssertEqual(root.failures, [], "a half-written manifest was parsed")
        // Ignored files stay where they are.
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.layout.inbox.appendingPathComponent(".hidden.yaml").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.layout.inbox.appendingPathComponent("draft.yaml.tmp").path))

        // SIGTERM stops it gracefully.
        watch.signal(SIGTERM)
        XCTAssertTrue(watch.waitForExit(10))
        XCTAssertEqual(watch.result().status, 0, watch.result().stderr)
    }

    /// 3. Bad manifests each end in failures/<job>/error.json naming the problem; the daemon keeps
    /// running and good manifests beside them succeed.
    func testBadManifestsFailClearlyAndTheDaemonKeepsRunning() throws {
        let root = try TestRoot()
        let watch = try root.start(["watch"])
        defer { watch.signal(SIGKILL) }
        let bad: [(file: String, text: String, expect: [String])] = [
            ("broken.yaml", "version: 1\nkind: images\nparams: {template: \"x\"\n", ["broken.yaml"]),
            ("unknown.yaml", imagesManifest(name: "unknown", extra: "colour: red"), ["colour"]),
            ("missing.yaml", "kind: images\nparams: {template: \"x\"}\n", ["version"]),
            ("wrongtype.json", #"{"version": 1, "kind": "images", "params": {"template": "x", "count": "many"}}"#, ["params.count", "wrongtype.json:1:"]),
            ("toomany.yaml", imagesManifest(name: "toomany").replacingOccurrences(of: "count: 1", with: "count: 5000"), ["params.count", "1000"]),
            ("escape.yaml", "version: 1\nkind: images\nparams: {template_file: \"../../etc/passwd\"}\n", ["params.template_file", ".."]),
        ]
        for manifest in bad { try root.drop(manifest.file, manifest.text) }
        try root.drop("good.yaml", imagesManifest(name: "good"))

        XCTAssertTrue(root.wait(20) { root.failures.count == bad.count && root.results.count == 1 },
                      "results: \(root.results), failures: \(root.failures)")
        XCTAssertTrue(watch.process.isRunning, "the daemon stopped")
        for folder in root.failures {
            let base = root.layout.failures.appendingPathComponent(folder)
            let error = try root.json(base.appendingPathComponent("error.json"))
            let summary = try root.json(base.appendingPathComponent("job.json"))
            let manifest = try XCTUnwrap(bad.first { $0.file == summary["manifest"] as? String })
            let message = error["message"] as? String ?? ""
            for word in manifest.expect {
                XCTAssertTrue(message.contains(word), "\(manifest.file): '\(message)' does not mention \(word)")
            }
            XCTAssertEqual(error["stage"] as? String, "intake")
            XCTAssertNotNil(error["code"] as? String)
            XCTAssertNotNil(error["at"] as? String)
            XCTAssertNotNil(error["attempts"] as? Int)
            // The manifest as it was dropped is kept beside the error.
            let copy = try FileManager.default.contentsOfDirectory(atPath: base.path).first { $0.hasPrefix("manifest.") }
            XCTAssertEqual(try String(contentsOf: base.appendingPathComponent(try XCTUnwrap(copy)), encoding: .utf8), manifest.text)
        }
        watch.signal(SIGTERM)
        XCTAssertTrue(watch.waitForExit(10))
    }
}
