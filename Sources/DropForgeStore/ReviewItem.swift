import Foundation

/// One item of an execution with its job and execution: what the review commands work on.
public struct ReviewItem: Sendable, Equatable {
    public var job: JobRecord
    public var execution: ExecutionRecord
    public var item: ItemRecord

    public init(job: JobRecord, execution: ExecutionRecord, item: ItemRecord) {
        self.job = job
        self.execution = execution
        self.item = item
    }
}

/// An execution published anew by a review decision: a `qc_rejected_all` execution whose item
/// is approved moves from `failures/` to `results/` and becomes `completed`.
public struct ReviewPublication: Sendable, Equatable {
    public var status: JobStatus
    /// `outbox/results/<execution>`, relative to the root (as `ExecutionRecord.outboxPath`).
    public var outboxPath: String

    public init(status: JobStatus, outboxPath: String) {
        self.status = status
        self.outboxPath = outboxPath
    }
}
