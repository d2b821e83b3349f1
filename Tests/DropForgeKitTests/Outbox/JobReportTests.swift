import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia

final class JobReportTests: XCTestCase {
    /// outbox/results/<execution>/images/0001.png and outbox/review/<execution>/0002.png, as export leaves them.
    private func outbox() throws -> (results: URL, review: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-report-\(UUID().uuidString)", isDirectory: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let results = root.appendingPathComponent("outbox/results/cozy-cats-7f3k2q", isDirectory: true)
        let review = root.appendingPathComponent("outbox/review/cozy-cats-7f3k2q", isDirectory: true)
        for folder in [results.appendingPathComponent("images"), review] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let renderer = ProceduralRenderer()
        try PNGCodec.encode(renderer.render(prompt: "tabby cat", negative: "", seed: 1, width: 64, height: 48))
            .write(to: results.appendingPathComponent("images/0001.png"))
        try PNGCodec.encode(renderer.render(prompt: "blank white", negative: "", seed: 2, width: 64, height: 48))
            .write(to: review.appendingPathComponent("0002.png"))
        return (results, review)
    }

    func testBothFilesAreWrittenAndEveryImageLinkResolves() throws {
        let (results, review) = try outbox()
        let written = try JobReport.write(summary: ReportTestSupport.summary(), into: results, reviewFolder: review)
        XCTAssertEqual(written, ["contact-sheet.png", "report.html"])

        let sheet = try PNGCodec.decode(Data(contentsOf: results.appendingPathComponent("contact-sheet.png"))).image
        let grid = ContactSheet.gridSize(count: 3)
        XCTAssertEqual([sheet.width, sheet.height], [grid.width, grid.height])

        let document = try ReportTestSupport.Document(Data(contentsOf: results.appendingPathComponent("report.html")))
        let sources = document.all("img").compactMap { $0.attributes["src"] }
        XCTAssertEqual(sources, ["images/0001.png", "../../review/cozy-cats-7f3k2q/0002.png"])
        for source in sources + ["contact-sheet.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: results.appendingPathComponent(source).standardizedFileURL.path), source)
        }
        XCTAssertEqual(document.all("article").count, 3)
    }

    func testMissingImagesAreNotLinkedAndCardJobsGetNoSheet() throws {
        let (results, _) = try outbox()
        try FileManager.default.removeItem(at: results.appendingPathComponent("images/0001.png"))
        // No image file anywhere: no sheet, and the page links nothing that is not there.
        XCTAssertEqual(try JobReport.write(summary: ReportTestSupport.summary(), into: results, reviewFolder: nil), ["report.html"])
        let document = try ReportTestSupport.Document(Data(contentsOf: results.appendingPathComponent("report.html")))
        XCTAssertEqual(document.all("img").count, 0)

        var card = ReportTestSupport.summary(items: [ReportTestSupport.item(1, .approved)])
        card.kind = "card"
        card.items[0].file = "cards/Lin.png"
        try FileManager.default.createDirectory(at: results.appendingPathComponent("cards"), withIntermediateDirectories: true)
        try PNGCodec.encode(RGBAImage(width: 8, height: 8, fill: (1, 2, 3, 255))).write(to: results.appendingPathComponent("cards/Lin.png"))
        XCTAssertEqual(try JobReport.write(summary: card, into: results, reviewFolder: nil), ["report.html"])
        let cardPage = try ReportTestSupport.Document(Data(contentsOf: results.appendingPathComponent("report.html")))
        XCTAssertEqual(cardPage.all("img").compactMap { $0.attributes["src"] }, ["cards/Lin.png"])
    }
}
