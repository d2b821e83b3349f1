import Foundation

/// The cancel switch of one running step (`dropforge jobs cancel`, DESIGN §4).
///
/// Why a thread-bound token: stage workers are plain threads and provider calls are reached
/// through several layers of synchronous code. The engine makes a token current on the worker
/// thread for the duration of a step; `BlockingCall` — the one bridge from a worker thread into
/// async HTTP — hooks the token to its task, so cancelling the token aborts the transfer in
/// flight (libcurl is woken at once) without threading a parameter through every stage.
// @unchecked Sendable: every mutable field is read and written under `lock`.
public final class StepCancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var handlers: [Int: @Sendable () -> Void] = [:]
    private var nextHandler = 0

    public init() {}

    public var isCancelled: Bool { lock.withLock { cancelled } }

    /// Cancels once; runs every registered handler (outside the lock).
    public func cancel() {
        let toRun: [@Sendable () -> Void] = lock.withLock {
            guard !cancelled else { return [] }
            cancelled = true
            defer { handlers.removeAll() }
            return Array(handlers.values)
        }
        toRun.forEach { $0() }
    }

    /// Runs `handler` on cancellation — at once when already cancelled. Returns a key for
    /// `removeHandler`, or nil when it ran at once.
    @discardableResult
    public func onCancel(_ handler: @escaping @Sendable () -> Void) -> Int? {
        let key: Int? = lock.withLock {
            guard !cancelled else { return nil }
            nextHandler += 1
            handlers[nextHandler] = handler
            return nextHandler
        }
        if key == nil { handler() }
        return key
    }

    public func removeHandler(_ key: Int?) {
        guard let key else { return }
        lock.withLock { _ = handlers.removeValue(forKey: key) }
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
