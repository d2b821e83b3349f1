import Foundation
import GRDB

/// Every row of a store, for `dropforge store copy`: a user who outgrows the embedded store
/// moves to PostgreSQL with their history. Rows keep their ids, so step, item and event
/// references — and `jobs logs … --after` positions — mean the same in the copy.
public struct StoreSnapshot: Sendable {
    public var jobs: [JobRecord]
    public var executions: [ExecutionRecord]
    public var items: [ItemRecord]
    public var steps: [StepRecord]
    public var events: [EventRecord]

    /// `N jobs, N executions, …` for the command's report.
    public var counts: String {
        "\(jobs.count) jobs, \(executions.count) executions, \(items.count) items, \(steps.count) steps, \(events.count) events"
    }
}

extension SQLiteJobStore {
    /// All rows, read in one transaction (a consistent picture even beside a running process).
    public func snapshot() throws -> StoreSnapshot {
        try pool.read { db in
            StoreSnapshot(jobs: try JobRecord.order(JobRecord.Columns.createdAt, JobRecord.Columns.id).fetchAll(db),
                          executions: try ExecutionRecord.order(ExecutionRecord.Columns.createdAt, ExecutionRecord.Columns.id).fetchAll(db),
                          items: try ItemRecord.order(ItemRecord.Columns.id).fetchAll(db),
                          steps: try StepRecord.order(StepRecord.Columns.id).fetchAll(db),
                          events: try EventRecord.order(EventRecord.Columns.id).fetchAll(db))
        }
    }
}
