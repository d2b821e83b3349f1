import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import DropForgeKit
@testable import DropForgeStore

/// A job summary with hostile text (markup, ampersands, quotes, emoji, CJK, a control character)
/// and one item of each outcome: approved, rejected, failed.
enum ReportTestSupport {
    static let hostilePrompt = "A <script>alert(\"x\")</script> cat & 'dog' — 猫 🐈\u{1}"
    static let hostileTitle = "東京の猫 & <b>friends</b>"

    static func item(_ number: Int, _ status: ItemStatus) -> ItemSummary {
        ItemSummary(
            item: number, status: status, file: status == .approved ? String(format: "images/%04d.png", number) : nil,
            prompt: number == 1 ? hostilePrompt : "prompt \(number)", negative: "blurry, \"text\"", seed: UInt32(40 + number),
            width: 64, height: 48, aspectRatio: "4:3", keyword: "cat", provider: "local",
            qc: status == .failed ? nil : .init(status: status == .approved ? .passed : .rejected,
                                                reason: status == .approved ? nil : "image is blank <100%>",
                                                checks: [QualityCheckResult(check: "decode", passed: true, detail: "ok"),
                                                         QualityCheckResult(check: "blank", passed: status == .approved, detail: "σ=0 & flat")]),
            title: number == 1 ? hostileTitle : nil, description: "A description\nwith two lines", tags: ["tabby", "<tag>"],
            attempts: 1, error: status == .failed ? "HTTP 500 from http://gpu-box:7860 <oops>" : nil)
    }

    static func summary(items: [ItemSummary]? = nil, error: StageFailure? = nil) -> JobSummary {
        let items = items ?? [item(1, .approved), item(2, .rejected), item(3, .failed)]
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        return JobSummary(
            job: "cozy-cats-7f3k2q", execution: "cozy-cats-7f3k2q", number: 1, parent: nil, name: "cozy <cats> & co",
            kind: "images", manifest: "cozy-cats.yaml", manifestID: nil, status: error == nil ? .completed : .failed,
            error: error,
            counts: .init(total: items.count, approved: items.filter { $0.status == .approved }.count,
                          rejected: items.filter { $0.status == .rejected }.count,
                          failed: items.filter { $0.status == .failed }.count),
            qc: QualitySummary(enabled: true, checks: ["decode", "blank"]), items: items,
            timings: .init(created: date, started: date.addingTimeInterval(1), finished: date.addingTimeInterval(5),
                           stages: ["generate": 2.5, "parameters": 0.01, "custom": 1]),
            usage: .init(promptTokens: 120, completionTokens: 30, cost: 0.00042), settings: nil)
    }

    /// Element names, attributes and text of a document parsed as XML; fails on malformed markup.
    final class Document: NSObject, XMLParserDelegate {
        struct Element { var name: String; var attributes: [String: String] }
        private(set) var elements: [Element] = []
        private(set) var text = ""

        init(_ data: Data) throws {
            super.init()
            let parser = XMLParser(data: data)
            parser.delegate = self
            guard parser.parse() else {
                throw NSError(domain: "ReportTestSupport", code: 1, userInfo: [
                    NSLocalizedDescriptionKey: "not well-formed at line \(parser.lineNumber), column \(parser.columnNumber): \(parser.parserError.map(String.init(describing:)) ?? "?")"])
            }
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append(Element(name: name, attributes: attributes))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
        }

        func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }
    }
}
