import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore
@testable import DropForgeStore

final class DrainProgressTests: XCTestCase {
    func testTheBarShowsItemsJobsRateAndTimeLeft() {
        // Two item-stages an item: 30 of 80 done in 4 s is 3.75 items/s, 50 left at 7.5 a second.
        let progress = DrainProgress(jobs: 5, jobsFinished: 3, items: 40, itemsDone: 12, work: 80, workDone: 30, elapsed: 4)
        XCTAssertEqual(progress.rate, 3.75)
        XCTAssertEqual(progress.remaining, 50.0 / 7.5)
        XCTAssertEqual(progress.bar(width: 10), "[###-------] 12/40 items  3/5 jobs  3.8 items/s  7 s left")
    }

    /// Issue 17: items that have finished generating count although none is done, and a long
    /// export is still time left once every item is.
    func testGenerationMovesTheRateAndExportIsTimeLeft() {
        let generating = DrainProgress(jobs: 1, jobsFinished: 0, items: 100, itemsDone: 0, work: 401, workDone: 51, elapsed: 10)
        XCTAssertEqual(generating.rate, 51.0 / 4.01 / 10, accuracy: 1e-9)
        XCTAssertTrue(generating.bar().contains("1.3 items/s"), generating.bar())
        let exporting = DrainProgress(jobs: 1, jobsFinished: 0, items: 100, itemsDone: 100, work: 401, workDone: 301, elapsed: 30)
        XCTAssertEqual(exporting.remaining ?? 0, 100 / (301.0 / 30), accuracy: 1e-9)
        XCTAssertTrue(exporting.bar().hasSuffix("10 s left"), exporting.bar())
    }

    func testNoRateYetAndFinishedShowNoTimeLeft() {
        XCTAssertEqual(DrainProgress(jobs: 2, jobsFinished: 0, items: 0, itemsDone: 0).bar(width: 4),
                       "[----] 0/0 items  0/2 jobs  0.0 items/s")
        XCTAssertEqual(DrainProgress(jobs: 1, jobsFinished: 1, items: 2, itemsDone: 2, work: 6, workDone: 6, elapsed: 1).bar(width: 4),
                       "[####] 2/2 items  1/1 jobs  2.0 items/s")
    }

    func testDurationsReadNaturally() {
        XCTAssertEqual(DrainProgress.duration(0.2), "1 s")
        XCTAssertEqual(DrainProgress.duration(125), "2 min 5 s")
        XCTAssertEqual(DrainProgress.duration(7260), "2 h 1 min")
    }

    func testSinceAcceptsDurationsDaysAndTimes() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        XCTAssertEqual(Timestamp.since("90s", now: now), now.addingTimeInterval(-90))
        XCTAssertEqual(Timestamp.since("2h", now: now), now.addingTimeInterval(-7200))
        XCTAssertEqual(Timestamp.since("7d", now: now), now.addingTimeInterval(-7 * 86400))
        XCTAssertEqual(Timestamp.since("2026-11-21", now: now), Timestamp.parse("2026-11-21T00:00:00Z"))
        XCTAssertEqual(Timestamp.since("2026-11-21T10:30:00.250Z", now: now), Timestamp.parse("2026-11-21T10:30:00.250Z"))
        XCTAssertNil(Timestamp.since("yesterday", now: now))
        XCTAssertNil(Timestamp.since("-3h", now: now))
    }

    func testTimestampsRoundTripToTheMillisecond() {
        for seconds in [1_800_000_000.8095, 1_800_000_000.0004, 1_800_000_000.9996, 0.001] {
            let text = Timestamp.iso8601(Date(timeIntervalSince1970: seconds))
            XCTAssertEqual(Timestamp.iso8601(Timestamp.parse(text)!), text)
        }
        XCTAssertEqual(Timestamp.iso8601(Date(timeIntervalSince1970: 1_800_000_000.9996)), "2027-01-15T08:00:01.000Z")
    }
}
