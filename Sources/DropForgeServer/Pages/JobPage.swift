import DropForgeKit
import DropForgeStore
import Foundation
import Hummingbird

/// `GET /jobs/{id}`: one job — its status and counts, each item of each execution with its
/// thumbnail, QC verdict and reasons, title, description and tags, and its log. The items
/// reload every 2 s until the job has ended; the log is written out to the newest line and
/// then follows `GET /api/v1/jobs/{id}/logs?follow=1` (Server-Sent Events) for the rest.
struct JobPage {
    let export: JobExport
    let events: [EventRecord]
    let layout: RootLayout

    /// The log lines shown when the page is made; the older ones are in `GET /api/v1/jobs/{id}/logs`.
    static let shownEvents = 500

    func render() -> Response {
        PageShell.response(title: export.job) { html in
            html.element("h1", text: export.job)
            html.element("section", [("id", "live"), ("data-refresh", export.status.isFinished ? nil : "2000")]) { live in
                summary(&live)
                live.element("div", [("class", "items")]) { grid in
                    for row in export.items { item(&grid, row) }
                }
            }
            html.element("h2", text: "Log")
            let last = events.last?.id ?? 0
            html.element("pre", [("id", "log"), ("data-follow", "/api/v1/jobs/\(export.job)/logs?follow=1&after=\(last)")]) { pre in
                for event in events.suffix(Self.shownEvents) { pre.write(Self.line(event) + "\n") }
            }
        }
    }

    /// One log line as the page shows it (the script writes streamed ones the same way).
    static func line(_ event: EventRecord) -> String {
        [PageShell.time(event.ts), event.level, event.stage ?? "-", event.item.map { "#\($0)" } ?? "", event.message]
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    private func summary(_ html: inout HTMLWriter) {
        html.element("p", [("class", "summary")]) { p in
            PageShell.status(&p, export.status.rawValue)
            p.write(" \(export.kind) · \(export.label) · from \(export.manifest) · execution \(export.execution)")
        }
        let counts = export.counts
        html.element("p", text: "\(counts.total) item(s): \(counts.approved) done, \(counts.rejected) rejected, \(counts.failed) failed"
                                 + " · created \(PageShell.time(export.created)) · finished \(PageShell.time(export.completed))")
        if let error = export.error {
            html.element("p", [("class", "error")], text: "\(error.code) in \(error.stage): \(error.message)")
        }
        html.element("p", [("class", "links")]) { p in
            for format in JobExport.Format.allCases {
                p.element("a", [("href", "/api/v1/jobs/\(export.job)/export?format=\(format.rawValue)")], text: "export \(format.rawValue)")
                p.write(" ")
            }
            p.element("a", [("href", "/review?job=\(export.job)")], text: "its review queue")
        }
    }

    private func item(_ html: inout HTMLWriter, _ row: JobExport.Row) {
        html.element("figure", [("class", "item \(row.status.rawValue)"), ("data-item", String(row.item))]) { figure in
            if let path = row.path, path.hasSuffix(".png"),
               let url = PageShell.fileURL(job: export.job, execution: row.execution, path: path, layout: layout) {
                figure.element("a", [("href", url)]) { $0.void("img", [("src", url), ("alt", row.prompt), ("loading", "lazy")]) }
            }
            figure.element("figcaption") { caption in
                caption.element("p") { p in
                    p.element("b", text: "#\(row.item) ")
                    PageShell.status(&p, row.status.rawValue)
                    if let qc = row.qcStatus {
                        p.write(" QC ")
                        p.element("span", [("class", "qc \(qc.rawValue)")], text: qc.rawValue)
                    }
                    p.write(" · \(row.execution)")
                }
                if let reason = row.qcReason { caption.element("p", [("class", "reason")], text: reason) }
                if let title = row.title { caption.element("p", [("class", "title")], text: title) }
                if let description = row.description { caption.element("p", [("class", "description")], text: description) }
                if !row.tags.isEmpty { caption.element("p", [("class", "tags")], text: row.tags.joined(separator: ", ")) }
                caption.element("p", [("class", "prompt")], text: "\(row.prompt) (seed \(row.seed), \(row.width)×\(row.height))")
            }
        }
    }
}
