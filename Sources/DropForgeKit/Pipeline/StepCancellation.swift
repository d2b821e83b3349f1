import Foundation
import Synchronization

/// The cancel switch of one running step (`dropforge jobs cancel`, DESIGN §4).
///
/// Why a thread-bound token: stage workers are plain threads and provider calls are reached
/// through several layers of synchronous code. The engine makes a token current on the worker
/// thread for the duration of a step; `BlockingCall` — the one bridge from a worker thread into
/// async HTTP — hooks the token to its task, so cancelling the token aborts the transfer in
/// flight (libcurl is woken at once) without threading a parameter through every stage.
public final class StepCancellation: Sendable {
    private struct State {
        var cancelled = false
        var handlers: [Int: @Sendable () -> Void] = [:]
        var nextHandler = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Cancels once; runs every registered handler (outside the lock).
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

    // MARK: The current token of this thread

    private static let threadKey = "dropforge.step-cancellation"

    /// The token of the step running on this thread, if any.
    public static var current: StepCancellation? {
        Thread.current.threadDictionary[threadKey] as? StepCancellation
    }

    /// Runs `body` with `token` current on this thread.
    public static func with<T>(_ token: StepCancellation, _ body: () throws -> T) rethrows -> T {
        let dictionary = Thread.current.threadDictionary
        let previous = dictionary[threadKey]
        dictionary[threadKey] = token
        defer { dictionary[threadKey] = previous }
        return try body()
    }
}
