import Foundation
import DropForgeCore
import DropForgeStore

/// The pipeline's way of writing to the store: every step result, failure and new execution
/// goes through the ``StageGraph`` first.
extension StepQueue {
    /// Records what a step produced and queues what follows it.
    public func complete(_ lease: StepLease, with outcome: StepOutcome, now: Date) throws {
        try finish(lease, StageGraph.transition(after: lease, outcome, now: now), now: now)
    }

    /// A failed attempt: `retryAt` re-queues it (transient error), `nil` fails it for good.
    public func fail(_ lease: StepLease, failure: StageFailure, retryAt: Date?, now: Date) throws {
        try finish(lease, StageGraph.transition(afterFailing: lease, failure, retryAt: retryAt, now: now), now: now)
    }
}

extension JobControlStore {
    /// Adds an execution to a finished job (retry, rerun): its items start at their
    /// `nextStage`; with no items it starts at `parameters` (or at export when it has a failure).
    public func addExecution(_ execution: ExecutionRecord, items: [ItemRecord], priority: Int, now: Date) throws {
        try addExecution(execution, start: StageGraph.start(execution, items: items), priority: priority, now: now)
    }
}

extension Admission {
    /// A job whose manifest `failure` (nil: it was admitted) decides its start; with
    /// `checkDuplicate`, a manifest `id` an earlier job already used fails it as `duplicate`.
    /// `events` (given that earlier job's id) are stored in the admission's transaction.
    public init(job: JobRecord, execution: ExecutionRecord, failure: StageFailure?, checkDuplicate: Bool,
                events: @escaping @Sendable (_ duplicateOf: String?) -> [EventRecord] = { _ in [] }) {
        let manifestID = job.manifestID ?? ""
        let createdAt = job.createdAt
        let decide: @Sendable (String?) -> (failure: StageFailure?, start: Stage) = { duplicateOf in
            var failure = failure
            if failure == nil, let earlier = duplicateOf {
                failure = StageFailure(
                    stage: "intake", code: .duplicate,
                    message: "manifest id '\(manifestID)' already produced job \(earlier); add `force: true` to run it again",
                    at: createdAt)
            }
            return (failure, StageGraph.firstStage(failed: failure != nil))
        }
        self.init(job: job, execution: execution, checkDuplicate: failure == nil && checkDuplicate,
                  decide: decide, events: events)
    }
}
