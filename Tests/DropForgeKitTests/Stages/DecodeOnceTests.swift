import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore
@testable import DropForgeMedia

/// Decode once (issue 13): in one process a rendered image is never decoded — the quality check
/// takes the renderer's pixels, and the export's contact sheet draws from the cell the check left.
final class DecodeOnceTests: XCTestCase {
    func testAnExportAfterTheQualityCheckDecodesNothing() throws {
        let decodes = PNGCodec.decodeCount
        let hits = ContactSheet.cells.statistics.hits
        let root = try DrainedTestRoot(prefix: "decode-once", jobs: [
            "owls": ("a {keyword} with red and blue circles", "[barn owl, snowy owl, eagle owl]", 3),
            "cats": ("a {keyword} in green squares", "[tabby cat]", 1),
        ])
        addTeardownBlock { try? FileManager.default.removeItem(at: root.layout.root) }
        XCTAssertEqual(root.report.outcome, .allFinished)
        XCTAssertEqual(root.report.completed, 2)
        XCTAssertEqual(PNGCodec.decodeCount - decodes, 0, "no decode at all: the quality check takes the renderer's pixels")
        XCTAssertEqual(ContactSheet.cells.statistics.hits - hits, 4, "every sheet cell came from the cache")

        // And the sheets are what a sheet drawn from fresh decodes is, byte for byte.
        for folder in try FileManager.default.contentsOfDirectory(at: root.layout.results, includingPropertiesForKeys: nil) {
            let summary = try JSONCoding.decode(JobSummary.self, from: Data(contentsOf: folder.appendingPathComponent("job.json")))
            let cells = summary.items.map {
                ContactSheet.Cell(number: $0.item, image: $0.file.map { folder.appendingPathComponent($0) }, mark: JobReport.mark(of: $0.status))
            }
            let fresh = try ContactSheet.render(cells: cells, cache: nil)
            XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent(JobReport.contactSheetFile)), fresh, folder.lastPathComponent)
        }
    }
}
