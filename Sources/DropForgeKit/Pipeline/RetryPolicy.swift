import Foundation
import DropForgeCore

/// When to try a failed step again (DESIGN §4): transient errors back off exponentially with
/// jitter up to `maxAttempts`; permanent errors fail at once.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval

    public init(maxAttempts: Int = 3, baseDelay: TimeInterval = 0.5, maxDelay: TimeInterval = 60) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait before attempt `attempt + 1`, or `nil` when the step should fail now.
    /// Jitter spreads the retries of many items over [½, 1] of the backoff so they do not
    /// hit a recovering server together. A server's `Retry-After` is a floor that wins even over
    /// `maxDelay`: retrying earlier than the server asked would only burn attempts.
    public func delay<R: RandomNumberGenerator>(after attempt: Int, error: StepError, using random: inout R) -> TimeInterval? {
        guard error.isTransient, attempt < maxAttempts else { return nil }
        let exponential = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        let jittered = exponential * Double.random(in: 0.5...1, using: &random)
        return max(jittered, error.retryAfter ?? 0)
    }

    public func delay(after attempt: Int, error: StepError) -> TimeInterval? {
        var random = SystemRandomNumberGenerator()
        return delay(after: attempt, error: error, using: &random)
    }
}
