import DropForgeKit
import Foundation
import XCTest

/// Issue 17: a review decision costs what it changes, not the size of the job. On a job of 60
/// items, through the real binary, the kernel's own record of files opened (inotify) and
/// dropforge's PNG counters (`DROPFORGE_COUNTERS_FILE`) show that a command deciding two items
/// reads only those items' images and the old contact sheet, and replaces each index file once.
final class ReviewScaleTests: XCTestCase {
    private func counters(_ url: URL) throws -> [String: Double] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Double])
    }

    func testTwoDecisionsInOneCommandTouchOnlyTheirItemsAndRebuildTheIndexesOnce() throws {
        let root = try TestRoot()
        // Every sixth item from the 2nd and every sixth from the 6th is blank: 20 rejected, the rest approved.
        try root.drop("many.yaml", imagesManifest(
            name: "many", count: 60, prompt: "{keyword}",
            keywords: ["red circles and blue stars", "an empty white canvas", "green waves under a yellow sun",
                       "purple mountains at dusk", "orange flowers in a field", "a plain black background"]))
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        let job = try XCTUnwrap(root.results.first)
        let results = root.layout.results.appendingPathComponent(job)
        let images = results.appendingPathComponent("images"), review = root.layout.review.appendingPathComponent(job)
        let approvedBefore = root.folders(images).filter { $0.hasSuffix(".png") }.count
        XCTAssertGreaterThanOrEqual(approvedBefore, 30)
        let countersFile = root.url.appendingPathComponent("counters.json")
        let environment = ["DROPFORGE_COUNTERS_FILE": countersFile.path]
        let events = try FolderEvents([results, images, review])

        // reject: no item image is read at all — only the old sheet, decoded once and encoded once.
        let reject = try root.run(["review", "reject", "\(job)/2", "\(job)/0006"], environment: environment)
        XCTAssertEqual(reject.status, 0, reject.stderr)
        var seen = events.take()
        XCTAssertEqual(seen.opened.filter { $0.hasSuffix(".png") }, ["\(job)/contact-sheet.png"])
        XCTAssertEqual(try counters(countersFile)["png_decodes"], 1)
        XCTAssertEqual(try counters(countersFile)["png_encodes"], 1)
        XCTAssertEqual(seen.renamedIn.filter { $0 == "\(job)/job.json" }.count, 1, "job.json is replaced once for both items")
        XCTAssertEqual(seen.renamedIn.filter { $0 == "\(job)/contact-sheet.png" }.count, 1)
        XCTAssertEqual(seen.renamedIn.filter { $0 == "\(job)/items.csv" }.count, 1)

        // approve: each item's image is read (the metadata splice, its sheet cell), nothing else.
        let approve = try root.run(["review", "approve", "\(job)/8", "\(job)/12"], environment: environment)
        XCTAssertEqual(approve.status, 0, approve.stderr)
        seen = events.take()
        let allowed: Set = ["\(job)/contact-sheet.png", "\(job)/0008.png", "\(job)/0012.png", "images/0008.png", "images/0012.png"]
        XCTAssertTrue(Set(seen.opened.filter { $0.hasSuffix(".png") }).isSubset(of: allowed), "\(seen.opened)")
        XCTAssertEqual(try counters(countersFile)["png_decodes"], 3, "the old sheet and the two new cells")
        XCTAssertEqual(try counters(countersFile)["png_encodes"], 1)
        XCTAssertEqual(seen.renamedIn.filter { $0 == "\(job)/job.json" }.count, 1)
        XCTAssertEqual(Set(seen.renamedIn.filter { $0.hasPrefix("images/") }),
                       ["images/0008.png", "images/0008.json", "images/0012.png", "images/0012.json"])

        let summary = try root.json(results.appendingPathComponent("job.json"))
        XCTAssertEqual((summary["counts"] as? [String: Int])?["approved"], approvedBefore + 2)
        XCTAssertEqual(root.folders(images).filter { $0.hasSuffix(".png") }.count, approvedBefore + 2)
    }
}
