import FakeServers
import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeHTTP

/// The per-step cancel switch, and a provider call on the step's thread aborted in flight with it.
final class StepCancellationTests: XCTestCase {
    func testHandlersRunOnceAndLateOnesRunAtOnce() {
        let token = StepCancellation()
        let counter = Counter()
        let key = token.onCancel { counter.add() }
        token.onCancel { counter.add() }
        let removed = token.onCancel { counter.add(100) }
        token.removeHandler(removed)
        XCTAssertNotNil(key)
        token.cancel()
        token.cancel()
        XCTAssertEqual(counter.value, 2)
        XCTAssertNil(token.onCancel { counter.add() }, "already cancelled: runs at once")
        XCTAssertEqual(counter.value, 3)
    }

    func testTheTokenIsCurrentOnlyInsideItsScopeOnThisThread() {
        let token = StepCancellation()
        XCTAssertNil(StepCancellation.current)
        StepCancellation.with(token) {
            XCTAssertTrue(StepCancellation.current === token)
        }
        XCTAssertNil(StepCancellation.current)
    }

    func testCancellingTheStepAbortsABlockingHTTPCallWithinASecond() throws {
        let server = try FakeHTTPServer { _ in
            .trickle(status: 200, headers: [], body: Data(repeating: 0x61, count: 4000), chunkSize: 1, interval: 0.05,
                     announceLength: true)
        }
        defer { server.stop() }
        let endpoint = ProviderTestSupport.endpoint(server, type: .a1111, totalTimeout: 60)
        let token = StepCancellation()
        let url = server.url("/slow")
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { token.cancel() }
        let started = Date()
        XCTAssertThrowsError(try StepCancellation.with(token) {
            try endpoint.sendKeepingHTTPError(HTTPRequest(url: url)).get()
        }) { error in
            XCTAssertEqual((error as? HTTPError)?.kind, .cancelled, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.3, "aborted well before the body could finish (200 s)")
        XCTAssertTrue(server.waitForExchanges(1, timeout: 2).first?.clientHungUp ?? false)
    }

    func testACallStartedAfterTheCancelDoesNotRun() throws {
        let ran = Counter()
        let server = try FakeHTTPServer { _ in ran.add(); return .text("ok") }
        defer { server.stop() }
        let endpoint = ProviderTestSupport.endpoint(server, type: .a1111)
        let token = StepCancellation()
        token.cancel()
        XCTAssertThrowsError(try StepCancellation.with(token) { try endpoint.send(HTTPRequest(url: server.url("/"))) })
        XCTAssertEqual(ran.value, 0)
    }
}

private final class Counter: Sendable {
    private let count = Locked(0)
    var value: Int { count.value }
    func add(_ amount: Int = 1) { count.modify { $0 += amount } }
}
