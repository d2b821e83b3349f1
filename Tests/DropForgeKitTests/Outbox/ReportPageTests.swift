import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeStore

final class ReportPageTests: XCTestCase {
    private typealias Support = ReportTestSupport

    private func render(_ summary: JobSummary = Support.summary(), images: [Int: String]? = nil) throws -> (String, Support.Document) {
        let page = ReportPage(summary: summary,
                              images: images ?? [1: "images/0001.png", 2: "../../review/cozy-cats-7f3k2q/0002.png"],
                              contactSheet: "contact-sheet.png")
        let html = page.render()
        return (html, try Support.Document(Data(html.utf8)))
    }

    func testThePageIsWellFormedAndListsEveryItemWithItsText() throws {
        let (html, document) = try render()
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n"))
        let articles = document.all("article")
        XCTAssertEqual(articles.map { $0.attributes["id"] }, ["item-0001", "item-0002", "item-0003"])
        XCTAssertEqual(articles.map { $0.attributes["class"] }, ["item approved", "item rejected", "item failed"])
        // Every hostile text comes back verbatim from the parser: escaped, never markup.
        let prompt = Support.hostilePrompt.replacingOccurrences(of: "\u{1}", with: "\u{FFFD}")
        for text in [prompt, Support.hostileTitle, "cozy <cats> & co", "blurry, \"text\"", "A description\nwith two lines",
                     "<tag>", "image is blank <100%>", "σ=0 & flat", "HTTP 500 from http://gpu-box:7860 <oops>"] {
            XCTAssertTrue(document.text.contains(text), "missing: \(text)")
        }
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<b>"))
        XCTAssertFalse(html.unicodeScalars.contains("\u{1}"))
        XCTAssertEqual(document.all("script").count, 0)
        XCTAssertTrue(document.text.contains("3 total · 1 approved · 1 rejected · 1 failed"))
        XCTAssertTrue(document.text.contains("parameters 0.01 s · generate 2.50 s · custom 1.00 s"))
        XCTAssertTrue(document.text.contains("120 prompt + 30 completion tokens, $0.000420"))
    }

    func testImagesAreRelativeWithSizeAndAltAndNothingComesFromElsewhere() throws {
        let (html, document) = try render()
        let images = document.all("img")
        XCTAssertEqual(images.map { $0.attributes["src"] }, ["images/0001.png", "../../review/cozy-cats-7f3k2q/0002.png"])
        for image in images {
            XCTAssertEqual(image.attributes["width"], "64")
            XCTAssertEqual(image.attributes["height"], "48")
            XCTAssertNotNil(image.attributes["alt"])
        }
        XCTAssertEqual(images.first?.attributes["alt"], "Item 1: \(Support.hostileTitle)")
        // The failed item's error mentions a URL as text; no attribute may point anywhere but beside the page.
        let links = document.elements.flatMap { [$0.attributes["src"], $0.attributes["href"]] }.compactMap { $0 }
        XCTAssertTrue(links.contains("contact-sheet.png"))
        for link in links {
            XCTAssertFalse(link.contains(":") || link.hasPrefix("/"), "not relative: \(link)")
        }
        XCTAssertFalse(html.contains("url("))
        XCTAssertFalse(html.contains("@import"))
    }

    func testAFailedCardJobShowsTheErrorAndTheCard() throws {
        var summary = Support.summary(items: [Support.item(1, .rejected)],
                                      error: StageFailure(stage: "quality", code: "qc_rejected_all", message: "all 1 item(s) failed & wait",
                                                          attempts: 1, at: Date(timeIntervalSince1970: 1_700_000_000)))
        summary.kind = "card"
        summary.card = CardSummary(name: "Captain 梅林", spec: .v3, files: ["cards/Captain.png"], lorebookEntries: 3,
                                   warnings: ["field <x> dropped"])
        let page = ReportPage(summary: summary, images: [:], cardFields: [.init(label: "First message", value: "\"You're late,\" {{user}}")])
        let document = try Support.Document(Data(page.render().utf8))
        for text in ["Error: qc_rejected_all", "all 1 item(s) failed & wait", "Card: Captain 梅林", "v3", "field <x> dropped",
                     "\"You're late,\" {{user}}", "No image."] {
            XCTAssertTrue(document.text.contains(text), "missing: \(text)")
        }
        XCTAssertEqual(document.all("a").compactMap { $0.attributes["href"] }, ["cards/Captain.png"])
        XCTAssertEqual(page.render(), page.render(), "the same summary gives the same bytes")
    }
}
