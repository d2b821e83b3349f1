import Foundation
import XCTest
@testable import DropForgeKit

/// Real inotify on temporary folders.
final class InotifyWatcherTests: XCTestCase {
    private func startWatcher(_ inbox: URL, rescanInterval: TimeInterval = 30) throws -> (InotifyWatcher, InboxEventRecorder) {
        let watcher = InotifyWatcher(inbox: inbox, rescanInterval: rescanInterval)
        let recorder = InboxEventRecorder(watcher)
        try watcher.start()
        addTeardownBlock { watcher.stop() }
        XCTAssertTrue(recorder.wait(for: .rescan(.startup)))
        return (watcher, recorder)
    }

    func testStartupRescanComesFirst() throws {
        let inbox = try intakeTemporaryFolder(self)
        let (_, recorder) = try startWatcher(inbox)
        XCTAssertEqual(recorder.events.first, .rescan(.startup))
    }

    func testRenameIntoInboxArrives() throws {
        let inbox = try intakeTemporaryFolder(self)
        let staging = inbox.appendingPathComponent(".tmp")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try intakeWriteFile(staging.appendingPathComponent("cats.yaml"))
        let (_, recorder) = try startWatcher(inbox)

        let started = Date()
        XCTAssertEqual(rename(staging.appendingPathComponent("cats.yaml").path,
                              inbox.appendingPathComponent("cats.yaml").path), 0)
        XCTAssertTrue(recorder.wait(for: .arrived("cats.yaml"), timeout: 1))
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
        XCTAssertEqual(recorder.events, [.rescan(.startup), .arrived("cats.yaml")])
    }

    func testWriteAndCloseIsWritten() throws {
        let inbox = try intakeTemporaryFolder(self)
        let (_, recorder) = try startWatcher(inbox)
        try intakeWriteFile(inbox.appendingPathComponent("Dogs.JSON"), #"{"version": 1}"#)
        XCTAssertTrue(recorder.wait(for: .written("Dogs.JSON")))
        XCTAssertEqual(recorder.events, [.rescan(.startup), .written("Dogs.JSON")])
    }

    func testIgnoredNamesAndSubdirectoriesGiveNothing() throws {
        let inbox = try intakeTemporaryFolder(self)
        let staging = inbox.appendingPathComponent(".tmp")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let (_, recorder) = try startWatcher(inbox)

        try intakeWriteFile(inbox.appendingPathComponent(".hidden.yaml"))
        try intakeWriteFile(inbox.appendingPathComponent("cats.yaml.tmp"))
        try intakeWriteFile(inbox.appendingPathComponent("cats.json.part"))
        try intakeWriteFile(inbox.appendingPathComponent("cats.yaml~"))
        try intakeWriteFile(inbox.appendingPathComponent("notes.txt"))
        try intakeWriteFile(staging.appendingPathComponent("inside.yaml"))          // in .tmp/: not watched
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("folder.json"),
                                                withIntermediateDirectories: false)
        XCTAssertEqual(rename(inbox.appendingPathComponent("cats.yaml.tmp").path,
                              inbox.appendingPathComponent(".cats.yaml").path), 0)
        // Events are queued in order, so once this sentinel arrives anything raised by the
        // writes above would already have been delivered.
        try intakeWriteFile(staging.appendingPathComponent("sentinel.yml"))
        XCTAssertEqual(rename(staging.appendingPathComponent("sentinel.yml").path,
                              inbox.appendingPathComponent("sentinel.yml").path), 0)
        XCTAssertTrue(recorder.wait(for: .arrived("sentinel.yml")))
        XCTAssertEqual(recorder.events, [.rescan(.startup), .arrived("sentinel.yml")])
    }

    func testTimerRescans() throws {
        let inbox = try intakeTemporaryFolder(self)
        let (_, recorder) = try startWatcher(inbox, rescanInterval: 0.1)
        XCTAssertTrue(recorder.wait(timeout: 2) { $0.filter { $0 == .rescan(.timer) }.count >= 3 })
    }

    func testStopIsPromptFinishesStreamAndLeaksNoDescriptor() throws {
        let inbox = try intakeTemporaryFolder(self)
        let before = intakeOpenDescriptorCount()
        let watcher = InotifyWatcher(inbox: inbox, rescanInterval: 30)
        let recorder = InboxEventRecorder(watcher)
        try watcher.start()
        XCTAssertTrue(recorder.wait(for: .rescan(.startup)))
        XCTAssertGreaterThanOrEqual(intakeOpenDescriptorCount(), before + 3)   // inotify fd + the self-pipe
        let started = Date()
        watcher.stop()
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.5)
        XCTAssertTrue(recorder.waitUntilFinished(timeout: 1))
        XCTAssertEqual(intakeOpenDescriptorCount(), before)
        watcher.stop()                 // idempotent
        try watcher.start()            // no restart after stop
        XCTAssertEqual(intakeOpenDescriptorCount(), before)
    }

    func testStopBeforeStartFinishesStream() {
        let watcher = InotifyWatcher(inbox: URL(fileURLWithPath: "/nonexistent"))
        let recorder = InboxEventRecorder(watcher)
        watcher.stop()
        XCTAssertTrue(recorder.waitUntilFinished())
        XCTAssertEqual(recorder.events, [])
    }

    func testMissingFolderThrowsNamedError() {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-missing-\(UUID())")
        let before = intakeOpenDescriptorCount()
        let watcher = InotifyWatcher(inbox: missing)
        XCTAssertThrowsError(try watcher.start()) { error in
            guard let error = error as? IntakeError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.folder, missing.path)
            XCTAssertEqual(error.operation, "inotify_add_watch")
            XCTAssertEqual(error.code, ENOENT)
            XCTAssertTrue(error.description.contains(missing.path), error.description)
            XCTAssertTrue(error.description.contains("No such file or directory"), error.description)
        }
        XCTAssertEqual(intakeOpenDescriptorCount(), before)
    }

    func testFileInsteadOfFolderThrows() throws {
        let inbox = try intakeTemporaryFolder(self)
        let file = inbox.appendingPathComponent("plain.txt")
        try intakeWriteFile(file)
        XCTAssertThrowsError(try InotifyWatcher(inbox: file).start()) { error in
            XCTAssertEqual((error as? IntakeError)?.code, ENOTDIR)
        }
    }

    func testDeletedFolderKeepsTimerAndRecoversWhenRecreated() throws {
        let inbox = try intakeTemporaryFolder(self)
        let (_, recorder) = try startWatcher(inbox, rescanInterval: 0.1)
        try FileManager.default.removeItem(at: inbox)
        let timersNow = recorder.events.filter { $0 == .rescan(.timer) }.count
        XCTAssertTrue(recorder.wait(timeout: 2) { $0.filter { $0 == .rescan(.timer) }.count >= timersNow + 3 })

        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let timersAfterCreate = recorder.events.filter { $0 == .rescan(.timer) }.count
        // The next tick re-watches the folder.
        XCTAssertTrue(recorder.wait(timeout: 2) { $0.filter { $0 == .rescan(.timer) }.count >= timersAfterCreate + 2 })
        try intakeWriteFile(inbox.appendingPathComponent("back.yaml"))
        XCTAssertTrue(recorder.wait(for: .written("back.yaml")))
    }

    func testConsumerThatStopsReadingThenStopIsClean() throws {
        let inbox = try intakeTemporaryFolder(self)
        let watcher = InotifyWatcher(inbox: inbox, rescanInterval: 30)
        let done = expectation(description: "consumer ended")
        // The consumer takes the start-up rescan and walks away; later events pile up unread.
        Thread.detachNewThread {
            _ = watcher.next()
            done.fulfill()
        }
        try watcher.start()
        usleep(50_000)
        try intakeWriteFile(inbox.appendingPathComponent("unread.yaml"))
        wait(for: [done], timeout: 1)
        watcher.stop()
    }
}
