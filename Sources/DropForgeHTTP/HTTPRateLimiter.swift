import Dispatch
import Foundation
import Synchronization

/// Per-provider limits from the config (`concurrency`, `requests_per_minute`, DESIGN §5): at most
/// `concurrency` requests in flight, and at most `requestsPerMinute` started in any 60-second
/// window. A local GPU box wants `concurrency: 1`; a hosted API wants a request rate.
///
/// One limiter per provider entry, shared by every stage that uses that provider. Callers wrap
/// each request (each attempt, retries included) in `withPermit`, on their worker thread: waiting
/// blocks that thread (HTTP is synchronous, see `HTTPClient`), first come, first served, and
/// cancelling the `HTTPCancellation` passed in ends the wait at once with `CancellationError`.
///
/// The window is a sliding log of start times rather than a refilling bucket so that a burst
/// after an idle minute can never exceed the stated rate. The clock and the sleep are injectable
/// so tests can run minutes of virtual time instantly.
public final class HTTPRateLimiter: Sendable {
    public let concurrency: Int
    public let requestsPerMinute: Int?
    /// Length of the window `requestsPerMinute` applies to (60 s; shorter only in tests).
    public let window: TimeInterval

    private struct State {
        var inUse = 0
        var nextWaiter = 0
        /// Callers waiting for a permit, in arrival order.
        var waiters: [(id: Int, wake: DispatchSemaphore)] = []
        /// Start times granted within the last window (some may lie in the future: reserved slots).
        var starts: [TimeInterval] = []
    }

    // Mutex has no wait, so each waiter blocks on its own semaphore, signalled by the `release`
    // that hands it the permit or by cancellation: a FIFO hand-off that wakes one thread, not all.
    private let state = Mutex(State())
    private let now: @Sendable () -> TimeInterval
    private let sleep: @Sendable (TimeInterval, HTTPCancellation?) -> Void

    /// - Parameters:
    ///   - concurrency: requests allowed in flight at once (at least 1).
    ///   - requestsPerMinute: requests allowed to start per window; `nil` or ≤ 0 means unlimited.
    ///   - now: a monotonic clock in seconds (default: system uptime, immune to wall-clock jumps).
    ///   - sleep: blocks for the given seconds, returning early when the cancellation is cancelled.
    public init(
        concurrency: Int = 1,
        requestsPerMinute: Int? = nil,
        window: TimeInterval = 60,
        now: @escaping @Sendable () -> TimeInterval = { ProcessInfo.processInfo.systemUptime },
        sleep: @escaping @Sendable (TimeInterval, HTTPCancellation?) -> Void = { HTTPCancellation.sleep($0, cancellation: $1) }
    ) {
        self.concurrency = max(1, concurrency)
        self.requestsPerMinute = (requestsPerMinute ?? 0) > 0 ? requestsPerMinute : nil
        self.window = window
        self.now = now
        self.sleep = sleep
    }

    /// What the limiter holds at one moment (for `status`).
    public struct Load: Sendable, Equatable {
        /// Requests holding a permit: sending, or waiting for their slot in the rate window.
        public var inFlight: Int
        /// Callers waiting for a permit.
        public var waiting: Int
        /// Requests started, or given a slot, in the window that ends now; nil without a rate
        /// limit (starts are only kept to enforce one).
        public var startedInWindow: Int?
    }

    public var load: Load {
        state.withLock { state in
            let since = now() - window
            return Load(inFlight: state.inUse, waiting: state.waiters.count,
                        startedInWindow: requestsPerMinute.map { _ in state.starts.filter { $0 > since }.count })
        }
    }

    /// Runs `body` once both a concurrency permit and a slot in the rate window are free, blocking
    /// the calling thread until then; throws `CancellationError` if `cancellation` is cancelled first.
    ///
    /// The concurrency permit is taken first so the recorded start time is the real start time:
    /// reserving a rate slot and then queueing behind a slow request would let two requests
    /// start closer together than the window allows.
    public func withPermit<T>(cancellation: HTTPCancellation? = nil, _ body: () throws -> T) throws -> T {
        try acquire(cancellation)
        defer { release() }
        if let slot = reserveSlot() {
            let delay = slot - now()
            if delay > 0 {
                sleep(delay, cancellation)
                if cancellation?.isCancelled == true {
                    releaseSlot(slot)
                    throw CancellationError()
                }
            }
        }
        return try body()
    }

    /// Waits for a permit, first come, first served.
    private func acquire(_ cancellation: HTTPCancellation?) throws {
        if cancellation?.isCancelled == true { throw CancellationError() }
        let wake = DispatchSemaphore(value: 0)
        let id: Int? = state.withLock { state in
            if state.inUse < concurrency, state.waiters.isEmpty {
                state.inUse += 1
                return nil
            }
            state.nextWaiter += 1
            state.waiters.append((state.nextWaiter, wake))
            return state.nextWaiter
        }
        guard let id else { return }
        let key = cancellation?.onCancel { wake.signal() }
        defer { cancellation?.removeHandler(key) }
        wake.wait()
        // Still queued: woken by cancellation. Gone from the queue: `release` handed us its permit.
        let granted = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return true }
            state.waiters.remove(at: index)
            return false
        }
        guard granted else { throw CancellationError() }
        if cancellation?.isCancelled == true {
            release()
            throw CancellationError()
        }
    }

    /// Returns a permit, handing it straight to the longest waiter if there is one.
    private func release() {
        let next: DispatchSemaphore? = state.withLock { state in
            guard !state.waiters.isEmpty else {
                state.inUse -= 1
                return nil
            }
            return state.waiters.removeFirst().wake
        }
        next?.signal()
    }

    /// Picks the earliest start time that keeps every window within the rate, and records it.
    private func reserveSlot() -> TimeInterval? {
        guard let limit = requestsPerMinute else { return nil }
        return state.withLock { state in
            let current = now()
            state.starts.removeAll { $0 <= current - window }
            var slot = max(current, state.starts.last ?? current)
            if state.starts.count >= limit {
                slot = max(slot, state.starts[state.starts.count - limit] + window)
            }
            state.starts.append(slot)
            return slot
        }
    }

    private func releaseSlot(_ slot: TimeInterval) {
        state.withLock { state in
            if let index = state.starts.lastIndex(of: slot) { state.starts.remove(at: index) }
        }
    }
}
