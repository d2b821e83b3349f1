import DropForgeKit
import Foundation
import XCTest

/// `dropforge review list|approve|reject|retry` on real jobs made by `drain`, checking the store
/// (through `jobs show --json`) and the outbox afterwards.
final class ReviewCommandTests: XCTestCase {
    func testListApproveRejectAndRetryThroughTheBinary() throws {
        let root = try TestRoot()
        try root.drop("mixed.yaml", imagesManifest(
            name: "mixed", count: 3, prompt: "{keyword}",
            keywords: ["an empty white canvas", "red circles and blue stars", "a plain black background"]))
        try root.drop("blank.yaml", imagesManifest(name: "blank", count: 1, prompt: "a plain {keyword} background", keywords: ["white"]))
        XCTAssertEqual(try root.run(["drain"]).status, 1)  // blank: qc_rejected_all
        let mixed = try XCTUnwrap(root.results.first), blank = try XCTUnwrap(root.failures.first)

        let list = try root.run(["review", "list", "--json"])
        XCTAssertEqual(list.status, 0, list.stderr)
        let entries = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(Set(entries.compactMap { $0["item"] as? String }), ["\(mixed)/0001", "\(mixed)/0003", "\(blank)/0001"])
        XCTAssertTrue(entries.allSatisfy { ($0["reason"] as? String ?? "").contains("blank") }, list.stdout)

        // approve moves exactly one item and index.jsonl gains exactly one line.
        let index = root.layout.index
        let linesBefore = try String(contentsOf: index, encoding: .utf8).split(separator: "\n").count
        let images = root.layout.results.appendingPathComponent("\(mixed)/images")
        XCTAssertEqual(root.folders(images), ["0002.json", "0002.png"])
        let approve = try root.run(["review", "approve", "\(mixed)/3"])
        XCTAssertEqual(approve.status, 0, approve.stderr)
        XCTAssertTrue(approve.stdout.contains("approved \(mixed)/0003"), approve.stdout)
        XCTAssertEqual(root.folders(images), ["0002.json", "0002.png", "0003.json", "0003.png"])
        XCTAssertEqual(root.folders(root.layout.review.appendingPathComponent(mixed)), ["0001.json", "0001.png"])
        let lines = try String(contentsOf: index, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, linesBefore + 1)
        XCTAssertTrue(lines.last?.contains("\"path\":\"outbox/results/\(mixed)\"") == true, String(lines.last ?? ""))
        let summary = try root.json(root.layout.results.appendingPathComponent("\(mixed)/job.json"))
        XCTAssertEqual(summary["counts"] as? [String: Int], ["total": 3, "approved": 2, "rejected": 1, "failed": 0])

        // The store agrees.
        let show = try root.run(["jobs", "show", mixed, "--json"])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("approved in review; QC said: blank"), show.stdout)

        // Approving it again is refused, and changes nothing.
        let again = try root.run(["review", "approve", "\(mixed)/0003"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("not waiting in review"), again.stderr)
        XCTAssertEqual(try String(contentsOf: index, encoding: .utf8).split(separator: "\n").count, linesBefore + 1)

        // reject dismisses for good.
        let reject = try root.run(["review", "reject", "outbox/review/\(mixed)/0001.png"])
        XCTAssertEqual(reject.status, 0, reject.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.layout.review.appendingPathComponent(mixed).path))

        // retry of an image that fails again keeps it in review; the failed job is still a failure.
        let retry = try root.run(["review", "retry", "\(blank)/1", "--regenerate", "--seed", "77", "--json"])
        XCTAssertEqual(retry.status, 0, retry.stderr)
        XCTAssertTrue(retry.stdout.contains("\"seed\" : 77"), retry.stdout)
        XCTAssertEqual(root.failures, [blank])

        let after = try root.run(["review", "list", "--json"])
        let remaining = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(remaining.compactMap { $0["item"] as? String }, ["\(blank)/0001"])

        // Unknown items and bad references are clear errors.
        let unknown = try root.run(["review", "approve", "nope/0001"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("review list"), unknown.stderr)
    }
}
