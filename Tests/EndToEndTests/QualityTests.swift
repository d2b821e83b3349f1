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

    /// Issue 17: the luminance hash alone made colour variants "duplicates". On the procedural
    /// renderer, `a {keyword} mountain` over dark blue and yellow made item 0050 (yellow) a
    /// "duplicate" of 0019 (dark blue) at hash distance 4; now a duplicate needs the colours to
    /// agree too, so only same-keyword items are ever rejected as duplicates of each other.
    func testColourVariantsAreNotDuplicates() throws {
        let root = try TestRoot()
        try root.drop("mountains.yaml", imagesManifest(
            name: "mountains", count: 80, size: 64, seed: 3, prompt: "a {keyword} mountain", keywords: ["dark blue", "yellow"],
            extra: "quality: {checks: [decode, duplicate]}"))
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        let job = try XCTUnwrap(root.results.first)
        let summary = try root.json(root.layout.results.appendingPathComponent(job).appendingPathComponent("job.json"))
        let items = try XCTUnwrap(summary["items"] as? [[String: Any]])
        XCTAssertEqual(items.count, 80)
        XCTAssertEqual(items[49]["status"] as? String, "approved", "yellow 0050 is not a duplicate of dark-blue 0019")
        var duplicates = 0
        for item in items where item["status"] as? String == "rejected" {
            let reason = (item["qc"] as? [String: Any])?["reason"] as? String ?? ""
            let number = try XCTUnwrap(item["item"] as? Int)
            let match = try XCTUnwrap(reason.range(of: #"looks like item (\d{4})"#, options: .regularExpression), reason)
            let other = try XCTUnwrap(Int(reason[match].suffix(4)))
            XCTAssertEqual(number % 2, other % 2, "\(number) and \(other) have different keywords: \(reason)")
            XCTAssertTrue(reason.contains("colour distance"), reason)
            duplicates += 1
        }
        // Same-colour near-copies are still caught: 0080 (yellow) looks like 0066 (yellow).
        XCTAssertGreaterThan(duplicates, 0)
        XCTAssertEqual(items[79]["status"] as? String, "rejected")
    }
}
