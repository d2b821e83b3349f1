import XCTest
import DropForgeCore
import DropForgeHTTP
@testable import DropForgeKit

/// Issue 17: connection failures get a window of tens of seconds by default, other errors keep
/// the standard policy, and a provider entry's `retry:` overrides the top-level one.
final class RetryRulesTests: XCTestCase {
    func config(_ yaml: String) throws -> DropforgeConfig {
        try DropforgeConfig.parse(Data(yaml.utf8), file: "config/dropforge.yaml")
    }

    func failure(_ kind: HTTPError.Kind, provider: String = "llama") -> StepError {
        HTTPError(kind: kind, method: "POST", url: "http://127.0.0.1:8080/v1/chat/completions", detail: "x")
            .stepError(provider: provider)
    }

    /// The longest and shortest total wait before a step fails, over every jitter.
    func window(_ policy: RetryPolicy) -> ClosedRange<TimeInterval> {
        let delays = (1..<policy.maxAttempts).map { min(policy.maxDelay, policy.baseDelay * pow(2, Double($0 - 1))) }
        return (delays.reduce(0, +) / 2)...delays.reduce(0, +)
    }

    func testTheDefaultConnectionWindowLastsTensOfSecondsAndOtherErrorsKeepThreeAttempts() throws {
        let rules = RetryRules(config: DropforgeConfig())
        XCTAssertTrue(failure(.connectFailed).isConnectionFailure)
        XCTAssertTrue(failure(.timeout).isConnectionFailure)
        XCTAssertTrue(failure(.protocolError).isConnectionFailure, "a reset mid-response")
        XCTAssertTrue(failure(.status(503)).isConnectionFailure, "llama.cpp answers 503 while it loads its model")
        XCTAssertFalse(failure(.status(500)).isConnectionFailure)
        XCTAssertFalse(failure(.status(429)).isConnectionFailure)
        let connection = rules.policy(for: failure(.connectFailed))
        XCTAssertEqual(connection.maxAttempts, 9)
        XCTAssertGreaterThanOrEqual(window(connection).lowerBound, 15)
        XCTAssertLessThanOrEqual(window(connection).upperBound, 45)
        XCTAssertEqual(rules.policy(for: failure(.status(500))), RetryPolicy())
        XCTAssertEqual(rules.policy(for: .transient(.noSpace, "disk full")), RetryPolicy())
    }

    func testAProviderEntryRetryOverridesTheTopLevelKeyByKey() throws {
        let parsed = try config("""
            retry: {max_attempts: 4, base_delay_ms: 100, connection: {max_attempts: 5}}
            providers:
              llama: {type: openai-chat, base_url: "http://127.0.0.1:8080/v1", retry: {max_attempts: 2, connection: {max_delay_ms: 20000}}}
              other: {type: openai-chat, base_url: "http://127.0.0.1:8081/v1"}
            """)
        XCTAssertEqual(parsed.retry.connection, .init(maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 8_000))
        let rules = RetryRules(config: parsed)
        XCTAssertEqual(rules.policy(for: failure(.status(500))), RetryPolicy(maxAttempts: 2, baseDelay: 0.1, maxDelay: 60))
        XCTAssertEqual(rules.policy(for: failure(.connectFailed)), RetryPolicy(maxAttempts: 5, baseDelay: 0.5, maxDelay: 20))
        XCTAssertEqual(rules.policy(for: failure(.status(500), provider: "other")), RetryPolicy(maxAttempts: 4, baseDelay: 0.1, maxDelay: 60))
        XCTAssertEqual(rules.policy(for: failure(.timeout, provider: "other")), RetryPolicy(maxAttempts: 5, baseDelay: 0.5, maxDelay: 8))
    }

    func testABrokenConnectionBlockIsAConfigError() {
        XCTAssertThrowsError(try config("retry: {connection: {base_delay_ms: 900, max_delay_ms: 100}}\n")) { error in
            XCTAssertTrue("\(error)".contains("max_delay_ms (100) is shorter than base_delay_ms (900)"), "\(error)")
        }
        XCTAssertThrowsError(try config("retry: {connection: {attempts: 3}}\n"))
    }
}
