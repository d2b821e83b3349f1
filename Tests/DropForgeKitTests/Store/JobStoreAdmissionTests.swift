import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeStore

/// Admissions in batches: one write transaction for many jobs, each with its events.
final class JobStoreAdmissionTests: XCTestCase {
    private func admission(_ id: String, claimFile: String? = nil, manifestID: String? = nil,
                           event: String = "claimed") -> Admission {
        let job = StoreFixture.job(id: id, claimFile: claimFile, manifestID: manifestID)
        return Admission(job: job, execution: StoreFixture.execution(for: job), failure: nil, checkDuplicate: true) { duplicateOf in
            [EventRecord(id: nil, ts: StoreFixture.origin, level: "info", job: id, execution: id, item: nil, stage: nil,
                         event: duplicateOf == nil ? event : "duplicate", message: duplicateOf ?? "claimed \(id)")]
        }
    }

    func testABatchAdmitsEveryJobWithItsStepAndEventInOneTransaction() throws {
        let fixture = try StoreFixture(self)
        let results = try fixture.store.admit((0..<5).map { admission("job-\($0)") })
        XCTAssertEqual(results, Array(repeating: .admitted(duplicateOf: nil), count: 5))
        for number in 0..<5 {
            let id = "job-\(number)"
            XCTAssertEqual(try fixture.store.job(id: id)?.status, .queued)
            XCTAssertEqual(try fixture.steps(id).map(\.stage), [.parameters])
            let events = try fixture.store.events(jobID: id, after: 0)
            XCTAssertEqual(events.map(\.event), ["claimed"], id)
            XCTAssertEqual(events.first?.message, "claimed \(id)")
        }
        XCTAssertEqual(try fixture.store.admit([]), [])
    }

    func testLaterAdmissionsOfABatchSeeTheEarlierOnes() throws {
        let fixture = try StoreFixture(self)
        try fixture.admit("known", claimFile: "k~known.yaml")
        let results = try fixture.store.admit([
            admission("first", manifestID: "owls"),
            admission("again", claimFile: "k~known.yaml"),   // the claim file already has a job
            admission("second", manifestID: "owls"),          // repeats the first one's manifest id
            admission("first"),                              // the same job id, within the batch
        ])
        XCTAssertEqual(results, [.admitted(duplicateOf: nil), .alreadyKnown, .admitted(duplicateOf: "first"), .alreadyKnown])
        XCTAssertNil(try fixture.store.job(id: "again"))
        XCTAssertEqual(try fixture.steps("second").map(\.stage), [.export], "a duplicate goes straight to export")
        XCTAssertEqual(try fixture.store.events(jobID: "second", after: 0).map(\.event), ["duplicate"],
                       "the event is made from the store's answer")
        XCTAssertEqual(try fixture.store.events(jobID: "first", after: 0).map(\.event), ["claimed"],
                       "an admission that was already known stores no event")
    }

    func testAFailingAdmissionRollsBackTheWholeBatch() throws {
        let fixture = try StoreFixture(self)
        var broken = admission("broken")
        broken.execution.jobID = "no-such-job"   // violates the executions → jobs foreign key
        XCTAssertThrowsError(try fixture.store.admit([admission("fine"), broken]))
        XCTAssertNil(try fixture.store.job(id: "fine"), "nothing of the batch is kept")
        XCTAssertEqual(try fixture.store.events(jobID: "fine", after: 0), [])
        XCTAssertEqual(try fixture.store.admit(admission("fine")), .admitted(duplicateOf: nil),
                       "a single admission is a batch of one")
    }
}
