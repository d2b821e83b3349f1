import DropForgeKit
import DropForgeStore
import Foundation
import Hummingbird
import Metrics
import Prometheus

/// `GET /metrics`: the Prometheus text format. The counters and histograms the daemon keeps
/// through swift-metrics (``PipelineMetrics``) live in `registry`; the gauges of what the store
/// and the inbox hold now (``MetricNames/scraped``) are read at each scrape, so they are right
/// even for work other processes on the root did.
public struct MetricsEndpoint: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Step durations run from milliseconds (a local render) to minutes (a remote model).
    static let stepBuckets: [Duration] = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
        .map { Duration.milliseconds(Int64($0 * 1000)) }

    /// Makes `registry` the backend of swift-metrics for this process; once, before the daemon starts.
    public func bootstrap() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[MetricNames.stepDuration] = Self.stepBuckets
        MetricsSystem.bootstrap(factory)
    }

    func add(to router: Router<BasicRequestContext>, layout: RootLayout, store: JobStore) {
        router.get("metrics") { _, _ in
            let (summary, backlog) = try await offloaded {
                (try store.summary(now: Date()), (try? InboxScanner(inbox: layout.inbox).candidates().count) ?? 0)
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: scrape(summary, inboxBacklog: backlog))))
        }
    }

    /// Sets the scraped gauges from `summary` and renders every metric.
    func scrape(_ summary: QueueSummary, inboxBacklog: Int) -> [UInt8] {
        let help = Dictionary(uniqueKeysWithValues: MetricNames.scraped)
        func gauge(_ name: String, _ labels: [(String, String)] = []) -> Prometheus.Gauge {
            registry.makeGauge(name: name, labels: labels, help: help[name] ?? "")
        }
        for status in JobStatus.allCases {
            gauge(MetricNames.jobs, [("state", status.rawValue)]).set(Double(summary.jobs[status.rawValue] ?? 0))
        }
        let queues = Dictionary(summary.stages.map { ($0.stage, $0) }, uniquingKeysWith: { first, _ in first })
        for stage in Stage.allCases.map(\.rawValue) {
            let queue = queues[stage]
            gauge(MetricNames.queueSteps, [("stage", stage), ("state", "runnable")]).set(Double(queue?.runnable ?? 0))
            gauge(MetricNames.queueSteps, [("stage", stage), ("state", "delayed")]).set(Double(queue?.delayed ?? 0))
            gauge(MetricNames.queueSteps, [("stage", stage), ("state", "leased")]).set(Double(queue?.leased ?? 0))
            gauge(MetricNames.queueOldestWaiting, [("stage", stage)]).set(queue?.oldestWaitingSeconds ?? 0)
        }
        gauge(MetricNames.inboxBacklog).set(Double(inboxBacklog))
        return registry.emitToBuffer()
    }
}
