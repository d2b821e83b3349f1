import Foundation
import DropForgeCore
import DropForgeStore

/// The stage graph (DESIGN §4), as pure functions: which stage follows which, when quality
/// waits behind the duplicate barrier, when export runs, and where a failure goes.
///
/// Why here and not in the store: these are the pipeline's rules. A store applies the
/// ``StepTransition`` they produce inside the transaction that closes the step, so a second
/// store (PostgreSQL) is a storage layer, not a second copy of the pipeline.
public enum StageGraph {
    /// The stage an item needs after `stage` (parameters, generate, quality or metadata), or nil
    /// when it is done: generate after its prompt was written, quality when the execution
    /// checks, then metadata when it describes.
    public static func stage(after stage: Stage, in execution: ExecutionRecord) -> Stage? {
        if stage == .parameters { return .generate }
        if stage == .generate, execution.qualityEnabled { return .quality }
        if stage != .metadata, execution.metadataEnabled { return .metadata }
        return nil
    }

    /// Where a new job starts: a manifest that could not be admitted goes straight to export,
    /// which publishes its failure.
    public static func firstStage(failed: Bool) -> Stage {
        failed ? .export : .parameters
    }

    // MARK: Steps

    /// What a step that produced `outcome` leads to.
    public static func transition(after lease: StepLease, _ outcome: StepOutcome, now: Date) -> StepTransition {
        let execution = lease.execution
        switch outcome {
        case .expanded(let plans, let next):
            let items = plans.enumerated().map { index, plan in
                RoutingEffect.insertItem(ItemRecord(executionID: execution.id, index: index, plan: plan, status: .pending,
                                                    nextStage: next, attempts: 0, updatedAt: now), queue: next)
            }
            return StepTransition(close: .done, effects: items + [.exportWhenItemsFinished])
        case .prompted(let plan):
            guard var item = lease.item else { return StepTransition(close: .done, effects: []) }
            item.plan = plan
            item.attempts = max(item.attempts, lease.step.attempts)
            item.lastError = nil
            return StepTransition(close: .done, effects: advance(&item, after: .parameters, execution, now: now))
        case .generated(let path, let dhash, let colorHash):
            guard var item = lease.item else { return StepTransition(close: .done, effects: []) }
            item.imagePath = path
            item.dhash = dhash
            item.colorHash = colorHash
            item.status = .generated
            item.attempts = max(item.attempts, lease.step.attempts)
            item.lastError = nil
            return StepTransition(close: .done, effects: advance(&item, after: .generate, execution, now: now))
        case .checked(let passed, let reason, let checks):
            guard var item = lease.item else { return StepTransition(close: .done, effects: []) }
            item.qcStatus = passed ? .passed : .rejected
            item.qcReason = reason
            item.qcChecks = checks
            if passed {
                item.status = .checked
                return StepTransition(close: .done, effects: advance(&item, after: .quality, execution, now: now))
            }
            item.status = .rejected
            item.nextStage = nil
            item.updatedAt = now
            return StepTransition(close: .done, effects: [.updateItem(item), .exportWhenItemsFinished])
        case .described(let metadata, let path):
            guard var item = lease.item else { return StepTransition(close: .done, effects: []) }
            item.metadata = metadata
            item.imagePath = path
            return StepTransition(close: .done, effects: advance(&item, after: .metadata, execution, now: now))
        case .published(let status, let path):
            return StepTransition(close: .done, effects: [.publish(status: status, outboxPath: path)])
        }
    }

    /// What a failed attempt leads to: with `retryAt` (a transient error) the step waits and runs
    /// again; without, the item fails — or, for an execution-wide stage, export publishes the
    /// failure; when export itself fails, nothing can be published and the execution fails.
    public static func transition(afterFailing lease: StepLease, _ failure: StageFailure, retryAt: Date?,
                                  now: Date) throws -> StepTransition {
        let message = "\(failure.code): \(failure.message)"
        if let retryAt {
            guard var item = lease.item else { return StepTransition(close: .retry(notBefore: retryAt, error: message), effects: []) }
            item.attempts = max(item.attempts, lease.step.attempts)
            item.lastError = message
            item.updatedAt = now
            return StepTransition(close: .retry(notBefore: retryAt, error: message), effects: [.updateItem(item)])
        }
        if var item = lease.item {
            item.status = .failed
            item.nextStage = nil
            item.attempts = max(item.attempts, lease.step.attempts)
            item.lastError = message
            item.updatedAt = now
            return StepTransition(close: .failed(error: message),
                                  effects: [.updateItem(item)] + barrier(lease.execution) + [.exportWhenItemsFinished])
        }
        let encoded = try JSONCoding.encode(failure)
        if lease.step.stage == .export {
            return StepTransition(close: .failed(error: message), effects: [.failExecution(encoded)])
        }
        return StepTransition(close: .failed(error: message), effects: [.recordFailure(encoded), .queue(.export, itemID: nil)])
    }

    // MARK: New executions

    /// How a new execution of a finished job (retry, rerun) starts: at export when it carries a
    /// failure, at parameters when it has no items, else each item at its `nextStage`.
    public static func start(_ execution: ExecutionRecord, items: [ItemRecord]) -> [RoutingEffect] {
        if execution.failure != nil { return [.queue(.export, itemID: nil)] }
        if items.isEmpty { return [.queue(.parameters, itemID: nil)] }
        let inserts = items.map { original in
            var item = original
            item.id = nil
            item.executionID = execution.id
            // Quality behind the barrier starts once no item is being generated any more.
            let waits = item.nextStage == .quality && execution.qualityBarrier
            return RoutingEffect.insertItem(item, queue: waits ? nil : item.nextStage)
        }
        return inserts + barrier(execution) + [.exportWhenItemsFinished]
    }

    // MARK: Helpers

    /// Moves an item past `stage`: to the next enabled stage, or to `approved` and, when it was
    /// the last open item, on to export.
    private static func advance(_ item: inout ItemRecord, after stage: Stage, _ execution: ExecutionRecord,
                                now: Date) -> [RoutingEffect] {
        let next = Self.stage(after: stage, in: execution)
        item.nextStage = next
        if next == nil { item.status = .approved }
        item.updatedAt = now
        switch next {
        case nil: return [.updateItem(item), .exportWhenItemsFinished]
        case .quality? where execution.qualityBarrier: return [.updateItem(item), .releaseQualityBarrier]
        case let next?: return [.updateItem(item), .queue(next, itemID: item.id)]
        }
    }

    /// With the duplicate check on, quality starts only once no item is still being generated,
    /// so every item is compared against the same set of earlier items.
    private static func barrier(_ execution: ExecutionRecord) -> [RoutingEffect] {
        execution.qualityBarrier ? [.releaseQualityBarrier] : []
    }
}

extension StepTransition {
    /// The transition with at least `attempts` on the item it updates: the step's attempts
    /// plus the replies a text provider was asked for again within it (``UsageMeter/resamples``).
    func countingAttempts(_ attempts: Int) -> StepTransition {
        var counted = self
        counted.effects = effects.map { effect in
            guard case .updateItem(var item) = effect else { return effect }
            item.attempts = max(item.attempts, attempts)
            return .updateItem(item)
        }
        return counted
    }
}
