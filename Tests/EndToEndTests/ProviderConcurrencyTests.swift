import DropForgeKit
import FakeServers
import Foundation
import Synchronization
import XCTest

/// Issue 16, point 2: `concurrency:` caps the calls in flight to one provider across all its
/// stages and workers — measured at the server — and `status` shows the limit and the load.
extension ProviderEndToEndTests {
    func testConcurrencyCapsCallsAcrossStagesAndStatusShowsTheLoad() throws {
        let gauge = InFlightGauge()
        let chat = try FakeChatServer { _, _ in
            gauge.hold(0.25)
            return nil
        }
        defer { chat.stop() }
        let entry = Self.chatEntry("chat", chat).replacingOccurrences(of: "}", with: ", concurrency: 2, requests_per_minute: 600}")
        let root = try makeRoot(providers: [entry])
        // More workers than the provider allows, in every stage that calls it.
        try root.setConfig("workers: {parameters: 1, generate: 2, quality: 2, metadata: 2, export: 2}",
                           "workers: {parameters: 4, generate: 2, quality: 4, metadata: 4, export: 2}")
        let keywords = ["fox", "owl", "hare", "vole", "wren", "newt"]
        try root.drop("busy.yaml", Self.manifest(name: "busy", keywords: keywords, writer: "chat", vision: "chat", metadata: "chat"))

        let watch = try root.start(["watch"], environment: Self.environment)
        defer { watch.signal(SIGKILL) }
        var seen: [String: Any] = [:]
        XCTAssertTrue(root.wait(20) {
            guard let status = try? root.run(["status", "--json"]), status.status == 0,
                  let report = try? JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any],
                  let provider = (report["providers"] as? [[String: Any]])?.first else { return false }
            seen = provider
            return provider["in_flight"] as? Int == 2
        }, "status never showed 2 calls in flight: \(seen)")
        XCTAssertEqual(seen["name"] as? String, "chat")
        XCTAssertEqual(seen["concurrency"] as? Int, 2)
        XCTAssertEqual(seen["requests_per_minute"] as? Int, 600)
        XCTAssertGreaterThan(seen["started_last_minute"] as? Int ?? 0, 0, "\(seen)")
        let table = try root.run(["status"])
        XCTAssertTrue(table.stdout.contains("provider"), table.stdout)

        XCTAssertTrue(root.wait(60) { root.results.count == 1 }, "the job did not finish: \(watch.result().stderr)")
        watch.signal(SIGTERM)
        XCTAssertTrue(watch.waitForExit(20))
        XCTAssertEqual(chat.calls.count, 3 * keywords.count, "a prompt, a review and metadata per item")
        XCTAssertEqual(gauge.most, 2, "never more than `concurrency` calls at the server, and that many at once")
        let owners = try FileManager.default.contentsOfDirectory(atPath: root.layout.owners.path)
        XCTAssertFalse(owners.contains { $0.hasSuffix(".providers.json") }, "a stopped watch leaves no load report: \(owners)")
        let after = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(root.run(["status", "--json"]).stdout.utf8)) as? [String: Any])
        let idle = try XCTUnwrap((after["providers"] as? [[String: Any]])?.first)
        XCTAssertNil(idle["in_flight"], "no process runs, so no load: \(idle)")
        XCTAssertEqual(idle["concurrency"] as? Int, 2)
    }
}
