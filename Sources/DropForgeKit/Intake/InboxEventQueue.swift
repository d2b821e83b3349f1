import Dispatch
import Synchronization

/// The hand-off from a watcher's thread to its consumer's: the watcher `push`es events, the
/// consumer blocks in `next()`, in order. Unbounded: dropping a hint silently would be worse than
/// the few bytes an event costs, and the kernel queue in front of it is itself bounded.
///
/// Why not an `AsyncStream`: the consumer (`Watch`) claims files with blocking SQLite writes,
/// which belong on a plain thread of its own, not on Swift concurrency's cooperative pool.
final class InboxEventQueue: Sendable {
    private struct State {
        var events: [InboxEvent] = []
        /// Index of the next event to hand out (taken ones are dropped in batches).
        var head = 0
        var finished = false
    }

    private let state = Mutex(State())
    // Mutex has no wait: the semaphore counts what `next()` may take (each event, plus one for the finish).
    private let available = DispatchSemaphore(value: 0)

    /// Queues `event`; ignored after `finish()`.
    func push(_ event: InboxEvent) {
        let queued = state.withLock { state in
            guard !state.finished else { return false }
            state.events.append(event)
            return true
        }
        if queued { available.signal() }
    }

    /// Ends the queue: `next()` returns what is still queued, then nil. Idempotent.
    func finish() {
        let first = state.withLock { state in
            defer { state.finished = true }
            return !state.finished
        }
        if first { available.signal() }
    }

    /// Blocks until the next event; nil once finished and empty.
    func next() -> InboxEvent? {
        available.wait()
        let event: InboxEvent? = state.withLock { state in
            guard state.head < state.events.count else { return nil }
            let event = state.events[state.head]
            state.head += 1
            if state.head >= 1024, state.head * 2 >= state.events.count {
                state.events.removeFirst(state.head)
                state.head = 0
            }
            return event
        }
        // Finished: leave the finish's count in place so every later call returns nil too.
        if event == nil { available.signal() }
        return event
    }
}
