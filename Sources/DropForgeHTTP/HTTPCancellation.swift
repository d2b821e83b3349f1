import Dispatch
import Synchronization

/// A cancel switch one thread flips while another is inside `HTTPClient.send` or
/// `HTTPRateLimiter.withPermit`.
///
/// Why a value of its own rather than task cancellation: HTTP runs synchronously on the calling
/// worker thread, so there is no task to cancel. Why here and not in the pipeline: this layer
/// must not know `StepCancellation`; the pipeline's token wraps one of these and hands it down.
/// Registered handlers (`onCancel`) are how a blocked call is woken at once: the client's wakes
/// libcurl (`curl_multi_wakeup`), the limiter's ends a wait for a permit or a rate slot.
public final class HTTPCancellation: Sendable {
    private struct State {
        var cancelled = false
        var handlers: [Int: @Sendable () -> Void] = [:]
        var nextHandler = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Cancels once, from any thread; runs every registered handler (outside the lock).
    public func cancel() {
        let toRun: [@Sendable () -> Void] = state.withLock { state in
            guard !state.cancelled else { return [] }
            state.cancelled = true
            defer { state.handlers.removeAll() }
            return Array(state.handlers.values)
        }
        toRun.forEach { $0() }
    }

    /// Runs `handler` on cancellation — at once when already cancelled. Returns a key for
    /// `removeHandler`, or nil when it ran at once.
    @discardableResult
    public func onCancel(_ handler: @escaping @Sendable () -> Void) -> Int? {
        let key: Int? = state.withLock { state in
            guard !state.cancelled else { return nil }
            state.nextHandler += 1
            state.handlers[state.nextHandler] = handler
            return state.nextHandler
        }
        if key == nil { handler() }
        return key
    }

    public func removeHandler(_ key: Int?) {
        guard let key else { return }
        state.withLock { _ = $0.handlers.removeValue(forKey: key) }
    }

    /// Blocks the calling thread for `seconds`, or until `cancellation` is cancelled.
    public static func sleep(_ seconds: Double, cancellation: HTTPCancellation?) {
        guard seconds > 0 else { return }
        let wake = DispatchSemaphore(value: 0)
        let key = cancellation?.onCancel { wake.signal() }
        defer { cancellation?.removeHandler(key) }
        _ = wake.wait(timeout: .now() + seconds)
    }
}
