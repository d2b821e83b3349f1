import DropForgeHTTP
import DropForgeMedia
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// `dropforge serve`'s web pages over real HTTP: what they show, that they are well-formed and
/// escape what users wrote, that their buttons' targets decide the review queue, and how a
/// browser signs in with the token. (`make check-browser` clicks the buttons in Chromium.)
final class ServePagesTests: XCTestCase {
    /// Every element of a page, parsed as XML (the pages are written to be both HTML5 and XML).
    final class Elements: NSObject, XMLParserDelegate {
        struct Element { var name: String; var attributes: [String: String]; var text = "" }
        private(set) var all: [Element] = []
        private var open: [Int] = []

        init(_ data: Data, file: StaticString = #filePath, line: UInt = #line) {
            super.init()
            let parser = XMLParser(data: data)
            parser.delegate = self
            XCTAssertTrue(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")", file: file, line: line)
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String]) {
            open.append(all.count)
            all.append(Element(name: name, attributes: attributes))
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            for index in open { all[index].text += string }
        }

        func named(_ name: String, where attribute: String? = nil, is value: String? = nil) -> [Element] {
            all.filter { $0.name == name && (attribute == nil || (value == nil ? $0.attributes[attribute!] != nil : $0.attributes[attribute!] == value)) }
        }
    }

    func page(_ base: URL, _ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> (HTTPResponse, Elements) {
        let response = try send("GET", try XCTUnwrap(URL(string: path, relativeTo: base)))
        XCTAssertEqual(response.status, 200, "GET \(path): \(String(decoding: response.body, as: UTF8.self))", file: file, line: line)
        XCTAssertEqual(response.header("Content-Type"), "text/html; charset=utf-8", file: file, line: line)
        XCTAssertTrue(response.header("Content-Security-Policy")?.hasPrefix("default-src 'self'") ?? false, file: file, line: line)
        return (response, Elements(response.body, file: file, line: line))
    }

    func testThePagesShowJobsItemsVerdictsAndTheReviewQueue() throws {
        let root = try TestRoot()
        let (server, base) = try root.serve()
        defer { server.signal(SIGTERM); XCTAssertTrue(server.waitForExit(20)) }
        // Two blank images QC rejects, and one a user named with markup.
        let manifest = imagesManifest(name: "mixed", count: 3, prompt: "{keyword}",
                                      keywords: ["an empty white canvas", "red circles and <b>blue</b> stars", "a plain black background"])
        let submitted = try send("POST", URL(string: "api/v1/jobs", relativeTo: base)!, body: Data(manifest.utf8),
                                 headers: [(name: "Content-Type", value: "application/yaml")])
        let job = try XCTUnwrap((try JSONSerialization.jsonObject(with: submitted.body) as? [String: Any])?["job"] as? String)
        XCTAssertTrue(root.wait(30) { root.results.count == 1 }, "not published: \(server.result().stderr)")

        // The jobs list: the job, its status and progress, a part that reloads itself.
        let (_, jobs) = try page(base, "/")
        let row = try XCTUnwrap(jobs.named("tr", where: "data-job", is: job).first, "no row for \(job)")
        XCTAssertTrue(row.text.contains("completed") && row.text.contains("3/3"), "every item ended: \(row.text)")
        XCTAssertEqual(jobs.named("a", where: "href", is: "/jobs/\(job)").count, 1)
        XCTAssertEqual(jobs.named("section", where: "id", is: "live").first?.attributes["data-refresh"], "2000")
        XCTAssertEqual(jobs.named("script").first?.attributes["src"], "/static/dropforge.js")

        // The job page: every item with its verdict; the published one's thumbnail is its PNG.
        let (raw, detail) = try page(base, "/jobs/\(job)")
        let figures = detail.named("figure", where: "data-item")
        XCTAssertEqual(figures.map { $0.attributes["data-item"] }, ["1", "2", "3"])
        XCTAssertEqual(figures.filter { $0.text.contains("QC rejected") }.count, 2, figures.map(\.text).joined(separator: "\n"))
        XCTAssertTrue(figures[1].text.contains("QC passed") && figures[1].text.contains("red circles and <b>blue</b> stars"), figures[1].text)
        XCTAssertFalse(String(decoding: raw.body, as: UTF8.self).contains("<b>blue</b>"), "what a user wrote is never markup")
        XCTAssertTrue(figures[0].text.contains("blank"), "the reason QC gave: \(figures[0].text)")
        let thumbnails = detail.named("img").compactMap { $0.attributes["src"] }
        XCTAssertEqual(thumbnails.count, 3, "the published image and the two waiting in review")
        for source in thumbnails {
            let image = try send("GET", try XCTUnwrap(URL(string: source, relativeTo: base)))
            XCTAssertEqual(image.status, 200, source)
            XCTAssertEqual(image.header("Content-Type"), "image/png")
            XCTAssertEqual(try PNGCodec.decode(image.body).image.width, 64, source)
        }
        XCTAssertNil(detail.named("section", where: "id", is: "live").first?.attributes["data-refresh"], "an ended job stops reloading")
        let log = try XCTUnwrap(detail.named("pre", where: "id", is: "log").first)
        XCTAssertTrue(log.text.contains("export"), log.text)
        XCTAssertTrue(log.attributes["data-follow"]?.hasPrefix("/api/v1/jobs/\(job)/logs?follow=1&after=") ?? false)

        // The review queue: the two rejected images with their reasons and four buttons each.
        let (_, review) = try page(base, "/review")
        let waiting = review.named("figure", where: "data-item")
        XCTAssertEqual(waiting.map { $0.attributes["data-item"] }, ["\(job)/0001", "\(job)/0003"])
        let actions = review.named("button", where: "data-action").compactMap { $0.attributes["data-action"] }
        XCTAssertEqual(actions.count, 8)
        let approve = try XCTUnwrap(actions.first { $0 == "/api/v1/review/\(job)/0003/approve" }, "\(actions)")
        // What the Approve button does.
        XCTAssertEqual(try send("POST", try XCTUnwrap(URL(string: approve, relativeTo: base))).status, 200)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.layout.results.appendingPathComponent("\(job)/images/0003.png").path))
        XCTAssertEqual(try page(base, "/review").1.named("figure", where: "data-item").map { $0.attributes["data-item"] }, ["\(job)/0001"])

        for (path, type) in [("/static/dropforge.css", "text/css; charset=utf-8"), ("/static/dropforge.js", "text/javascript; charset=utf-8")] {
            let asset = try send("GET", try XCTUnwrap(URL(string: path, relativeTo: base)))
            XCTAssertEqual(asset.status, 200, path)
            XCTAssertEqual(asset.header("Content-Type"), type)
            XCTAssertFalse(String(decoding: asset.body, as: UTF8.self).contains("http"), "\(path) loads nothing from elsewhere")
        }
    }

    /// Off loopback, pages need the token too: a browser without it is sent to `/login`, which
    /// sets the cookie the API then takes like the header.
    func testABrowserSignsInWithTheTokenOffLoopback() throws {
        let root = try TestRoot()
        let token = "s3cret-\(UUID().uuidString)"
        let (server, listed) = try root.serve(listen: "0.0.0.0:0", environment: ["DROPFORGE_API_TOKEN": token])
        defer { server.signal(SIGTERM); XCTAssertTrue(server.waitForExit(20)) }
        let base = try XCTUnwrap(URL(string: "http://127.0.0.1:\(try XCTUnwrap(listed.port))/"))
        func url(_ path: String) -> URL { URL(string: path, relativeTo: base)! }

        let away = try send("GET", url("/review"), headers: [(name: "Accept", value: "text/html")])
        XCTAssertEqual(away.status, 303)
        XCTAssertEqual(away.header("Location"), "/login")
        XCTAssertEqual(try send("GET", url("/api/v1/jobs")).status, 401, "the API answers 401, not a redirect")
        XCTAssertEqual(try send("GET", url("/metrics")).status, 401)
        XCTAssertEqual(try send("GET", url("/static/dropforge.css")).status, 200, "the sign-in page needs its style")
        XCTAssertEqual(try page(base, "/login").1.named("input", where: "name", is: "token").count, 1)

        let form = [(name: "Content-Type", value: "application/x-www-form-urlencoded")]
        XCTAssertEqual(try send("POST", url("/login"), body: Data("token=wrong".utf8), headers: form).status, 401)
        let encoded = try XCTUnwrap(token.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let signedIn = try send("POST", url("/login"), body: Data("token=\(encoded)".utf8), headers: form)
        XCTAssertEqual(signedIn.status, 303)
        let cookie = try XCTUnwrap(signedIn.header("Set-Cookie"))
        XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie)
        let pair = try XCTUnwrap(cookie.split(separator: ";").first.map(String.init))

        let withCookie = [(name: "Cookie", value: pair)]
        XCTAssertEqual(try send("GET", url("/review"), headers: withCookie).status, 200)
        XCTAssertEqual(try send("GET", url("/api/v1/jobs"), headers: withCookie).status, 200)
        XCTAssertEqual(try send("POST", url("/api/v1/review/nope/1/approve"), headers: withCookie).status, 404,
                       "past the token check: the item does not exist")
        XCTAssertEqual(try send("POST", url("/api/v1/review/nope/1/approve"),
                                headers: [(name: "Cookie", value: "dropforge_token=guess")]).status, 401)
        XCTAssertFalse(server.result().stdout.contains(token) || server.result().stderr.contains(token), "the token is never printed")
    }
}
