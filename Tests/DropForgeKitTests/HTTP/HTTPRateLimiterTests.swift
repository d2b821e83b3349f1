import Foundation
import XCTest

@testable import DropForgeKit
import FakeServers
@testable import DropForgeHTTP

final class HTTPRateLimiterTests: XCTestCase {
    /// Virtual time: `sleep` moves the clock forward instead of waiting, and records each wait.
    // @unchecked Sendable: `time` and `recordedSleeps` are guarded by `lock`.
    private final class VirtualClock: @unchecked Sendable {
        private let lock = NSLock()
        private var time: TimeInterval = 1000
        private var recordedSleeps: [TimeInterval] = []

        var now: TimeInterval { lock.withLock { time } }
        var sleeps: [TimeInterval] { lock.withLock { recordedSleeps } }

        func sleep(_ seconds: TimeInterval) {
            lock.withLock {
                recordedSleeps.append(seconds)
                time += seconds
            }
        }

        func advance(_ seconds: TimeInterval) { lock.withLock { time += seconds } }
    }

    private func observedConcurrency(limit: Int, requests: Int, server: FakeHTTPServer) throws -> Int {
        let limiter = HTTPRateLimiter(concurrency: limit)
        let counter = InFlightGauge()
        let client = HTTPClient()
        let url = server.url("/generate")
        // One thread per request, as stage workers call it.
        let workers = (0..<requests).map { _ in
            OnThread {
                try limiter.withPermit {
                    counter.enter()
                    defer { counter.leave() }
                    _ = try client.send(HTTPRequest(url: url))
                }
            }
        }
        for worker in workers { try XCTUnwrap(worker.result()).get() }
        return counter.most
    }

    func testConcurrencyOneSerialisesRequests() throws {
        let server = try FakeHTTPServer { _ in .delayed(0.03, .text("ok")) }
        defer { server.stop() }
        let serial = try observedConcurrency(limit: 1, requests: 4, server: server)
        XCTAssertEqual(serial, 1)
        let parallel = try observedConcurrency(limit: 3, requests: 6, server: server)
        XCTAssertGreaterThan(parallel, 1, "the counter can see overlap when the limit allows it")
        XCTAssertLessThanOrEqual(parallel, 3)
        XCTAssertEqual(server.requests.count, 10)
    }

    func testRequestsPerMinuteSlidingWindow() throws {
        let clock = VirtualClock()
        let limiter = HTTPRateLimiter(
            concurrency: 4, requestsPerMinute: 2, now: { clock.now }, sleep: { seconds, _ in clock.sleep(seconds) })
        var starts: [TimeInterval] = []
        for _ in 0..<5 {
            try limiter.withPermit { starts.append(clock.now) }
        }
        // Two per 60 s window: 0, 0, then wait a minute, 60, 60, then 120.
        XCTAssertEqual(starts.map { $0 - 1000 }, [0, 0, 60, 60, 120])
        XCTAssertEqual(clock.sleeps, [60, 60])

        // After an idle stretch the window has emptied: no wait.
        clock.advance(300)
        try limiter.withPermit {}
        XCTAssertEqual(clock.sleeps.count, 2)
    }

    func testWindowCountsStartsNotCompletions() throws {
        let clock = VirtualClock()
        let limiter = HTTPRateLimiter(requestsPerMinute: 3, now: { clock.now }, sleep: { seconds, _ in clock.sleep(seconds) })
        try limiter.withPermit { clock.advance(10) }  // start 0
        try limiter.withPermit { clock.advance(10) }  // start 10
        try limiter.withPermit { clock.advance(10) }  // start 20
        try limiter.withPermit {}  // window [0,60) is full: waits until 60
        XCTAssertEqual(clock.sleeps, [30])
    }

    func testUnlimitedRateNeverSleeps() throws {
        let clock = VirtualClock()
        let limiter = HTTPRateLimiter(concurrency: 2, requestsPerMinute: nil, now: { clock.now }, sleep: { seconds, _ in clock.sleep(seconds) })
        for _ in 0..<50 { try limiter.withPermit {} }
        XCTAssertTrue(clock.sleeps.isEmpty)
    }

    func testCancellationWhileWaitingForAPermit() throws {
        let limiter = HTTPRateLimiter(concurrency: 1)
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = OnThread {
            try limiter.withPermit {
                holding.signal()
                release.wait()
            }
        }
        XCTAssertEqual(holding.wait(timeout: .now() + 1), .success, "first caller holds the permit")

        let cancellation = HTTPCancellation()
        let waiter = OnThread { try limiter.withPermit(cancellation: cancellation) { "got it" } }
        Thread.sleep(forTimeInterval: 0.05)
        let cancelledAt = Date()
        cancellation.cancel()
        XCTAssertThrowsError(try XCTUnwrap(waiter.result()).get(), "expected CancellationError") { error in
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(cancelledAt), 0.5)

        // The cancelled waiter took nothing: once the holder finishes, the next caller gets in.
        release.signal()
        try XCTUnwrap(holder.result()).get()
        let next = try limiter.withPermit { "next" }
        XCTAssertEqual(next, "next")
    }

    func testCancellationWhileWaitingForTheRateWindow() throws {
        // Real clock, tiny window: the second call must wait ~10 s, and cancelling it ends the wait.
        let limiter = HTTPRateLimiter(concurrency: 1, requestsPerMinute: 1, window: 10)
        try limiter.withPermit {}
        let cancellation = HTTPCancellation()
        let waiter = OnThread { try limiter.withPermit(cancellation: cancellation) { 1 } }
        Thread.sleep(forTimeInterval: 0.05)
        let cancelledAt = Date()
        cancellation.cancel()
        XCTAssertThrowsError(try XCTUnwrap(waiter.result()).get(), "expected CancellationError") { error in
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(cancelledAt), 0.5)
    }

    func testLoadTellsInFlightWaitingAndStartsInTheWindow() throws {
        let clock = VirtualClock()
        let limiter = HTTPRateLimiter(concurrency: 1, requestsPerMinute: 10, now: { clock.now }, sleep: { seconds, _ in clock.sleep(seconds) })
        XCTAssertEqual(limiter.load, HTTPRateLimiter.Load(inFlight: 0, waiting: 0, startedInWindow: 0))
        let inside = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let holder = OnThread { try limiter.withPermit { inside.signal(); release.wait() } }
        inside.wait()
        let waiter = OnThread { try limiter.withPermit {} }
        let deadline = Date().addingTimeInterval(5)
        while limiter.load.waiting == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        XCTAssertEqual(limiter.load, HTTPRateLimiter.Load(inFlight: 1, waiting: 1, startedInWindow: 1))
        release.signal()
        try XCTUnwrap(holder.result()).get()
        try XCTUnwrap(waiter.result()).get()
        XCTAssertEqual(limiter.load, HTTPRateLimiter.Load(inFlight: 0, waiting: 0, startedInWindow: 2))
        clock.advance(61)
        XCTAssertEqual(limiter.load.startedInWindow, 0, "starts older than the window are not counted")
        XCTAssertNil(HTTPRateLimiter(concurrency: 2).load.startedInWindow, "without a rate, starts are not kept")
    }
}

/// Runs `body` on a thread of its own, as a stage worker would, and lets the test wait for its outcome.
private final class OnThread<T: Sendable>: Sendable {
    private let outcome = Locked<Result<T, Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () throws -> T) {
        Thread.detachNewThread { [outcome, done] in
            outcome.set(Result { try body() })
            done.signal()
        }
    }

    /// The outcome, or nil when the thread has not finished within `timeout` seconds.
    func result(timeout: TimeInterval = 5) -> Result<T, Error>? {
        done.wait(timeout: .now() + timeout) == .success ? outcome.value : nil
    }
}
