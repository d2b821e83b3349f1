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

    public init(close: Close, effects: [RoutingEffect]) {
        self.close = close
        self.effects = effects
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
