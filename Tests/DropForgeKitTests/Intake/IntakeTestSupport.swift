import Foundation
import XCTest
@testable import DropForgeKit

/// Consumes a watcher's events on a thread of its own (as `Watch` does) and records what
/// arrives, so tests can wait for an event with a deadline and then assert on everything seen
/// before it. The thread ends when the watcher stops.
// @unchecked Sendable: `received` and `finishedFlag` are guarded by `lock`.
final class InboxEventRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [InboxEvent] = []
    private var finishedFlag = false

    init(_ watcher: InboxWatcher) {
        Thread.detachNewThread { [self] in
            while let event = watcher.next() { append(event) }
            markFinished()
        }
    }

    private func markFinished() {
        lock.lock(); finishedFlag = true; lock.unlock()
    }

    private func append(_ event: InboxEvent) {
        lock.lock(); received.append(event); lock.unlock()
    }

    var events: [InboxEvent] { lock.lock(); defer { lock.unlock() }; return received }
    var finished: Bool { lock.lock(); defer { lock.unlock() }; return finishedFlag }

    /// Polls until `condition` holds or `timeout` passes; returns whether it held.
    @discardableResult
    func wait(timeout: TimeInterval = 1, until condition: ([InboxEvent]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(events) { return true }
            usleep(5_000)
        }
        return condition(events)
    }

    @discardableResult
    func wait(for event: InboxEvent, timeout: TimeInterval = 1) -> Bool {
        wait(timeout: timeout) { $0.contains(event) }
    }

    func waitUntilFinished(timeout: TimeInterval = 1) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if finished { return true }
            usleep(5_000)
        }
        return finished
    }
}

/// A fresh temporary folder removed at the end of the test.
func intakeTemporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("dropforge-intake-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Writes `text` with open/write/close, which raises exactly one IN_CLOSE_WRITE.
func intakeWriteFile(_ url: URL, _ text: String = "version: 1\n") throws {
    try Data(text.utf8).write(to: url)  // no .atomic: write in place
}

/// Sets a file's mtime (for settle and ordering tests).
func intakeSetModified(_ url: URL, _ seconds: Double) throws {
    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: seconds)],
                                          ofItemAtPath: url.path)
}

/// Open descriptors of this process, to prove stop() leaks none.
func intakeOpenDescriptorCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
}
