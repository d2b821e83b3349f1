import DropForgeKit
@testable import DropForgeServer
import DropForgeStore
import XCTest

/// The gauges `GET /metrics` reads at each scrape, from a store summary with work waiting.
final class MetricsEndpointTests: XCTestCase {
    func testScrapedGaugesShowWhatWaitsAndFollowTheStore() {
        let endpoint = MetricsEndpoint()
        let busy = QueueSummary(jobs: ["running": 2, "queued": 1],
                                stages: [.init(stage: "generate", runnable: 5, delayed: 1, leased: 2, oldestWaitingSeconds: 12.5)])
        let page = String(decoding: endpoint.scrape(busy, inboxBacklog: 3), as: UTF8.self)
        let values = samples(page)
        let expected: [String: Double] = [
            #"dropforge_jobs{state="running"}"#: 2, #"dropforge_jobs{state="queued"}"#: 1, #"dropforge_jobs{state="failed"}"#: 0,
            #"dropforge_queue_steps{stage="generate",state="runnable"}"#: 5,
            #"dropforge_queue_steps{stage="generate",state="delayed"}"#: 1,
            #"dropforge_queue_steps{stage="generate",state="leased"}"#: 2,
            #"dropforge_queue_steps{stage="quality",state="runnable"}"#: 0,
            #"dropforge_queue_oldest_waiting_seconds{stage="generate"}"#: 12.5,
            "dropforge_inbox_backlog": 3,
        ]
        for (series, value) in expected { XCTAssertEqual(values[series], value, "\(series) in:\n\(page)") }
        XCTAssertTrue(page.contains("# TYPE dropforge_queue_steps gauge"), page)
        // The next scrape shows the store as it is then, not as it was.
        let idle = samples(String(decoding: endpoint.scrape(QueueSummary(jobs: ["completed": 3], stages: []), inboxBacklog: 0),
                                  as: UTF8.self))
        XCTAssertEqual(idle[#"dropforge_queue_steps{stage="generate",state="runnable"}"#], 0)
        XCTAssertEqual(idle[#"dropforge_jobs{state="running"}"#], 0)
        XCTAssertEqual(idle[#"dropforge_jobs{state="completed"}"#], 3)
        XCTAssertEqual(idle["dropforge_inbox_backlog"], 0)
    }

    /// The samples of a Prometheus text page by series; comments skipped.
    private func samples(_ page: String) -> [String: Double] {
        var found: [String: Double] = [:]
        for line in page.split(separator: "\n") where !line.hasPrefix("#") {
            if let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) {
                found[String(line[..<space])] = value
            }
        }
        return found
    }
}
