import Foundation
import DropForgeCore
import DropForgeStore

/// `report.html`: one static page a person opens from the outbox to see what a job made — the
/// images (or the card), every prompt, title, tag and QC verdict, and the job's status, counts,
/// timings and cost (DESIGN §1).
///
/// Why it looks the way it does: the page must work from a file share with no server and no
/// network, so it has inline CSS, no scripts and no URL outside the outbox (images are linked
/// relatively). It must be well-formed XML too (see `HTMLWriter`) so tools can parse it, and it
/// is a pure function of its inputs — no clock, sorted dictionaries — so seeded runs publish the
/// same bytes.
public struct ReportPage: Sendable {
    /// One labelled text, e.g. a card field.
    public struct Field: Sendable, Equatable {
        public var label: String
        public var value: String

        public init(label: String, value: String) {
            self.label = label
            self.value = value
        }
    }

    public var summary: JobSummary
    /// Each item's image, by item number, as a link relative to the page (`images/0001.png`,
    /// `../../review/<execution>/0002.png`). Items not here are shown without an image.
    public var images: [Int: String]
    /// The contact sheet's link when one was written beside the page.
    public var contactSheet: String?
    /// Card jobs: the card's main fields (description, first message, …), in display order.
    public var cardFields: [Field]

    public init(summary: JobSummary, images: [Int: String] = [:], contactSheet: String? = nil, cardFields: [Field] = []) {
        self.summary = summary
        self.images = images
        self.contactSheet = contactSheet
        self.cardFields = cardFields
    }

    /// The whole page, UTF-8 text.
    public func render() -> String {
        var html = HTMLWriter()
        html.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n")
        html.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n")
        html.raw("<meta name=\"generator\" content=\"dropforge\" />\n")
        html.element("title", text: "\(summary.name) — \(summary.execution)")
        html.raw("\n<style>\n\(Self.style)</style>\n</head>\n<body>\n")
        header(&html)
        if let card = summary.card { cardSection(card, &html) }
        html.element("main", [("class", "items")]) { html in
            for item in summary.items { itemArticle(item, &html) }
        }
        html.raw("</body>\n</html>\n")
        return html.text
    }

    private func header(_ html: inout HTMLWriter) {
        html.element("header") { html in
            html.element("h1", text: summary.name)
            html.element("p", [("class", "status \(summary.status.rawValue)")], text: summary.status.rawValue)
            html.element("dl", [("class", "facts")]) { html in
                let counts = summary.counts
                var facts: [Field] = [
                    .init(label: "Job", value: summary.job),
                    .init(label: "Execution", value: "\(summary.execution) (#\(summary.number))"),
                ]
                if let parent = summary.parent { facts.append(.init(label: "Parent", value: parent)) }
                facts.append(.init(label: "Manifest", value: summary.manifest))
                if let id = summary.manifestID { facts.append(.init(label: "Manifest id", value: id)) }
                facts.append(.init(label: "Kind", value: summary.kind))
                facts.append(.init(label: "Items", value: "\(counts.total) total · \(counts.approved) approved · "
                                   + "\(counts.rejected) rejected · \(counts.failed) failed"))
                if let qc = summary.qc {
                    let checks = qc.checks.isEmpty ? "" : ": " + qc.checks.joined(separator: ", ")
                    facts.append(.init(label: "QC", value: qc.enabled ? "on" + checks : "off"))
                }
                facts += timingFacts()
                if let usage = Self.usageText(summary.usage) { facts.append(.init(label: "Usage", value: usage)) }
                for fact in facts { Self.definition(fact, &html) }
            }
            if let error = summary.error {
                html.element("section", [("class", "error")]) { html in
                    html.element("h2", text: "Error: \(error.code)")
                    html.element("p", text: "\(error.stage) stage, after \(error.attempts) attempt(s), at \(Timestamp.iso8601(error.at))")
                    html.element("p", [("class", "text")], text: error.message)
                }
            }
            if let contactSheet {
                html.element("p", [("class", "sheet")]) { html in
                    html.element("a", [("href", contactSheet)], text: "Contact sheet (all images, rejected ones marked)")
                }
            }
        }
    }

    private func timingFacts() -> [Field] {
        let timings = summary.timings
        var facts = [Field(label: "Created", value: Timestamp.iso8601(timings.created))]
        if let started = timings.started { facts.append(.init(label: "Started", value: Timestamp.iso8601(started))) }
        let took = timings.finished.timeIntervalSince(timings.started ?? timings.created)
        facts.append(.init(label: "Finished", value: "\(Timestamp.iso8601(timings.finished)) (\(Self.seconds(took)))"))
        // Pipeline order first, then any stage name this version does not know, sorted.
        let known = Stage.allCases.map(\.rawValue)
        let names = known.filter { timings.stages[$0] != nil } + timings.stages.keys.filter { !known.contains($0) }.sorted()
        if !names.isEmpty {
            let text = names.map { "\($0) \(Self.seconds(timings.stages[$0] ?? 0))" }.joined(separator: " · ")
            facts.append(.init(label: "Stage time", value: text))
        }
        return facts
    }

    private func cardSection(_ card: CardSummary, _ html: inout HTMLWriter) {
        html.element("section", [("class", "card")]) { html in
            html.element("h2", text: "Card: \(card.name)")
            html.element("dl", [("class", "facts")]) { html in
                Self.definition(.init(label: "Spec", value: card.spec.rawValue), &html)
                Self.definition(.init(label: "Lorebook entries", value: String(card.lorebookEntries)), &html)
                if !card.files.isEmpty {
                    html.element("dt", text: "Files")
                    html.element("dd") { html in
                        for (index, file) in card.files.enumerated() {
                            if index > 0 { html.write(" · ") }
                            html.element("a", [("href", file)], text: file)
                        }
                    }
                }
                for field in cardFields { Self.definition(field, &html) }
            }
            if !card.warnings.isEmpty {
                html.element("ul", [("class", "warnings")]) { html in
                    for warning in card.warnings { html.element("li", text: warning) }
                }
            }
        }
    }

    private func itemArticle(_ item: ItemSummary, _ html: inout HTMLWriter) {
        let number = String(format: "%04d", item.item)
        html.element("article", [("class", "item \(item.status.rawValue)"), ("id", "item-\(number)"),
                                 ("data-item", String(item.item))]) { html in
            html.element("h2") { html in
                html.write("#\(item.item)")
                if let title = item.title, !title.isEmpty { html.write(" " + title) }
                html.write(" ")
                html.element("span", [("class", "badge")], text: item.status.rawValue)
            }
            if let image = images[item.item] {
                html.element("a", [("href", image)]) { html in
                    html.void("img", [("src", image), ("width", String(item.width)), ("height", String(item.height)),
                                      ("alt", "Item \(item.item)" + (item.title.map { ": \($0)" } ?? ""))])
                }
            } else {
                html.element("p", [("class", "noimage")], text: item.status == .failed ? "No image: the item failed." : "No image.")
            }
            html.element("dl") { html in
                for field in itemFields(item) { Self.definition(field, &html) }
                if let tags = item.tags, !tags.isEmpty {
                    html.element("dt", text: "Tags")
                    html.element("dd") { html in
                        html.element("ul", [("class", "tags")]) { html in
                            for tag in tags { html.element("li", text: tag) }
                        }
                    }
                }
            }
            if let qc = item.qc { verdict(qc, &html) }
        }
    }

    private func itemFields(_ item: ItemSummary) -> [Field] {
        var fields: [Field] = []
        if let error = item.error, item.status == .failed || item.status == .rejected {
            fields.append(.init(label: "Error", value: error))
        }
        if let description = item.description, !description.isEmpty {
            fields.append(.init(label: "Description", value: description))
        }
        fields.append(.init(label: "Prompt", value: item.prompt))
        if !item.negative.isEmpty { fields.append(.init(label: "Negative", value: item.negative)) }
        fields.append(.init(label: "Seed", value: String(item.seed)))
        fields.append(.init(label: "Size", value: "\(item.width)×\(item.height) (\(item.aspectRatio))"))
        if !item.keyword.isEmpty { fields.append(.init(label: "Keyword", value: item.keyword)) }
        fields.append(.init(label: "Provider", value: item.provider))
        fields.append(.init(label: "Attempts", value: String(item.attempts)))
        if let usage = item.usage.flatMap(Self.usageText) { fields.append(.init(label: "Usage", value: usage)) }
        return fields
    }

    private func verdict(_ qc: ItemSummary.Verdict, _ html: inout HTMLWriter) {
        html.element("div", [("class", "qc \(qc.status.rawValue)")]) { html in
            html.element("p") { html in
                html.element("strong", text: "QC: \(qc.status.rawValue)")
                if let reason = qc.reason, !reason.isEmpty { html.write(" — " + reason) }
            }
            if !qc.checks.isEmpty {
                html.element("ul") { html in
                    for check in qc.checks {
                        html.element("li", [("class", check.passed ? "pass" : "fail")],
                                     text: "\(check.passed ? "✓" : "✗") \(check.check)" + (check.detail.isEmpty ? "" : ": \(check.detail)"))
                    }
                }
            }
        }
    }

    private static func definition(_ field: Field, _ html: inout HTMLWriter) {
        html.element("dt", text: field.label)
        html.element("dd", text: field.value)
        html.raw("\n")
    }

    /// Tokens and cost, or nil when no provider call was counted.
    static func usageText(_ usage: JobSummary.Usage) -> String? {
        guard usage.promptTokens > 0 || usage.completionTokens > 0 || usage.cost > 0 else { return nil }
        var text = "\(usage.promptTokens) prompt + \(usage.completionTokens) completion tokens"
        if usage.cost > 0 { text += ", " + CostText.dollars(usage.cost) }
        return text
    }

    static func seconds(_ value: Double) -> String {
        String(format: "%.2f s", value)
    }

    /// Light and dark, readable on a phone; `pre-wrap` keeps the prompts' own line breaks.
    static let style = """
    :root{color-scheme:light dark;--line:#8884;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700}
    body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:16px}
    h1{margin:0 0 4px}h2{font-size:1.05em;margin:0 0 8px}
    dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}
    dt{font-weight:600}dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
    .status,.badge{display:inline-block;padding:0 8px;border-radius:8px;background:var(--line)}
    .completed,.approved{--tone:var(--ok)}.failed,.cancelled,.rejected{--tone:var(--bad)}
    .status,.badge{color:var(--tone,inherit);font-weight:600}
    .error{border:2px solid var(--bad);border-radius:8px;padding:8px 12px;margin:12px 0}
    .error .text{white-space:pre-wrap}
    .card{border:1px solid var(--line);border-radius:8px;padding:12px;margin:16px 0}
    .items{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:16px;margin-top:16px}
    .item{border:1px solid var(--line);border-radius:8px;padding:12px}
    .item.rejected{border:3px solid var(--bad)}.item.failed{opacity:.8;border-style:dashed}
    .item img{display:block;max-width:100%;height:auto;margin:0 auto 8px}
    .noimage{padding:32px 8px;text-align:center;background:var(--line);border-radius:6px}
    .tags{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px}
    .tags li{border:1px solid var(--line);border-radius:6px;padding:0 6px}
    .qc ul{margin:4px 0;padding-left:18px}.qc .pass{color:var(--ok)}.qc .fail{color:var(--bad)}

    """
}
