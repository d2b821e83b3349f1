import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia
@testable import DropForgeCore
@testable import DropForgeStore

/// The review queue on jobs made by the real pipeline (`Drain`, in process): `mixed` has items 1
/// and 3 rejected as blank and item 2 approved; `blank` has both items rejected, so it ends in
/// `failures/` with `qc_rejected_all`.
final class ReviewQueueTests: XCTestCase {
    private var layout: RootLayout!
    private var runtime: Runtime!
    private var queue: ReviewQueue!

    override func setUpWithError() throws {
        let root = try DrainedTestRoot(prefix: "review", jobs: [
            "mixed": (#"{keyword}"#, #"["an empty white canvas", "red circles and blue stars", "a plain black background"]"#, 3),
            "blank": (#"a plain {keyword} background"#, #"["white", "black"]"#, 2),
        ])
        (layout, runtime) = (root.layout, root.runtime)
        let report = root.report
        XCTAssertEqual(report.completed, 1)
        XCTAssertEqual(report.failed, 1)
        queue = ReviewQueue(layout: layout, config: runtime.config, store: runtime.store)
    }

    override func tearDownWithError() throws {
        runtime = nil
        try? FileManager.default.removeItem(at: layout.root)
    }

    private func execution(_ name: String) throws -> String {
        try XCTUnwrap(runtime.store.jobs(limit: nil).first { $0.name == name }?.id, "no job \(name)")
    }

    private func files(_ folder: URL) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") })
    }

    private func indexLines() throws -> [[String: Any]] {
        try String(contentsOf: layout.index, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    private func summary(_ folder: URL) throws -> JobSummary {
        try JSONCoding.decode(JobSummary.self, from: Data(contentsOf: folder.appendingPathComponent("job.json")))
    }

    private func item(_ execution: String, _ number: Int) throws -> ItemRecord {
        try XCTUnwrap(runtime.store.reviewItem(executionID: execution, index: number - 1)?.item)
    }

    func testListShowsTheRejectedItemsWithTheirReasons() throws {
        let mixed = try execution("mixed"), blank = try execution("blank")
        let entries = try queue.waiting()
        XCTAssertEqual(Set(entries.map(\.item)), ["\(mixed)/0001", "\(mixed)/0003", "\(blank)/0001", "\(blank)/0002"])
        let first = try XCTUnwrap(entries.first { $0.item == "\(mixed)/0001" })
        XCTAssertEqual(first.prompt, "an empty white canvas")
        XCTAssertEqual(first.file, "outbox/review/\(mixed)/0001.png")
        XCTAssertEqual(first.executionStatus, .completed)
        XCTAssertTrue(first.reason?.contains("blank") == true, "\(first)")
        XCTAssertEqual(try queue.waiting(jobID: blank).map(\.item), ["\(blank)/0001", "\(blank)/0002"])
        XCTAssertEqual(try queue.waiting(jobID: blank).first?.executionStatus, .failed)
    }

    func testApproveMovesExactlyOneItemRewritesJobJSONAndAppendsOneIndexLine() throws {
        let mixed = try execution("mixed")
        let results = layout.results.appendingPathComponent(mixed), review = layout.review.appendingPathComponent(mixed)
        let images = results.appendingPathComponent("images")
        let reviewBefore = files(review), imagesBefore = files(images), linesBefore = try indexLines().count
        let reviewImage = try Data(contentsOf: review.appendingPathComponent("0001.png"))

        let outcome = try queue.approve("outbox/review/\(mixed)/0001.png")

        XCTAssertEqual(outcome.action, .approved)
        XCTAssertEqual(outcome.file, "outbox/results/\(mixed)/images/0001.png")
        XCTAssertEqual(reviewBefore.subtracting(files(review)), ["0001.png", "0001.json"])
        XCTAssertEqual(files(review), ["0003.png", "0003.json"])
        XCTAssertEqual(files(images).subtracting(imagesBefore), ["0001.png", "0001.json"])
        XCTAssertEqual(files(images).count, imagesBefore.count + 2)
        // The same pixels, with the metadata the execution's metadata stage embeds.
        let published = try Data(contentsOf: images.appendingPathComponent("0001.png"))
        XCTAssertEqual(try PNGCodec.decode(published).image.pixels, try PNGCodec.decode(reviewImage).image.pixels)
        XCTAssertNotNil(try PNGCodec.decode(published).text.first { $0.keyword == "Title" })

        let lines = try indexLines()
        XCTAssertEqual(lines.count, linesBefore + 1)
        XCTAssertEqual(lines.last?["status"] as? String, "completed")
        XCTAssertEqual(lines.last?["path"] as? String, "outbox/results/\(mixed)")

        let job = try summary(results)
        XCTAssertEqual(job.counts, .init(total: 3, approved: 2, rejected: 1, failed: 0))
        XCTAssertEqual(job.items.map(\.status), [.approved, .approved, .rejected])
        XCTAssertEqual(job.items[0].file, "images/0001.png")
        XCTAssertEqual(job.items[0].qc?.status, .approved)
        XCTAssertNotNil(job.items[0].title)
        let sidecar = try JSONCoding.decode(ItemSummary.self, from: Data(contentsOf: images.appendingPathComponent("0001.json")))
        XCTAssertEqual(sidecar.status, .approved)
        XCTAssertEqual(sidecar.file, "images/0001.png")
        let csv = try String(contentsOf: results.appendingPathComponent("items.csv"), encoding: .utf8)
        let first = try XCTUnwrap(csv.components(separatedBy: "\r\n").first { $0.hasPrefix("1,") })
        XCTAssertTrue(first.hasPrefix("1,\(mixed),approved,") && first.contains(",outbox/results/\(mixed)/images/0001.png,"), csv)
        let report = try String(contentsOf: results.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(report.contains("images/0001.png"))

        let stored = try item(mixed, 1)
        XCTAssertEqual(stored.status, .approved)
        XCTAssertEqual(stored.qcStatus, .approved)
        XCTAssertTrue(stored.qcReason?.hasPrefix("approved in review; QC said: blank") == true, stored.qcReason ?? "")
        XCTAssertEqual(stored.imagePath, "outbox/results/\(mixed)/images/0001.png")
        XCTAssertEqual(try runtime.store.job(id: mixed)?.status, .completed)

        XCTAssertThrowsError(try queue.approve("\(mixed)/1")) { error in
            guard case ReviewRefusal.notWaiting = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try indexLines().count, linesBefore + 1)
    }

    func testApprovingAnItemOfAJobWithNoApprovedItemPublishesItsResultsFolder() throws {
        let blank = try execution("blank")
        let failures = layout.failures.appendingPathComponent(blank), results = layout.results.appendingPathComponent(blank)
        XCTAssertTrue(FileManager.default.fileExists(atPath: failures.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: results.path))
        let linesBefore = try indexLines().count

        try queue.approve("\(blank)/2")

        XCTAssertFalse(FileManager.default.fileExists(atPath: failures.path))
        XCTAssertEqual(files(layout.failures), [])
        XCTAssertTrue(files(results).isSuperset(of: ["job.json", "manifest.yaml", "images", "items.csv", "items.json", "report.html"]),
                      "\(files(results))")
        XCTAssertFalse(files(results).contains("error.json"))
        XCTAssertEqual(files(results.appendingPathComponent("images")), ["0002.png", "0002.json"])
        XCTAssertEqual(files(layout.review.appendingPathComponent(blank)), ["0001.png", "0001.json"])
        let job = try summary(results)
        XCTAssertEqual(job.status, .completed)
        XCTAssertNil(job.error)
        XCTAssertEqual(job.counts, .init(total: 2, approved: 1, rejected: 1, failed: 0))
        let lines = try indexLines()
        XCTAssertEqual(lines.count, linesBefore + 1)
        XCTAssertEqual(lines.last?["path"] as? String, "outbox/results/\(blank)")

        let execution = try XCTUnwrap(runtime.store.executions(jobID: blank).first)
        XCTAssertEqual(execution.status, .completed)
        XCTAssertEqual(execution.outboxPath, "outbox/results/\(blank)")
        XCTAssertEqual(try runtime.store.job(id: blank)?.status, .completed)
        XCTAssertEqual(files(layout.staging).filter { !$0.hasPrefix(".") }, [])

        // The second item joins the folder that now exists.
        try queue.approve("\(blank)/0001")
        XCTAssertEqual(files(results.appendingPathComponent("images")), ["0001.png", "0001.json", "0002.png", "0002.json"])
        XCTAssertEqual(try summary(results).counts.approved, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: layout.review.appendingPathComponent(blank).path))
    }

    func testRejectDismissesAnItemForGood() throws {
        let mixed = try execution("mixed")
        let review = layout.review.appendingPathComponent(mixed), results = layout.results.appendingPathComponent(mixed)
        let linesBefore = try indexLines().count

        let outcome = try queue.dismiss("\(mixed)/0003")

        XCTAssertEqual(outcome.action, .dismissed)
        XCTAssertEqual(files(review), ["0001.png", "0001.json"])
        XCTAssertFalse(try queue.waiting().map(\.item).contains("\(mixed)/0003"))
        let stored = try item(mixed, 3)
        XCTAssertEqual(stored.status, .rejected)
        XCTAssertEqual(stored.qcStatus, .dismissed)
        let job = try summary(results)
        XCTAssertEqual(job.items[2].qc?.status, .dismissed)
        XCTAssertEqual(job.counts.rejected, 2)
        XCTAssertEqual(files(results.appendingPathComponent("images")), ["0002.png", "0002.json"])
        XCTAssertEqual(try indexLines().count, linesBefore + 1)

        XCTAssertThrowsError(try queue.approve("\(mixed)/0003")) { error in
            XCTAssertEqual(error as? ReviewRefusal, .notWaiting(item: "\(mixed)/0003", why: "it was dismissed"))
        }
        // Published items are not taken back.
        XCTAssertThrowsError(try queue.dismiss("\(mixed)/0002")) { error in
            guard case ReviewRefusal.notWaiting = error else { return XCTFail("\(error)") }
        }
    }

    func testRetryRegenerateWithAFailingVerdictStaysInReviewWithTheNewSeed() throws {
        let blank = try execution("blank")
        let review = layout.review.appendingPathComponent(blank)
        let linesBefore = try indexLines().count

        let outcome = try queue.retry("\(blank)/0001", regenerate: true, seed: 4242)

        XCTAssertEqual(outcome.action, .rejected)
        XCTAssertEqual(outcome.seed, 4242)
        XCTAssertEqual(files(review), ["0001.png", "0001.json", "0002.png", "0002.json"])
        let sidecar = try JSONCoding.decode(ItemSummary.self, from: Data(contentsOf: review.appendingPathComponent("0001.json")))
        XCTAssertEqual(sidecar.seed, 4242)
        XCTAssertEqual(sidecar.qc?.status, .rejected)
        XCTAssertEqual(sidecar.file, "0001.png")
        let parameters = try PNGCodec.decode(Data(contentsOf: review.appendingPathComponent("0001.png"))).text
            .first { $0.keyword == "parameters" }?.text ?? ""
        XCTAssertTrue(parameters.contains("Seed: 4242"), parameters)
        let stored = try item(blank, 1)
        XCTAssertEqual(try JSONCoding.decode(ItemPlan.self, from: stored.plan).seed, 4242)
        XCTAssertEqual(stored.status, .rejected)
        XCTAssertEqual(stored.imagePath, "outbox/review/\(blank)/0001.png")
        XCTAssertEqual(try summary(layout.failures.appendingPathComponent(blank)).items[0].seed, 4242)
        XCTAssertEqual(try indexLines().count, linesBefore + 1)
        XCTAssertEqual(try queue.waiting(jobID: blank).count, 2)
    }

    func testRetryOfAnImageFixedInReviewPassesAndIsPublished() throws {
        let mixed = try execution("mixed")
        let review = layout.review.appendingPathComponent(mixed), images = layout.results.appendingPathComponent("\(mixed)/images")
        // Someone fixes the image by hand: QC runs on what is in review/ now (item 1 has no
        // earlier item to be a duplicate of).
        let fixed = review.appendingPathComponent("0001.png")
        try FileManager.default.removeItem(at: fixed)
        try FileManager.default.copyItem(at: images.appendingPathComponent("0002.png"), to: fixed)
        XCTAssertEqual(try queue.retry("\(mixed)/3", regenerate: false).action, .rejected)
        let linesBefore = try indexLines().count

        let outcome = try queue.retry("\(mixed)/1", regenerate: false)

        XCTAssertEqual(outcome.action, .passed)
        XCTAssertEqual(outcome.qcStatus, .passed)
        XCTAssertNil(outcome.reason)
        XCTAssertEqual(files(review), ["0003.png", "0003.json"])
        XCTAssertEqual(files(images), ["0001.png", "0001.json", "0002.png", "0002.json"])
        XCTAssertEqual(try item(mixed, 1).status, .approved)
        XCTAssertEqual(try item(mixed, 1).qcStatus, .passed)
        XCTAssertEqual(try summary(layout.results.appendingPathComponent(mixed)).counts.approved, 2)
        XCTAssertEqual(try indexLines().count, linesBefore + 1)
    }

    func testReferencesNameOneItem() {
        XCTAssertEqual(ReviewReference("cozy-cats-7f3k2q/0003"), ReviewReference(execution: "cozy-cats-7f3k2q", number: 3))
        XCTAssertEqual(ReviewReference("cozy-cats-7f3k2q.2/3"), ReviewReference(execution: "cozy-cats-7f3k2q.2", number: 3))
        XCTAssertEqual(ReviewReference("outbox/review/cozy-cats-7f3k2q/0003.png")?.description, "cozy-cats-7f3k2q/0003")
        XCTAssertEqual(ReviewReference("/srv/outbox/review/x/0012.json")?.number, 12)
        XCTAssertEqual(ReviewReference("outbox/results/x/images/0002.png"), ReviewReference(execution: "x", number: 2))
        XCTAssertNil(ReviewReference("cozy-cats-7f3k2q"))
        XCTAssertNil(ReviewReference("cozy-cats-7f3k2q/0"))
        XCTAssertNil(ReviewReference("x/abc"))
    }
}
