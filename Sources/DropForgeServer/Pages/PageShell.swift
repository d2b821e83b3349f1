import DropForgeKit
import Foundation
import Hummingbird

/// What every page of `dropforge serve` shares: the head, the navigation and the answer.
///
/// The pages are server-rendered with ``HTMLWriter`` (text from users and models is always
/// escaped). Style and script come from this server (`/static/…`) and nothing else may load:
/// the `Content-Security-Policy` says `default-src 'self'`, so no page reaches the internet.
enum PageShell {
    static let securityPolicy = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; "
        + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

    /// A whole page. An element `id="live"` with `data-refresh="MS"` is reloaded by the script
    /// every MS milliseconds, as long as the fresh copy still has `data-refresh`.
    static func response(title: String, status: HTTPResponse.Status = .ok,
                         body: (inout HTMLWriter) -> Void) -> Response {
        var html = HTMLWriter()
        html.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\" />")
        html.void("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")])
        html.element("title", text: title + " · dropforge")
        html.void("link", [("rel", "stylesheet"), ("href", "/static/dropforge.css")])
        html.raw("<script src=\"/static/dropforge.js\" defer=\"defer\"></script></head>\n<body>\n")
        html.element("nav") { nav in
            nav.element("a", [("href", "/")], text: "Jobs")
            nav.element("a", [("href", "/review")], text: "Review")
            nav.element("a", [("href", "/metrics")], text: "Metrics")
            nav.element("a", [("href", "/api/v1/openapi.yaml")], text: "API")
        }
        html.element("main") { main in body(&main) }
        html.raw("</body>\n</html>\n")
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: securityPolicy,
                                                  .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: html.text)))
    }

    /// `<span class="status completed">completed</span>`.
    static func status(_ html: inout HTMLWriter, _ status: String) {
        html.element("span", [("class", "status \(status)")], text: status)
    }

    /// The time as the API writes it, for the page's text.
    static func time(_ date: Date?) -> String {
        date.map { ISO8601DateFormatter.string(from: $0, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withInternetDateTime]) } ?? "—"
    }

    /// `/api/v1/jobs/{job}/files/{path}?execution=…` for a file `path` (relative to the root)
    /// in a published folder or the review queue; nil when it is in neither.
    static func fileURL(job: String, execution: String, path: String, layout: RootLayout) -> String? {
        let file = layout.root.appendingPathComponent(path).standardizedFileURL.path
        for folder in [layout.results, layout.failures, layout.review].map({ $0.standardizedFileURL.path + "/" }) where file.hasPrefix(folder) {
            // Past the folder of the execution itself.
            let inside = file.dropFirst(folder.count).split(separator: "/").dropFirst()
            guard !inside.isEmpty else { return nil }
            let escaped = inside.map { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? String($0) }
            return "/api/v1/jobs/\(job)/files/\(escaped.joined(separator: "/"))?execution=\(execution)"
        }
        return nil
    }
}
