import Foundation
import XCTest

@testable import DropForgeKit
import FakeServers
@testable import DropForgeHTTP

final class HTTPRateLimiterTests: XCTestCase {
    /// Virtual time: `sleep` moves the clock forward instead of waiting, and records each wait.
    private final class VirtualClock: @unchecked Sendable {
        private let lock = NSLock()
        private var time: TimeInterval = 1000
        private var recordedSleeps: [TimeInterval] = []

        var now: TimeInterval { lock.withLock { time } }
        var sleeps: [TimeInterval] { lock.withLock { recordedSleeps } }

        func sleep(_ seconds: TimeInterval) async throws {
            try Task.checkCancellation()
            lock.withLock {
                recordedSleeps.append(seconds)
                time += seconds
            }
        }

        func advance(_ seconds: TimeInterval) { lock.withLock { time += seconds } }
    }

    /// Counts requests in flight and remembers the highest count seen.
    private final class InFlightCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var current = 0
        private var highest = 0

        var maximum: Int { lock.withLock { highest } }
        func enter() { lock.withLock { current += 1; highest = max(highest, current) } }
        func leave() { lock.withLock { current -= 1 } }
    }

    private func observedConcurrency(limit: Int, requests: Int, server: FakeHTTPServer) async throws -> Int {
        let limiter = HTTPRateLimiter(concurrency: limit)
        let counter = InFlightCounter()
        let client = HTTPClient()
        let url = server.url("/generate")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<requests {
                group.addTask {
                    try await limiter.withPermit {
                        counter.enter()
                        defer { counter.leave() }
                        _ = try await client.send(HTTPRequest(url: url))
                    }
                }
            }
            try await group.waitForAll()
        }
        return counter.maximum
    }

    func testConcurrencyOneSerialisesRequests() async throws {
        let server = try FakeHTTPServer { _ in .delayed(0.03, .text("ok")) }
        defer { server.stop() }
        let serial = try await observedConcurrency(limit: 1, requests: 4, server: server)
        XCTAssertEqual(serial, 1)
        let parallel = try await observedConcurrency(limit: 3, requests: 6, server: server)
        XCTAssertGreaterThan(parallel, 1, "the counter can see overlap when the limit allows it")
        XCTAssertLessThanOrEqual(parallel, 3)
        XCTAssertEqual(server.requests.count, 10)
    }

    func testRequestsPerMinuteSlidingWindow() async throws {
        let clock = VirtualClock()
        let limiter = HTTPRateLimiter(
            concurrency: 4, requestsPerMinute: 2, now: { clock.now }, sleep: { try await clock.sleep($0) })
        var starts: [TimeInterval] = []
        for _ in 0..<5 {
            try await limiter.withPermit { starts.append(clock.now) }
        }
        // Two per 60 s window: 0, 0, then wait a minute, 60, 60, then 120.
        XCTAssertEqual(starts.map { $0 - 1000 }, [0, 0, 60, 60, 120])
        XCTAssertEqual(clock.sleeps, [60, 60])

        // After an idle stretch the window has emptied: no wait.
        clock.advance(300)
        try await limiter.withPermit {}
        XCTAssertEqual(clock.sleeps.count, 2)
    }

    func testWindowCountsStartsNotCompletions() async throws {
        let clock = VirtualClock()
        let limiter = HTTPRateLimiter(requestsPerMinute: 3, now: { clock.now }, sleep: { try await clock.sleep($0) })
        try await limiter.withPermit { clock.advance(10) }  // start 0
        try await limiter.withPermit { clock.advance(10) }  // start 10
        try await limiter.withPermit { clock.advance(10) }  // start 20
        try await limiter.withPermit {}  // window [0,60) is full: waits until 60
        XCTAssertEqual(clock.sleeps, [30])
    }

    func testUnlimitedRateNeverSleeps() async throws {
        let clock = VirtualClock()
        let limiter = HTTPRateLimiter(concurrency: 2, requestsPerMinute: nil, now: { clock.now }, sleep: { try await clock.sleep($0) })
        for _ in 0..<50 { try await limiter.withPermit {} }
        XCTAssertTrue(clock.sleeps.isEmpty)
    }

    func testCancellationWhileWaitingForAPermit() async throws {
        let limiter = HTTPRateLimiter(concurrency: 1)
        let holding = expectation(description: "first caller holds the permit")
        let release = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await limiter.withPermit {
                holding.fulfill()
                for await _ in release.stream { break }
            }
        }
        await fulfillment(of: [holding], timeout: 1)

        let waiter = Task { try await limiter.withPermit { "got it" } }
        try await Task.sleep(nanoseconds: 50_000_000)
        let cancelledAt = Date()
        waiter.cancel()
        do {
            _ = try await waiter.value
            XCTFail("expected CancellationError")
        } catch is CancellationError {}
        XCTAssertLessThan(Date().timeIntervalSince(cancelledAt), 0.5)

        // The cancelled waiter took nothing: once the holder finishes, the next caller gets in.
        release.continuation.yield()
        try await holder.value
        let next = try await limiter.withPermit { "next" }
        XCTAssertEqual(next, "next")
    }

    func testCancellationWhileWaitingForTheRateWindow() async throws {
        // Real clock, tiny window: the second call must wait ~10 s, and cancelling it ends the wait.
        let limiter = HTTPRateLimiter(concurrency: 1, requestsPerMinute: 1, window: 10)
        try await limiter.withPermit {}
        let waiter = Task { try await limiter.withPermit { 1 } }
        try await Task.sleep(nanoseconds: 50_000_000)
        let cancelledAt = Date()
        waiter.cancel()
        do {
            _ = try await waiter.value
            XCTFail("expected CancellationError")
        } catch is CancellationError {}
        XCTAssertLessThan(Date().timeIntervalSince(cancelledAt), 0.5)
    }
}
