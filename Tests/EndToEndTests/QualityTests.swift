import DropForgeKit
import Foundation
import XCTest
import DropForgeMedia

/// 8. `quality.enabled: false` is respected; rejected items wait in review/<job>/ with their
/// verdicts; a job whose items all fail QC ends in failures/<job>/ with `qc_rejected_all`.
final class QualityTests: XCTestCase {
    func testQualityDisabledRunsNoCheck() throws {
        let root = try TestRoot()
        // A blank prompt would be rejected — but QC is off.
        try root.drop("off.yaml", imagesManifest(name: "off", prompt: "an empty white canvas", extra: "quality: {enabled: false}"))
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        XCTAssertEqual(root.results.count, 1)
        let summary = try root.json(root.layout.results.appendingPathComponent(root.results[0]).appendingPathComponent("job.json"))
        let item = try XCTUnwrap((summary["items"] as? [[String: Any]])?.first)
        XCTAssertEqual(item["status"] as? String, "approved")
        XCTAssertNil(item["qc"])
        XCTAssertEqual((summary["qc"] as? [String: Any])?["enabled"] as? Bool, false)
    }

    func testRejectedItemsWaitInReview() throws {
        let root = try TestRoot()
        try root.drop("mixed.yaml", imagesManifest(
            name: "mixed", count: 2, prompt: "{keyword}", keywords: ["an empty white canvas", "red circles and blue stars"]))
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        XCTAssertEqual(root.results.count, 1)
        let job = root.results[0]
        let summary = try root.json(root.layout.results.appendingPathComponent(job).appendingPathComponent("job.json"))
        XCTAssertEqual((summary["counts"] as? [String: Int])?["approved"], 1)
        XCTAssertEqual((summary["counts"] as? [String: Int])?["rejected"], 1)
        let review = root.layout.review.appendingPathComponent(job)
        XCTAssertEqual(root.folders(review), ["0001.json", "0001.png"])
        let verdict = try root.json(review.appendingPathComponent("0001.json"))
        let qc = try XCTUnwrap(verdict["qc"] as? [String: Any])
        XCTAssertEqual(qc["status"] as? String, "rejected")
        XCTAssertTrue((qc["reason"] as? String ?? "").contains("blank"), "\(qc)")
        XCTAssertNoThrow(try PNGCodec.decode(Data(contentsOf: review.appendingPathComponent("0001.png"))))
        // Only the approved image is in results.
        let images = root.layout.results.appendingPathComponent(job).appendingPathComponent("images")
        XCTAssertEqual(root.folders(images), ["0002.json", "0002.png"])
    }

    func testAllRejectedIsAFailure() throws {
        let root = try TestRoot()
        try root.drop("blank.yaml", imagesManifest(name: "blank", count: 2, prompt: "a plain {keyword} background", keywords: ["white", "black"]))
        XCTAssertEqual(try root.run(["drain"]).status, 1)
        XCTAssertEqual(root.results, [])
        XCTAssertEqual(root.failures.count, 1)
        let job = root.failures[0]
        let error = try root.json(root.layout.failures.appendingPathComponent(job).appendingPathComponent("error.json"))
        XCTAssertEqual(error["code"] as? String, "qc_rejected_all")
        XCTAssertEqual(error["stage"] as? String, "quality")
        XCTAssertEqual(root.folders(root.layout.review.appendingPathComponent(job)), ["0001.json", "0001.png", "0002.json", "0002.png"])
    }

    func testDuplicateImagesAreRejected() throws {
        let root = try TestRoot()
        // Two flat white pictures look the same; with only the decode and duplicate checks on,
        // the first passes and the second is a duplicate of it.
        try root.drop("dupes.yaml", imagesManifest(
            name: "dupes", count: 3, prompt: "{keyword}",
            keywords: ["a plain white background", "a plain white background", "red stars on a blue sky"],
            extra: "quality: {checks: [decode, duplicate]}"))
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        let job = root.results[0]
        let summary = try root.json(root.layout.results.appendingPathComponent(job).appendingPathComponent("job.json"))
        let items = try XCTUnwrap(summary["items"] as? [[String: Any]])
        XCTAssertEqual(items.map { $0["status"] as? String }, ["approved", "rejected", "approved"])
        let reason = (items[1]["qc"] as? [String: Any])?["reason"] as? String ?? ""
        XCTAssertTrue(reason.contains("duplicate") && reason.contains("0001"), reason)
    }
}
