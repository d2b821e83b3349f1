import Foundation
import XCTest
@testable import DropForgeKit

final class PollingWatcherTests: XCTestCase {
    func testStartupThenTimerTicks() throws {
        let inbox = try intakeTemporaryFolder(self)
        let watcher = PollingWatcher(inbox: inbox, pollInterval: 50)
        let recorder = InboxEventRecorder(watcher)
        let started = Date()
        try watcher.start()
        defer { watcher.stop() }
        XCTAssertTrue(recorder.wait(timeout: 2) { $0.count >= 4 })
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.14)  // 3 ticks of 50 ms
        let events = recorder.events
        XCTAssertEqual(events.first, .rescan(.startup))
        XCTAssertEqual(Set(events.dropFirst()), [.rescan(.timer)])
    }

    func testNoInotifyEvents() throws {
        let inbox = try intakeTemporaryFolder(self)
        let watcher = PollingWatcher(inbox: inbox, pollInterval: 10_000)
        let recorder = InboxEventRecorder(watcher)
        try watcher.start()
        defer { watcher.stop() }
        try intakeWriteFile(inbox.appendingPathComponent("cats.yaml"))
        usleep(200_000)
        XCTAssertEqual(recorder.events, [.rescan(.startup)])
    }

    func testStopIsPromptAndFinishesStream() throws {
        let inbox = try intakeTemporaryFolder(self)
        let before = intakeOpenDescriptorCount()
        let watcher = PollingWatcher(inbox: inbox, pollInterval: 60_000)
        let recorder = InboxEventRecorder(watcher)
        try watcher.start()
        XCTAssertTrue(recorder.wait(for: .rescan(.startup)))
        let started = Date()
        watcher.stop()
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.5)
        XCTAssertTrue(recorder.waitUntilFinished())
        XCTAssertEqual(intakeOpenDescriptorCount(), before)
    }
}
