import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia
@testable import DropForgeCore
@testable import DropForgeStore

final class RetryPolicyTests: XCTestCase {
    let transient = StepError.transient(.ioError, "disk busy")

    func testPermanentErrorsAreNeverRetried() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 1, maxDelay: 60)
        var random = SeededRandom(seed: 1)
        for attempt in 0...12 {
            XCTAssertNil(policy.delay(after: attempt, error: .permanent(ErrorCode(rawValue: "bad_request"), "no"), using: &random))
        }
        XCTAssertNil(policy.delay(after: 1, error: .permanent(ErrorCode(rawValue: "bad_request"), "no")))
    }

    func testTransientDelaysGrowExponentiallyWithinTheJitterBounds() throws {
        let policy = RetryPolicy(maxAttempts: 12, baseDelay: 0.5, maxDelay: 10_000)
        for seed in 0..<50 as Range<UInt64> {
            var random = SeededRandom(seed: seed)
            for attempt in 1..<12 {
                let backoff = 0.5 * pow(2, Double(attempt - 1))
                let delay = try XCTUnwrap(policy.delay(after: attempt, error: transient, using: &random))
                XCTAssertGreaterThanOrEqual(delay, backoff / 2, "seed \(seed) attempt \(attempt)")
                XCTAssertLessThanOrEqual(delay, backoff, "seed \(seed) attempt \(attempt)")
            }
        }
    }

    func testTheJitterIsSpreadAndReproducibleWithASeed() throws {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: 1, maxDelay: 60)
        var fractions: [Double] = []
        for seed in 0..<200 as Range<UInt64> {
            var a = SeededRandom(seed: seed)
            var b = SeededRandom(seed: seed)
            let first = try XCTUnwrap(policy.delay(after: 1, error: transient, using: &a))
            XCTAssertEqual(first, policy.delay(after: 1, error: transient, using: &b), "same seed, same delay")
            fractions.append(first)
        }
        XCTAssertLessThan(fractions.min()!, 0.55)
        XCTAssertGreaterThan(fractions.max()!, 0.95)
        XCTAssertGreaterThan(Set(fractions).count, 150, "retries of many items do not line up")
    }

    func testTheDelayIsCappedAtMaxDelay() throws {
        let policy = RetryPolicy(maxAttempts: 100, baseDelay: 1, maxDelay: 5)
        var random = SeededRandom(seed: 9)
        for attempt in [4, 5, 10, 50, 99] {
            let delay = try XCTUnwrap(policy.delay(after: attempt, error: transient, using: &random))
            XCTAssertLessThanOrEqual(delay, 5, "attempt \(attempt)")
            XCTAssertGreaterThanOrEqual(delay, 2.5, "attempt \(attempt): the cap is jittered, not a floor of zero")
        }
    }

    func testRetryAfterIsAFloor() throws {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: 0.01, maxDelay: 60)
        var random = SeededRandom(seed: 3)
        let slow = StepError.transient(.httpStatus(429), "too many requests", retryAfter: 7)
        XCTAssertEqual(try XCTUnwrap(policy.delay(after: 1, error: slow, using: &random)), 7)
        // A Retry-After shorter than the backoff does not shorten it.
        let quick = StepError.transient(.httpStatus(503), "busy", retryAfter: 0.001)
        let delay = try XCTUnwrap(RetryPolicy(maxAttempts: 5, baseDelay: 2, maxDelay: 60)
            .delay(after: 1, error: quick, using: &random))
        XCTAssertGreaterThanOrEqual(delay, 1)
    }

    func testRetriesStopAtMaxAttempts() {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 1)
        var random = SeededRandom(seed: 5)
        XCTAssertNotNil(policy.delay(after: 1, error: transient, using: &random))
        XCTAssertNotNil(policy.delay(after: 2, error: transient, using: &random))
        XCTAssertNil(policy.delay(after: 3, error: transient, using: &random), "the third attempt was the last")
        XCTAssertNil(policy.delay(after: 4, error: transient, using: &random))
        XCTAssertNil(RetryPolicy(maxAttempts: 1).delay(after: 1, error: transient, using: &random),
                     "max_attempts 1 never retries")
    }

    func testTheUnseededOverloadStaysInBounds() throws {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: 0.5, maxDelay: 60)
        for _ in 0..<100 {
            let delay = try XCTUnwrap(policy.delay(after: 2, error: transient))
            XCTAssertTrue((0.5...1.0).contains(delay), "\(delay)")
        }
    }

    func testTheDefaultsMatchTheConfigDefaults() {
        let config = DropforgeConfig()
        XCTAssertEqual(RetryPolicy(), RetryPolicy(maxAttempts: config.retry.maxAttempts,
                                                  baseDelay: TimeInterval(config.retry.baseDelayMs) / 1000,
                                                  maxDelay: TimeInterval(config.retry.maxDelayMs) / 1000))
    }
}

final class StepErrorTests: XCTestCase {
    private enum Unknown: Error { case oops }

    func testOwnErrorsKeepTheirClass() {
        let transient = StepError.classify(StepError.transient(.httpStatus(429), "slow down", retryAfter: 4))
        XCTAssertEqual(transient.code, "http_429")
        XCTAssertEqual(transient.message, "slow down")
        XCTAssertTrue(transient.isTransient)
        XCTAssertEqual(transient.retryAfter, 4)
        XCTAssertEqual(transient.description, "http_429: slow down")

        let permanent = StepError.classify(StepError.permanent(.pngInvalid, "not a PNG"))
        XCTAssertFalse(permanent.isTransient)
        XCTAssertNil(permanent.retryAfter)
    }

    func testAStageFailureIsPermanentWithItsCode() {
        let error = StepError.classify(StageFailure(stage: "generate", code: "provider_unknown", message: "no 'x'"))
        XCTAssertFalse(error.isTransient)
        XCTAssertEqual(error.code, "provider_unknown")
        XCTAssertEqual(error.message, "no 'x'")
    }

    func testFileSystemTroubleIsTransient() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-missing-\(UUID().uuidString)")
        // A POSIX error, as FileSystem throws it.
        XCTAssertThrowsError(try FileSystem.rename(folder.appendingPathComponent("a"), to: folder.appendingPathComponent("b"))) {
            let error = StepError.classify($0)
            XCTAssertTrue(error.isTransient)
            XCTAssertEqual(error.code, "io_error")
            XCTAssertTrue(error.message.contains("cannot rename"), error.message)
        }
        XCTAssertTrue(StepError.classify(NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))).isTransient)
        // A Foundation file error.
        XCTAssertThrowsError(try Data(contentsOf: folder.appendingPathComponent("nothing.png"))) {
            XCTAssertTrue(StepError.classify($0).isTransient, "\($0)")
        }
    }

    func testUnknownErrorsArePermanent() {
        let error = StepError.classify(Unknown.oops)
        XCTAssertFalse(error.isTransient)
        XCTAssertEqual(error.code, "error")
        XCTAssertTrue(error.message.contains("oops"), error.message)
        XCTAssertFalse(StepError.classify(PNGError("bad CRC")).isTransient)
    }
}
