import Foundation

extension ExecutionRecord {
    /// The same execution again under a new number: a retry keeps its parent's settings and seed.
    package func repeated(number: Int, now: Date) -> ExecutionRecord {
        var next = self
        next.id = "\(jobID).\(number)"
        next.number = number
        next.parentID = id
        next.status = .queued
        next.failure = nil
        next.outboxPath = nil
        next.createdAt = now
        next.finishedAt = nil
        next.cancelledAt = nil
        return next
    }
}
