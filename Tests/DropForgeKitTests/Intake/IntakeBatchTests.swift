import Foundation
import Synchronization
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore
@testable import DropForgeStore

/// The real store, counting admission transactions; with `failAfter` batches it fails every
/// later one before it writes, as a process killed between its renames and the batch's commit
/// leaves things: the files claimed into `.processing/`, no job row for them.
final class CountingIntakeStore: IntakeStore {
    let store: SQLiteJobStore
    let failAfter: Int?
    private let sizes = Mutex<[Int]>([])

    init(_ store: SQLiteJobStore, failAfter: Int? = nil) {
        self.store = store
        self.failAfter = failAfter
    }

    /// The size of each admission transaction, in order (failed ones included).
    var batches: [Int] { sizes.withLock { $0 } }

    func job(claimFile: String) throws -> JobRecord? { try store.job(claimFile: claimFile) }

    func admit(_ admissions: [Admission]) throws -> [AdmissionResult] {
        let done = sizes.withLock { sizes in
            sizes.append(admissions.count)
            return sizes.count - 1
        }
        if let failAfter, done >= failAfter { throw CocoaError(.fileWriteUnknown) }
        return try store.admit(admissions)
    }
}

final class IntakeBatchTests: XCTestCase {
    private func dropMany(_ fixture: IntakeClaimFixture, _ count: Int) throws {
        for number in 0..<count {
            try fixture.drop(String(format: "owls-%03d.yaml", number), IntakeClaimFixture.manifest())
        }
    }

    func testABacklogIsAdmittedInBatchesEachJobWithItsEvent() throws {
        let fixture = try IntakeClaimFixture(self)
        let counting = CountingIntakeStore(fixture.store)
        let intake = Intake(layout: fixture.layout, config: fixture.config, store: counting, log: fixture.log)
        let count = 2 * Intake.batchSize + 10
        try dropMany(fixture, count)

        let admitted = intake.scan()
        XCTAssertEqual(admitted.count, count)
        XCTAssertEqual(counting.batches, [1, 2, 4, 8, 16, 32, 64, 11], "the first at once, then doubling up to 64")
        XCTAssertEqual(Intake.batchSize, 64)
        XCTAssertEqual(try fixture.claimed().count, count)
        XCTAssertEqual(try fixture.store.jobs(limit: nil).count, count)
        for jobID in admitted {
            XCTAssertEqual(try fixture.stages(of: jobID), [.parameters])
            XCTAssertEqual(try fixture.store.events(jobID: jobID, after: 0).map(\.event), ["claimed"], jobID)
            // The job log's file line is written after the commit.
            let lines = try String(contentsOf: fixture.layout.log(job: jobID), encoding: .utf8)
                .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            XCTAssertEqual(lines.count, 1, jobID)
            XCTAssertEqual(lines.first??["event"] as? String, "claimed")
        }
        XCTAssertEqual(intake.scan(), [])
    }

    func testAKillBetweenTheRenamesAndTheBatchsCommitLosesNothing() throws {
        let fixture = try IntakeClaimFixture(self)
        // The first batches (1 + 2 + … + 32 files) commit; the process "dies" before the next ones do.
        let dying = CountingIntakeStore(fixture.store, failAfter: 6)
        let first = Intake(layout: fixture.layout, config: fixture.config, store: dying, log: fixture.log)
        let count = 2 * Intake.batchSize + 10
        try dropMany(fixture, count)

        let admitted = first.scan()
        XCTAssertEqual(admitted.count, 63, "only the first six batches committed")
        XCTAssertEqual(try fixture.store.jobs(limit: nil).count, 63)
        XCTAssertEqual(try fixture.claimed().count, count, "every file was claimed by its rename")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: fixture.layout.inbox.path)
                        .filter { !$0.hasPrefix(".") }, [], "none is left in the inbox")

        // The next start adopts the claimed files without a job row, in batches.
        let restarted = CountingIntakeStore(fixture.store)
        let next = Intake(layout: fixture.layout, config: fixture.config, store: restarted, log: fixture.log)
        let adopted = next.adoptOrphans()
        XCTAssertEqual(adopted.count, count - 63)
        XCTAssertEqual(restarted.batches, [1, 2, 4, 8, 16, 32, 12])
        XCTAssertTrue(Set(adopted).isDisjoint(with: admitted))

        // Every file is now exactly one job, with one `claimed` event.
        let jobs = try fixture.store.jobs(limit: nil)
        XCTAssertEqual(jobs.count, count)
        XCTAssertEqual(Set(jobs.map(\.claimFile)), Set(try fixture.claimed()))
        XCTAssertEqual(Set(jobs.map(\.sourceName)).count, count)
        for job in jobs {
            XCTAssertEqual(try fixture.store.events(jobID: job.id, after: 0).map(\.event), ["claimed"], job.id)
        }
        XCTAssertEqual(next.adoptOrphans(), [], "adopted once")
    }

    func testAnAdmissionThatFailsInABatchDoesNotHoldUpTheOthers() throws {
        let fixture = try IntakeClaimFixture(self)
        try fixture.drop("a.yaml", IntakeClaimFixture.manifest())
        try fixture.drop("b.yaml", IntakeClaimFixture.manifest())
        // A store that refuses b's admission: the batch of two fails as a whole, then each
        // admission is tried on its own, so a is admitted and b waits for the next adoption.
        let claims = ["aaaaaa~a.yaml", "bbbbbb~b.yaml"]
        for (claim, name) in zip(claims, ["a.yaml", "b.yaml"]) {
            XCTAssertEqual(rename(fixture.layout.inbox.appendingPathComponent(name).path,
                                  fixture.layout.processing.appendingPathComponent(claim).path), 0)
        }
        let picky = PickyIntakeStore(fixture.store, refusing: "bbbbbb~b.yaml")
        let intake = Intake(layout: fixture.layout, config: fixture.config, store: picky, log: fixture.log)
        XCTAssertEqual(intake.adoptOrphans(), ["a-aaaaaa"])
        XCTAssertEqual(try fixture.store.events(jobID: "intake", after: 0).map(\.event), ["admit_failed"])
        XCTAssertNil(try fixture.store.job(claimFile: "bbbbbb~b.yaml"), "left for the next adoption")
        XCTAssertEqual(fixture.intake.adoptOrphans(), ["b-bbbbbb"])
    }
}

/// The real store, except that any transaction admitting `refusing` fails.
final class PickyIntakeStore: IntakeStore {
    let store: SQLiteJobStore
    let refusing: String

    init(_ store: SQLiteJobStore, refusing: String) {
        self.store = store
        self.refusing = refusing
    }

    func job(claimFile: String) throws -> JobRecord? { try store.job(claimFile: claimFile) }

    func admit(_ admissions: [Admission]) throws -> [AdmissionResult] {
        if admissions.contains(where: { $0.job.claimFile == refusing }) { throw CocoaError(.fileWriteUnknown) }
        return try store.admit(admissions)
    }
}
