import XCTest
@testable import DropForgeKit

final class SettleTrackerTests: XCTestCase {
    private let t0 = 1_800_000_000.0

    private func file(_ size: Int64, _ modified: Double, _ name: String = "a.yaml") -> InboxFile {
        InboxFile(name: name, size: size, modified: modified)
    }

    func testGrowingFileNeverSettles() {
        var tracker = SettleTracker(settle: 2)
        for step in 0 ..< 20 {
            let now = t0 + Double(step) * 0.5
            XCTAssertFalse(tracker.observe(file(Int64(100 * step), now), now: now), "step \(step)")
        }
        XCTAssertEqual(tracker.waiting, 1)
    }

    func testStableFileSettlesAfterInterval() {
        var tracker = SettleTracker(settle: 2)
        let f = file(10, t0)
        XCTAssertFalse(tracker.observe(f, now: t0 + 0.1))
        XCTAssertEqual(tracker.nextCheck(now: t0 + 0.1), t0 + 2)     // mtime + settle comes first here
        XCTAssertFalse(tracker.observe(f, now: t0 + 1.9))
        XCTAssertTrue(tracker.observe(f, now: t0 + 2.1))
        XCTAssertEqual(tracker.waiting, 0)
        XCTAssertNil(tracker.nextCheck(now: t0 + 3))
    }

    func testStableFileWithFutureMtimeSettlesOnFirstSeenClock() {
        // A network share's clock may run ahead: mtime in the future must not block forever.
        var tracker = SettleTracker(settle: 2)
        let f = file(10, t0 + 100)
        XCTAssertFalse(tracker.observe(f, now: t0))
        XCTAssertEqual(tracker.nextCheck(now: t0), t0 + 2)
        XCTAssertFalse(tracker.observe(f, now: t0 + 1.99))
        XCTAssertTrue(tracker.observe(f, now: t0 + 2))
    }

    func testOldFileSettlesAtOnce() {
        var tracker = SettleTracker(settle: 2)
        XCTAssertTrue(tracker.observe(file(10, t0 - 60), now: t0))
        XCTAssertTrue(tracker.observe(file(10, t0 - 2, "b.yaml"), now: t0))
        XCTAssertEqual(tracker.waiting, 0)
    }

    func testChangeRestartsTheClock() {
        var tracker = SettleTracker(settle: 2)
        XCTAssertFalse(tracker.observe(file(10, t0 + 5), now: t0))         // seen at t0 (clock skew: mtime ahead)
        XCTAssertFalse(tracker.observe(file(20, t0 + 5), now: t0 + 1.5))   // size changed: restart at t0+1.5
        XCTAssertFalse(tracker.observe(file(20, t0 + 5), now: t0 + 3))     // would have settled without the change
        XCTAssertEqual(tracker.nextCheck(now: t0 + 3), t0 + 3.5)
        XCTAssertFalse(tracker.observe(file(20, t0 + 6), now: t0 + 3.5))   // mtime changed: restart at t0+3.5
        XCTAssertFalse(tracker.observe(file(20, t0 + 6), now: t0 + 5.25))
        XCTAssertTrue(tracker.observe(file(20, t0 + 6), now: t0 + 5.5))
    }

    func testChangedOldFileStillWaits() {
        // A change seen while tracking restarts the clock even if the new mtime is old
        // (e.g. `cp -p` or `touch -d` after writing).
        var tracker = SettleTracker(settle: 2)
        XCTAssertFalse(tracker.observe(file(10, t0), now: t0))
        XCTAssertFalse(tracker.observe(file(30, t0 - 100), now: t0 + 1))
        XCTAssertTrue(tracker.observe(file(30, t0 - 100), now: t0 + 1.1))    // unchanged and old: take it
    }

    func testForgetAndNextCheck() {
        var tracker = SettleTracker(settle: 1)
        XCTAssertNil(tracker.nextCheck(now: t0))
        XCTAssertFalse(tracker.observe(file(1, t0, "a.yaml"), now: t0))
        XCTAssertFalse(tracker.observe(file(1, t0 + 0.5, "b.yaml"), now: t0 + 0.5))
        XCTAssertFalse(tracker.observe(file(1, t0 + 0.7, "c.yaml"), now: t0 + 0.7))
        XCTAssertEqual(tracker.waiting, 3)
        XCTAssertEqual(tracker.nextCheck(now: t0 + 0.7), t0 + 1)
        XCTAssertEqual(tracker.nextCheck(now: t0 + 5), t0 + 5)              // never in the past
        tracker.forget("a.yaml")
        XCTAssertEqual(tracker.nextCheck(now: t0 + 0.7) ?? 0, t0 + 1.5, accuracy: 1e-9)
        tracker.forgetAll(except: ["c.yaml", "zzz.yaml"])
        XCTAssertEqual(tracker.waiting, 1)
        XCTAssertEqual(tracker.waitingNames, ["c.yaml"])
        // Forgotten files start over.
        XCTAssertFalse(tracker.observe(file(1, t0 + 0.5, "b.yaml"), now: t0 + 1.4))
    }

    func testZeroSettleTakesAtOnce() {
        var tracker = SettleTracker(settle: 0)
        XCTAssertTrue(tracker.observe(file(1, t0 + 10), now: t0 + 10))
        XCTAssertTrue(tracker.observe(file(1, t0 + 99, "future.yaml"), now: t0))
        XCTAssertEqual(tracker.waiting, 0)
    }

    func testAPostponedFileWaitsAtLeastTheSettleTimeEvenWhenOld() {
        // Found open for writing: an old mtime (a paused writer) must not make it settle at once.
        var tracker = SettleTracker(settle: 2)
        let old = file(10, t0 - 60)
        tracker.postpone(old, now: t0)
        XCTAssertEqual(tracker.waiting, 1)
        XCTAssertEqual(tracker.nextCheck(now: t0), t0 + 2)
        XCTAssertFalse(tracker.observe(old, now: t0 + 1.9))
        XCTAssertTrue(tracker.observe(old, now: t0 + 2))

        var eager = SettleTracker(settle: 0)  // settling off: still not looked at again in a busy loop
        eager.postpone(old, now: t0)
        XCTAssertEqual(eager.nextCheck(now: t0), t0 + SettleTracker.busyRecheck)
        XCTAssertFalse(eager.observe(old, now: t0 + 0.1))
        XCTAssertTrue(eager.observe(old, now: t0 + SettleTracker.busyRecheck))
    }
}
