import DropForgeKit
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import Yams
import ZIPFoundation

/// Every export format of an images job through a real `drain`: the report page, the contact
/// sheet, items.yaml and items.xlsx, each read back by an independent reader.
final class ReportEndToEndTests: XCTestCase {
    func testAJobPublishesItsReportContactSheetYAMLAndWorkbook() throws {
        let root = try TestRoot()
        // Five items: the blank one is rejected by QC and waits in review/, the others are approved.
        try root.drop("mixed.yaml", imagesManifest(
            name: "mixed", count: 5, prompt: "a {keyword} with <red> & 'blue' circles",
            keywords: ["cat", "dog", "owl", "fox", "blank"],
            extra: "export: {formats: [png, csv, json, yaml, xlsx, html, contact_sheet]}"))
        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 0, drain.stderr)
        let folder = try XCTUnwrap(root.results.first.map { root.layout.results.appendingPathComponent($0) })

        // report.html: well-formed, one article per item, only relative links.
        let html = try Data(contentsOf: folder.appendingPathComponent("report.html"))
        let page = PageCollector()
        let parser = XMLParser(data: html)
        parser.delegate = page
        XCTAssertTrue(parser.parse(), "report.html is well-formed: \(String(describing: parser.parserError))")
        XCTAssertEqual(page.articles.count, 5, "every item is listed")
        XCTAssertEqual(page.images.filter { $0.contains("review/") }.count, 1, "the rejected item shows from review/")
        XCTAssertTrue(page.images.allSatisfy { !$0.contains("://") && !$0.hasPrefix("/") }, "\(page.images)")
        XCTAssertFalse(String(decoding: html, as: UTF8.self).contains("<script"))
        XCTAssertTrue(String(decoding: html, as: UTF8.self).contains("&lt;red&gt; &amp;"))

        // contact-sheet.png: decodes, with the size of a 3 × 2 grid for five items.
        let sheet = try IndependentPNGReader.read(Data(contentsOf: folder.appendingPathComponent("contact-sheet.png")))
        let grid = ContactSheet.gridSize(count: 5)
        XCTAssertEqual(grid.columns, 3)
        XCTAssertEqual(grid.rows, 2)
        let size = IndependentPNGReader.size(sheet)
        XCTAssertEqual(size.width, grid.width)
        XCTAssertEqual(size.height, grid.height)

        // items.yaml reads back with the same prompts as items.json.
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("items.json"))) as? [[String: Any]])
        let yaml = try XCTUnwrap(try Yams.load(yaml: String(contentsOf: folder.appendingPathComponent("items.yaml"), encoding: .utf8)) as? [[String: Any]])
        XCTAssertEqual(yaml.map { $0["prompt"] as? String }, json.map { $0["prompt"] as? String })
        XCTAssertEqual(yaml.count, 5)

        // items.xlsx: a zip with both sheets.
        let archive = try Archive(url: folder.appendingPathComponent("items.xlsx"), accessMode: .read)
        var workbook = Data()
        _ = try archive.extract(try XCTUnwrap(archive["xl/workbook.xml"])) { workbook.append($0) }
        let text = String(decoding: workbook, as: UTF8.self)
        XCTAssertTrue(text.contains("name=\"Job Summary\"") && text.contains("name=\"Images\""), text)
    }
}

/// Collects the item articles and image sources of a report page.
private final class PageCollector: NSObject, XMLParserDelegate {
    var articles: [String] = []
    var images: [String] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "article", let id = attributes["id"], id.hasPrefix("item-") { articles.append(id) }
        if name == "img", let source = attributes["src"] { images.append(source) }
    }
}
