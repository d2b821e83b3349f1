import Foundation
import DropForgeCore

/// Which `RetryPolicy` a failed step gets: the policy of the provider whose call failed (its
/// entry's `retry:`), else the top-level `retry:`; within either, the longer `connection:`
/// window when the connection itself failed (refused, reset, timed out, cut short), the standard
/// policy for everything else. Attempts are the step's, whatever the errors were: a step that
/// lost its connection five times and then gets a 500 has used five of the 500's attempts.
public struct RetryRules: Sendable, Equatable {
    public var standard: RetryPolicy
    public var connection: RetryPolicy
    /// By provider name, for the entries with a `retry:` of their own.
    public var providers: [String: RetryRules] = [:]

    public init(standard: RetryPolicy, connection: RetryPolicy, providers: [String: RetryRules] = [:]) {
        self.standard = standard
        self.connection = connection
        self.providers = providers
    }

    /// One policy for every error (tests, and commands that retry nothing remote).
    public init(_ policy: RetryPolicy) {
        self.init(standard: policy, connection: policy)
    }

    /// The config's `retry:` and each provider entry's.
    public init(config: DropforgeConfig) {
        self.init(config.retry)
        providers = config.providers.compactMapValues { $0.retry.map(RetryRules.init) }
    }

    private init(_ retry: DropforgeConfig.Retry) {
        self.init(standard: RetryPolicy(DropforgeConfig.Backoff(maxAttempts: retry.maxAttempts, baseDelayMs: retry.baseDelayMs,
                                                                 maxDelayMs: retry.maxDelayMs)),
                  connection: RetryPolicy(retry.connection))
    }

    public func policy(for error: StepError) -> RetryPolicy {
        let rules = error.provider.flatMap { providers[$0] } ?? self
        return error.isConnectionFailure ? rules.connection : rules.standard
    }

    /// The wait before the next attempt, or nil when the step fails now.
    public func delay(after attempt: Int, error: StepError) -> TimeInterval? {
        policy(for: error).delay(after: attempt, error: error)
    }
}

extension RetryPolicy {
    init(_ backoff: DropforgeConfig.Backoff) {
        self.init(maxAttempts: backoff.maxAttempts, baseDelay: TimeInterval(backoff.baseDelayMs) / 1000,
                  maxDelay: TimeInterval(backoff.maxDelayMs) / 1000)
    }
}
