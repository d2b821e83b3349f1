import DropForgeKit
import FakeServers
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A running `watch` re-reads `config/dropforge.yaml` when it changes and on SIGHUP, keeps the
/// old config when the new one is broken, and is not ended by SIGHUP (issue 17, point 5).
final class ConfigReloadTests: XCTestCase {
    func manifest(_ name: String, writer: String) -> String {
        imagesManifest(name: name, extra: "quality: {checks: [decode]}\nmetadata: {writer: \(writer)}")
    }

    func testAProviderAddedWhileWatchRunsIsUsedAndABrokenConfigIsRefused() throws {
        let server = try FakeChatServer()
        defer { server.stop() }
        let root = try TestRoot()
        let watch = try root.start(["watch"])
        defer { watch.signal(SIGKILL) }
        XCTAssertTrue(root.wait(10) { watch.result().stderr.contains("watching") }, watch.result().stderr)

        // Added while it runs: the next manifest that names it is admitted and uses it.
        try root.setConfig("\nproviders: {}\n", """

            providers:
              writer: {type: openai-chat, base_url: "\(server.baseURL)", model: fake-chat-model, timeout_seconds: 10}

            """)
        XCTAssertTrue(root.wait(10) { watch.result().stderr.contains("config_reloaded") }, watch.result().stderr)
        XCTAssertTrue(watch.result().stderr.contains("providers: writer"), watch.result().stderr)
        try root.drop("first.yaml", manifest("first", writer: "writer"))
        XCTAssertTrue(root.wait(20) { root.results.count == 1 }, "results \(root.results), failures \(root.failures)\n\(watch.result().stderr)")
        XCTAssertEqual(server.calls("metadata").count, 1, "the new provider wrote the metadata")

        // A broken config is logged and the running one stays.
        let good = try String(contentsOf: root.layout.configFile, encoding: .utf8)
        try (good + "\nworkres: {generate: 3}\n").write(to: root.layout.configFile, atomically: true, encoding: .utf8)
        XCTAssertTrue(root.wait(10) { watch.result().stderr.contains("config_refused") }, watch.result().stderr)
        XCTAssertTrue(watch.result().stderr.contains("workres"), "the refusal names the problem: \(watch.result().stderr)")
        try root.drop("second.yaml", manifest("second", writer: "writer"))
        XCTAssertTrue(root.wait(20) { root.results.count == 2 }, "results \(root.results), failures \(root.failures)")

        // SIGHUP reloads (the fixed file, here) instead of ending the daemon.
        try good.replacingOccurrences(of: "workers: {parameters: 1, generate: 2", with: "workers: {parameters: 1, generate: 3")
            .write(to: root.layout.configFile, atomically: true, encoding: .utf8)
        watch.signal(SIGHUP)
        XCTAssertTrue(root.wait(10) { watch.result().stderr.contains("SIGHUP; reloaded") }, watch.result().stderr)
        XCTAssertTrue(watch.result().stderr.contains("workers changed and take effect at the next start"), watch.result().stderr)
        XCTAssertTrue(watch.process.isRunning, "SIGHUP ended the daemon")
        try root.drop("third.yaml", manifest("third", writer: "local"))
        XCTAssertTrue(root.wait(20) { root.results.count == 3 }, "results \(root.results), failures \(root.failures)")

        watch.signal(SIGTERM)
        XCTAssertTrue(watch.waitForExit(10))
        XCTAssertEqual(watch.result().status, 0)
    }
}
