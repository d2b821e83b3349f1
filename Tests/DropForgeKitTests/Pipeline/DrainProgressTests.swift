import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore
@testable import DropForgeStore

final class DrainProgressTests: XCTestCase {
    func testTheBarShowsItemsJobsRateAndTimeLeft() {
        let progress = DrainProgress(jobs: 5, jobsFinished: 3, items: 40, itemsDone: 12, elapsed: 4)
        XCTAssertEqual(progress.rate, 3)
        XCTAssertEqual(progress.remaining, 28.0 / 3)
        XCTAssertEqual(progress.bar(width: 10), "[###-------] 12/40 items  3/5 jobs  3.0 items/s  10 s left")
    }

    func testNoRateYetAndFinishedShowNoTimeLeft() {
        XCTAssertEqual(DrainProgress(jobs: 2, jobsFinished: 0, items: 0, itemsDone: 0).bar(width: 4),
                       "[----] 0/0 items  0/2 jobs  0.0 items/s")
        XCTAssertEqual(DrainProgress(jobs: 1, jobsFinished: 1, items: 2, itemsDone: 2, elapsed: 1).bar(width: 4),
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
