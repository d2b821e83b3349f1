import DropForgeHTTP
import Foundation

/// The cancel switch of one running step (`dropforge jobs cancel`, DESIGN §4).
///
/// Why a thread-bound token: stage workers are plain threads and provider calls are reached
/// through several layers of synchronous code. The engine makes a token current on the worker
/// thread for the duration of a step; `ProviderEndpoint` hands its `http` switch to the rate
/// limiter and the HTTP client, which run on that same thread, so cancelling the token (from the
/// heartbeat thread, or the engine's stop) ends a wait for a permit or aborts the transfer in
/// flight (libcurl is woken at once) without threading a parameter through every stage.
public final class StepCancellation: Sendable {
    /// The switch itself; it lives in DropForgeHTTP, which must not know the pipeline.
    public let http = HTTPCancellation()

    public init() {}

    public var isCancelled: Bool { http.isCancelled }

    /// Cancels once; runs every registered handler.
    public func cancel() { http.cancel() }

    /// Runs `handler` on cancellation — at once when already cancelled. Returns a key for
    /// `removeHandler`, or nil when it ran at once.
    @discardableResult
    public func onCancel(_ handler: @escaping @Sendable () -> Void) -> Int? { http.onCancel(handler) }

    public func removeHandler(_ key: Int?) { http.removeHandler(key) }

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
