import DropForgeKit
import DropForgeStore
import FakeServers
import Foundation
import XCTest

/// `GET /metrics` of a real `serve` whose job writes its prompts through the fake chat server,
/// which fails one call with a 503: every family the README lists, with the values the work
/// really had, in the Prometheus text format.
extension ProviderEndToEndTests {
    /// The samples of a Prometheus text page by series (`name{label="value",…}`); comments skipped.
    func samples(_ page: String) -> [String: Double] {
        var found: [String: Double] = [:]
        for line in page.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                XCTFail("not a sample line: \(line)")
                continue
            }
            found[String(line[..<space])] = value
        }
        return found
    }

    func testMetricsCountTheWorkItsProvidersAndWhatWaits() throws {
        let chat = try FakeChatServer { call, attempt in
            call.kind == "prompt" && call.subject.contains("owl") && attempt == 0 ? .status(503) : nil
        }
        defer { chat.stop() }
        let root = try makeRoot(providers: [Self.chatEntry("chat", chat)])
        let (server, base) = try root.serve(environment: Self.environment)
        defer { server.signal(SIGTERM); XCTAssertTrue(server.waitForExit(20)) }
        try root.drop("night.yaml", Self.manifest(name: "night", keywords: ["fox", "owl"], writer: "chat"))
        XCTAssertTrue(root.wait(30) { root.results.count == 1 }, "the job was not published: \(root.failures) \(server.result().stderr)")

        let response = try send("GET", base.appendingPathComponent("metrics"))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        let page = String(decoding: response.body, as: UTF8.self)
        let values = samples(page)
        func value(_ series: String) -> Double? { values[series] }

        XCTAssertEqual(value(#"dropforge_jobs{state="completed"}"#), 1, page)
        XCTAssertEqual(value(#"dropforge_jobs{state="running"}"#), 0)
        XCTAssertEqual(value(#"dropforge_jobs_finished_total{status="completed"}"#), 1)
        XCTAssertEqual(value(#"dropforge_items_finished_total{state="done"}"#), 2)
        XCTAssertNil(value(#"dropforge_items_finished_total{state="failed"}"#), "nothing failed")
        for stage in Stage.allCases.map(\.rawValue) {
            XCTAssertEqual(value(#"dropforge_queue_steps{stage="\#(stage)",state="runnable"}"#), 0, stage)
            XCTAssertEqual(value(#"dropforge_queue_steps{stage="\#(stage)",state="leased"}"#), 0, stage)
        }
        XCTAssertEqual(value("dropforge_inbox_backlog"), 0)
        // Parameters: the execution's step, then one per item that writes its prompt; one step per
        // item at generate, quality and metadata; one per execution at export.
        for (stage, steps) in [("parameters", 3.0), ("generate", 2), ("quality", 2), ("metadata", 2), ("export", 1)] {
            XCTAssertEqual(value(#"dropforge_step_duration_seconds_count{stage="\#(stage)",outcome="done"}"#), steps, stage)
            XCTAssertEqual(value(#"dropforge_step_duration_seconds_bucket{stage="\#(stage)",outcome="done",le="+Inf"}"#), steps, stage)
            XCTAssertGreaterThan(value(#"dropforge_step_duration_seconds_sum{stage="\#(stage)",outcome="done"}"#) ?? 0, 0, stage)
        }
        // The 503 makes the owl's prompt step retry once.
        XCTAssertEqual(value(#"dropforge_step_duration_seconds_count{stage="parameters",outcome="retry"}"#), 1, page)
        XCTAssertEqual(value(#"dropforge_provider_calls_total{provider="chat"}"#), 3, "two prompts and the failed call")
        XCTAssertEqual(value(#"dropforge_provider_errors_total{provider="chat",code="http_503"}"#), 1)
        let tokens = try XCTUnwrap(FakeChatServer.tokens["prompt"])
        XCTAssertEqual(value(#"dropforge_provider_tokens_total{provider="chat",kind="prompt"}"#), Double(2 * tokens.prompt))
        XCTAssertEqual(value(#"dropforge_provider_tokens_total{provider="chat",kind="completion"}"#), Double(2 * tokens.completion))
        XCTAssertTrue(page.contains("# TYPE dropforge_step_duration_seconds histogram"), page)
        XCTAssertTrue(page.contains("# HELP dropforge_inbox_backlog Manifests in inbox/ not yet claimed."), page)
        XCTAssertFalse(page.contains(Self.key), "no secret in the metrics")

    }
}
