import DropForgeStore
import Foundation
import Metrics

/// What the daemon counts as it works, through swift-metrics: `dropforge serve` bootstraps a
/// Prometheus backend and shows them at `GET /metrics`; everywhere else the metrics system is
/// the no-op one and this costs a dictionary look-up at most.
///
/// Why counters here and not reads of the store: durations, provider calls and tokens exist
/// only while the work happens. What the store knows at any moment — jobs by state, the queue
/// of each stage, the inbox backlog — is read when scraped (``MetricNames/scraped``).
/// The names are one list, ``MetricNames``, like the error codes of `error.json`.
public enum PipelineMetrics {
    /// A step closed by the engine and recorded: its duration by stage and outcome, the item it
    /// ended (`done`, `failed`, `rejected`) and the job it published.
    static func recorded(_ completion: StepCompletion) {
        let stage = completion.lease.step.stage.rawValue
        let outcome: String
        switch completion.transition.close {
        case .done: outcome = "done"
        case .retry: outcome = "retry"
        case .failed: outcome = "failed"
        }
        Metrics.Timer(label: MetricNames.stepDuration, dimensions: [("stage", stage), ("outcome", outcome)])
            .recordNanoseconds(Int64(max(0, completion.finished.timeIntervalSince(completion.started)) * 1e9))
        let before = completion.lease.item?.status
        for effect in completion.transition.effects {
            switch effect {
            case .updateItem(let item) where item.status != before:
                if let state = finishedState(item.status) {
                    Counter(label: MetricNames.itemsFinished, dimensions: [("state", state)]).increment()
                }
            case .publish(let status, _):
                Counter(label: MetricNames.jobsFinished, dimensions: [("status", status.rawValue)]).increment()
            default:
                break
            }
        }
    }

    /// The name an ended item is counted under; nil while it is not ended.
    static func finishedState(_ status: ItemStatus) -> String? {
        switch status {
        case .approved: "done"
        case .failed: "failed"
        case .rejected: "rejected"
        case .pending, .generated, .checked: nil
        }
    }

    /// One HTTP exchange with a remote provider; `error` is its code (`http_503`, `http_timeout`)
    /// when it failed.
    static func providerCall(_ provider: String, error: String?) {
        Counter(label: MetricNames.providerCalls, dimensions: [("provider", provider)]).increment()
        if let error {
            Counter(label: MetricNames.providerErrors, dimensions: [("provider", provider), ("code", error)]).increment()
        }
    }

    /// The tokens a provider reported for one call.
    static func tokens(_ record: UsageRecord) {
        Counter(label: MetricNames.providerTokens, dimensions: [("provider", record.provider), ("kind", "prompt")])
            .increment(by: record.promptTokens)
        Counter(label: MetricNames.providerTokens, dimensions: [("provider", record.provider), ("kind", "completion")])
            .increment(by: record.completionTokens)
    }
}

/// Every metric dropforge shows at `GET /metrics`, with what it means (README, "Metrics").
public enum MetricNames {
    /// Histogram, seconds, by `stage` and `outcome` (`done`, `retry`, `failed`).
    public static let stepDuration = "dropforge_step_duration_seconds"
    /// Counter by `state`: `done`, `failed`, `rejected`.
    public static let itemsFinished = "dropforge_items_finished_total"
    /// Counter by `status`: `completed`, `failed`, `cancelled`.
    public static let jobsFinished = "dropforge_jobs_finished_total"
    /// Counter by `provider`: HTTP exchanges with a remote provider, failed ones included.
    public static let providerCalls = "dropforge_provider_calls_total"
    /// Counter by `provider` and `code` (`http_503`, `http_timeout`, …).
    public static let providerErrors = "dropforge_provider_errors_total"
    /// Counter by `provider` and `kind` (`prompt`, `completion`).
    public static let providerTokens = "dropforge_provider_tokens_total"

    /// Gauges read from the store and the inbox when scraped, with their help text.
    public static let scraped: [(name: String, help: String)] = [
        (jobs, "Jobs by state, from the store."),
        (queueSteps, "Open steps by stage and state (runnable, delayed, leased)."),
        (queueOldestWaiting, "Seconds the oldest runnable step of a stage has waited."),
        (inboxBacklog, "Manifests in inbox/ not yet claimed."),
    ]
    public static let jobs = "dropforge_jobs"
    public static let queueSteps = "dropforge_queue_steps"
    public static let queueOldestWaiting = "dropforge_queue_oldest_waiting_seconds"
    public static let inboxBacklog = "dropforge_inbox_backlog"
}
