import DropForgeKit
import DropForgeStore
import Foundation
import Hummingbird

/// `GET /`: the newest jobs (the filters of `GET /api/v1/jobs` apply), each with its status and
/// progress; the table reloads itself every 2 s.
struct JobsPage {
    let page: JobsQuery.Page
    let waiting: Int

    func render() -> Response {
        PageShell.response(title: "Jobs") { html in
            html.element("h1", text: "Jobs")
            html.element("section", [("id", "live"), ("data-refresh", "2000")]) { live in
                live.element("p", [("class", "summary")],
                             text: "\(page.jobs.count) job(s) shown · \(waiting) item(s) waiting for review")
                guard !page.jobs.isEmpty else {
                    live.element("p", text: "No jobs yet: drop a manifest into inbox/, or POST one to /api/v1/jobs.")
                    return
                }
                live.element("table", [("class", "jobs")]) { table in
                    table.raw("<thead><tr><th>Job</th><th>Kind</th><th>Status</th><th>Progress</th><th>Created</th><th>Finished</th></tr></thead>\n")
                    table.element("tbody") { body in
                        for row in page.jobs { self.row(&body, row) }
                    }
                }
            }
        }
    }

    private func row(_ html: inout HTMLWriter, _ row: JobsQuery.Row) {
        html.element("tr", [("data-job", row.job)]) { tr in
            tr.element("td") { $0.element("a", [("href", "/jobs/\(row.job)")], text: row.job) }
            tr.element("td", text: row.kind)
            tr.element("td") { PageShell.status(&$0, row.status.rawValue) }
            tr.element("td") { cell in
                guard let items = row.items else { return cell.write("—") }
                cell.element("progress", [("max", String(max(items.total, 1))), ("value", String(items.done))], text: "")
                cell.write(" \(items.done)/\(items.total)")
            }
            tr.element("td", text: PageShell.time(row.created))
            tr.element("td", text: PageShell.time(row.finished))
        }
    }
}
