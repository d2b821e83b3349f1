import DropForgeKit
import Foundation
import Hummingbird

/// `GET /review` (`?job=` for one job): every image QC rejected that still waits, with its
/// reasons and the three decisions of `dropforge review` as buttons — Approve publishes it,
/// Reject takes it out of review for good, Retry runs it again (Regenerate with a new seed).
/// The buttons POST to `/api/v1/review/{item}/{action}`; the script shows the answer in place.
struct ReviewPage {
    let entries: [ReviewQueue.Entry]
    let job: String?

    func render() -> Response {
        PageShell.response(title: "Review") { html in
            html.element("h1", text: job.map { "Review: \($0)" } ?? "Review")
            guard !entries.isEmpty else {
                html.element("p", [("class", "summary")], text: "Nothing waits for review.")
                return
            }
            html.element("p", [("class", "summary")], text: "\(entries.count) item(s) wait for a decision.")
            html.element("div", [("class", "items")]) { grid in
                for entry in entries { self.entry(&grid, entry) }
            }
        }
    }

    private func entry(_ html: inout HTMLWriter, _ entry: ReviewQueue.Entry) {
        let image = "/api/v1/jobs/\(entry.job)/files/\(URL(fileURLWithPath: entry.file).lastPathComponent)?execution=\(entry.execution)"
        html.element("figure", [("class", "item rejected"), ("data-item", entry.item)]) { figure in
            figure.element("a", [("href", image)]) { $0.void("img", [("src", image), ("alt", entry.prompt)]) }
            figure.element("figcaption") { caption in
                caption.element("p") { p in
                    p.element("b", text: entry.item)
                    p.write(" · ")
                    p.element("a", [("href", "/jobs/\(entry.job)")], text: entry.job)
                }
                caption.element("p", [("class", "reason")], text: entry.reason ?? "rejected")
                caption.element("p", [("class", "prompt")], text: "\(entry.prompt) (seed \(entry.seed))")
                caption.element("p", [("class", "actions")]) { p in
                    for (label, action) in [("Approve", "approve"), ("Reject", "reject"), ("Retry", "retry"), ("Regenerate", "retry?regenerate=1")] {
                        p.element("button", [("type", "button"), ("class", action.hasPrefix("retry?") ? "regenerate" : action),
                                             ("data-action", "/api/v1/review/\(entry.item)/\(action)")], text: label)
                    }
                }
                caption.element("p", [("class", "result"), ("role", "status")], text: "")
            }
        }
    }
}
