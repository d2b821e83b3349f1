import Foundation

/// What a finished step leads to, decided by the pipeline's stage graph and applied by the
/// store inside the one transaction that closes the step.
///
/// Why a value: the store only stores. Which stage follows which, when quality waits for the
/// duplicate barrier and when export runs are pipeline rules (`StageGraph` in DropForgeKit);
/// a store — SQLite here, PostgreSQL later — applies the same transitions with its own SQL,
/// so there is one copy of the pipeline, not one per store.
public struct StepTransition: Sendable {
    /// How the leased step itself is closed.
    public enum Close: Sendable, Equatable {
        /// Done: its result is recorded by the effects.
        case done
        /// A transient failure: the step waits until `notBefore` and runs again.
        case retry(notBefore: Date, error: String)
        /// Failed for good.
        case failed(error: String)
    }

    public var close: Close
    /// Applied in order, after the step is closed.
    public var effects: [RoutingEffect]
    /// Log lines of the step, stored in the same transaction (their file lines are written after).
    public var events: [EventRecord] = []
    /// The step's provider calls, every attempt so far (JSON of `[UsageRecord]`), stored with
    /// the step however it is closed; nil keeps what the step had.
    public var usage: Data? = nil

    public init(close: Close, effects: [RoutingEffect], events: [EventRecord] = []) {
        self.close = close
        self.effects = effects
        self.events = events
    }
}

/// A finished step for ``StepQueue/finish(_:carryOn:)``: its lease, what follows it, and when it
/// really ran — a step of a batch may have waited in its worker's hands after the claim.
public struct StepCompletion: Sendable {
    public var lease: StepLease
    public var transition: StepTransition
    public var started: Date
    public var finished: Date

    public init(lease: StepLease, transition: StepTransition, started: Date, finished: Date) {
        self.lease = lease
        self.transition = transition
        self.started = started
        self.finished = finished
    }
}

/// "Carry the item on": instead of queueing the item's next step of `stage`, lease it to
/// `owner` in the same transaction and hand it back, so the worker that finished step N runs
/// step N+1 at once — one transaction instead of a completion plus a claim. With `stage`
/// export, the execution's export is carried when this completion finishes its last item.
public struct CarryOn: Sendable {
    public var stage: Stage
    public var owner: String
    public var leaseSeconds: TimeInterval

    public init(stage: Stage, owner: String, leaseSeconds: TimeInterval) {
        self.stage = stage
        self.owner = owner
        self.leaseSeconds = leaseSeconds
    }
}

/// One write a transition asks of the store. The two conditional ones (``releaseQualityBarrier``
/// and ``exportWhenItemsFinished``) depend on the other items of the execution, which only the
/// store sees inside its transaction; the stage graph decides when to ask for them.
public enum RoutingEffect: Sendable {
    /// Replace the item's row (matched by its id) with this one.
    case updateItem(ItemRecord)
    /// Add an item to the execution and queue its `nextStage` unless that waits behind the barrier.
    case insertItem(ItemRecord, queue: Stage?)
    /// Queue a step of `stage` for the item with this id, or for the whole execution when nil.
    case queue(Stage, itemID: Int64?)
    /// Quality behind the duplicate barrier starts once no item of the execution is still being
    /// generated: queue it then for every item waiting at quality, in item order.
    case releaseQualityBarrier
    /// Queue the execution's export once every one of its items is terminal.
    case exportWhenItemsFinished
    /// Keep why an execution-wide stage failed (JSON of `StageFailure`); export publishes it.
    case recordFailure(Data)
    /// The execution — and its job — ended with `status`, published at `outboxPath`.
    case publish(status: JobStatus, outboxPath: String)
    /// Nothing could be published: the execution and its job are failed with this failure (JSON).
    case failExecution(Data)
}
