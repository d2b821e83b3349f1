import Foundation

/// What every effect of one transition needs to know about where it happens.
package struct RoutingContext {
    package var execution: ExecutionRecord
    package var jobID: String
    package var priority: Int

    package init(execution: ExecutionRecord, jobID: String, priority: Int) {
        self.execution = execution
        self.jobID = jobID
        self.priority = priority
    }
}

/// The writes a store makes to close steps and apply their transitions, each inside the one
/// write transaction that `finish` runs in. Each store (SQLite, PostgreSQL) says them in its own
/// SQL; the order they are made in — which step is skipped, when a carried step replaces a queued
/// one — is ``finish(_:carryOn:)``'s, written once for both.
package protocol TransitionWriting {
    func insert(_ events: [EventRecord]) throws
    /// A lease is only honoured while its owner still holds it, at the same attempt: a step whose
    /// lease expired and was taken by another worker must not be recorded twice.
    func stillHeld(_ lease: StepLease) throws -> Bool
    /// Keeps the step's provider calls, however the step is closed (a cancelled one included).
    func recordUsage(_ step: StepRecord, _ transition: StepTransition) throws
    /// A step of a cancelled execution is closed and its result dropped; true when it was.
    func closeIfCancelled(_ lease: StepLease, now: Date) throws -> Bool
    func close(_ step: StepRecord, _ close: StepTransition.Close, started: Date, now: Date) throws
    /// The next step — of the item, or with `item` nil the execution's export — inserted already
    /// leased to the carrying worker; nil when that step exists already.
    func carry(_ lease: StepLease, item: Int64?, to carryOn: CarryOn, now: Date) throws -> StepLease?
    /// No item of the execution is still open.
    func itemsFinished(execution: ExecutionRecord) throws -> Bool
    /// No item of the execution is still being generated (or still waits for its prompt).
    func barrierOpen(execution: ExecutionRecord) throws -> Bool
    func nextStage(itemID: Int64) throws -> Stage?
    func apply(_ effect: RoutingEffect, _ context: RoutingContext, now: Date) throws
}

extension TransitionWriting {
    /// ``StepQueue/finish(_:carryOn:)``'s body, inside the store's write transaction.
    package func finish(_ completions: [StepCompletion], carryOn: CarryOn?) throws -> StepLease? {
        var carried: StepLease?
        for completion in completions {
            let lease = completion.lease
            try insert(completion.transition.events)
            guard try stillHeld(lease) else { continue }
            try recordUsage(lease.step, completion.transition)
            if try closeIfCancelled(lease, now: completion.finished) { continue }
            try close(lease.step, completion.transition.close, started: completion.started, now: completion.finished)
            let context = RoutingContext(execution: lease.execution, jobID: lease.job.id, priority: lease.step.priority)
            for effect in completion.transition.effects {
                if carried == nil, let carryOn {
                    switch effect {
                    case .queue(let stage, let itemID?) where stage == carryOn.stage && itemID == lease.item?.id:
                        carried = try carry(lease, item: itemID, to: carryOn, now: completion.finished)
                    case .exportWhenItemsFinished where carryOn.stage == .export:
                        if try itemsFinished(execution: lease.execution) {
                            carried = try carry(lease, item: nil, to: carryOn, now: completion.finished)
                        }
                    case .releaseQualityBarrier where carryOn.stage == .quality:
                        // The barrier opens now: this item's quality step is carried, the
                        // others are queued by the effect itself (which skips the carried one).
                        if let itemID = lease.item?.id, try barrierOpen(execution: lease.execution),
                           try nextStage(itemID: itemID) == .quality {
                            carried = try carry(lease, item: itemID, to: carryOn, now: completion.finished)
                            try apply(effect, context, now: completion.finished)
                            continue
                        }
                    default:
                        break
                    }
                    if carried != nil { continue }
                }
                try apply(effect, context, now: completion.finished)
            }
        }
        return carried
    }
}
