import Foundation
import DropForgeCore
import DropForgeStore

/// What `dropforge status` and `GET /api/v1/status` show: the store, the processes on the root,
/// unfinished jobs with their progress, jobs by state, the queue of each stage, throughput, the
/// inbox backlog, each provider's limits and load, and recent failures with the error their
/// `error.json` carries.
public struct StatusReport: Encodable, Sendable {
    public struct Failure: Encodable, Sendable {
        public var job: String
        public var at: Date?
        public var code: String?
        public var message: String?
    }

    public struct ActiveJob: Encodable, Sendable {
        public var job: String
        public var status: JobStatus
        public var items: ItemProgress?
    }

    /// `sqlite`, or `postgres` and its URL without the password.
    public var store: String
    public var processes: [RunningProcess]
    public var active: [ActiveJob]
    public var jobs: [String: Int]
    public var stages: [QueueSummary.StageQueue]
    public var throughput: [QueueSummary.Throughput]
    public var inbox: Int
    /// Each provider entry's `concurrency` and `requests_per_minute`, with the calls the running
    /// processes have in flight, waiting and started in the last minute.
    public var providers: [ProviderLoad]
    public var recentFailures: [Failure]

    enum CodingKeys: String, CodingKey {
        case store, processes, active, jobs, stages, throughput, inbox, providers, recentFailures = "recent_failures"
    }

    /// Reads it all now; works beside a running `watch`.
    public static func make(layout: RootLayout, config: DropforgeConfig, store: JobStore, now: Date = Date()) throws -> StatusReport {
        let summary = try store.summary(now: now)
        let waiting = (try? InboxScanner(inbox: layout.inbox).candidates().count) ?? 0
        let failures = try store.recentFailures(limit: 5).map { job -> Failure in
            // What error.json says: the export stage decides failures the store does not keep.
            let folder = try store.executions(jobID: job.id).last?.outboxPath
            let failure = folder.flatMap { try? Data(contentsOf: layout.root.appendingPathComponent($0).appendingPathComponent("error.json")) }
                .flatMap { try? JSONCoding.decode(StageFailure.self, from: $0) }
            return Failure(job: job.id, at: job.finishedAt, code: failure?.code, message: failure?.message)
        }
        let unfinished = try store.jobs(matching: JobFilter(statuses: [.running, .queued], oldestFirst: true, limit: 20))
        let progress = try store.itemProgress(jobIDs: unfinished.map(\.id))
        let processes = RunningProcess.list(layout: layout)
        return StatusReport(store: config.store.description(), processes: processes,
                            active: unfinished.map { ActiveJob(job: $0.id, status: $0.status, items: progress[$0.id]) },
                            jobs: summary.jobs, stages: summary.stages, throughput: summary.throughput, inbox: waiting,
                            providers: ProviderLoad.current(config, layout: layout, owners: processes.map(\.owner)),
                            recentFailures: failures)
    }
}
