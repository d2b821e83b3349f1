import DropForgeHTTP
import Foundation
import XCTest
import ZIPFoundation

/// `dropforge serve`'s job control, job output and review routes over real HTTP on 127.0.0.1.
final class ServeControlTests: XCTestCase {
    private var root: TestRoot!
    private var server: RunningCommand!
    private var base: URL!

    override func setUpWithError() throws {
        root = try TestRoot()
        let (server, url) = try root.serve()
        self.server = server
        base = URL(string: "api/v1/", relativeTo: url)
    }

    override func tearDown() {
        server?.signal(SIGTERM)
        XCTAssertTrue(server?.waitForExit(20) ?? true)
    }

    private func send(_ method: String, _ path: String, body: Data? = nil, yaml: Bool = false) throws -> HTTPResponse {
        let url = try XCTUnwrap(URL(string: path, relativeTo: base))
        let headers = yaml ? [(name: "Content-Type", value: "application/yaml")] : body == nil ? [] : [(name: "Content-Type", value: "application/json")]
        return try EndToEndTests.send(method, url, body: body, headers: headers)
    }

    private func json(_ response: HTTPResponse) throws -> Any {
        try JSONSerialization.jsonObject(with: response.body)
    }

    private func submit(_ manifest: String) throws -> String {
        let response = try send("POST", "jobs", body: Data(manifest.utf8), yaml: true)
        XCTAssertEqual(response.status, 202, String(decoding: response.body, as: UTF8.self))
        return try XCTUnwrap((try json(response) as? [String: Any])?["job"] as? String)
    }

    private func waitForStatus(_ job: String, _ status: String, timeout: TimeInterval = 30) -> Bool {
        root.wait(timeout) { ((try? json(send("GET", "jobs/\(job)"))) as? [String: Any])?["status"] as? String == status }
    }

    func testCancelARunningJobThenRetryAndDeleteIt() throws {
        // Big enough to be running when the cancel comes: 40 images of 512².
        let job = try submit(imagesManifest(name: "long", count: 40, size: 512))
        XCTAssertTrue(waitForStatus(job, "running", timeout: 10))
        let cancel = try send("POST", "jobs/\(job)/cancel")
        XCTAssertEqual(cancel.status, 202, String(decoding: cancel.body, as: UTF8.self))
        XCTAssertTrue(waitForStatus(job, "cancelled"), "the cancel was not published")
        let error = try root.json(root.layout.failures.appendingPathComponent(job).appendingPathComponent("error.json"))
        XCTAssertEqual(error["code"] as? String, "cancelled")
        XCTAssertEqual(try send("POST", "jobs/\(job)/cancel").status, 409, "a finished job cannot be cancelled")

        let retry = try send("POST", "jobs/\(job)/retry")
        XCTAssertEqual(retry.status, 202, String(decoding: retry.body, as: UTF8.self))
        XCTAssertEqual((try json(retry) as? [String: Any])?["execution"] as? String, "\(job).2")
        XCTAssertTrue(waitForStatus(job, "completed", timeout: 60))
        XCTAssertEqual(try send("POST", "jobs/rerun", body: Data(#"{"ids": ["nope"]}"#.utf8)).status, 404)
        XCTAssertEqual(try send("POST", "jobs/rerun", body: Data("not json".utf8)).status, 400)

        let deleted = try send("DELETE", "jobs/\(job)")
        XCTAssertEqual(deleted.status, 200)
        XCTAssertEqual(try send("GET", "jobs/\(job)").status, 404)
        XCTAssertFalse(root.results.contains("\(job).2"))
    }

    func testLogsFollowAsServerSentEventsUntilTheJobEnds() throws {
        let job = try submit(imagesManifest(name: "followed", count: 3))
        let stream = try send("GET", "jobs/\(job)/logs?follow=1")
        XCTAssertEqual(stream.status, 200)
        XCTAssertEqual(stream.headers.first { $0.name.lowercased() == "content-type" }?.value, "text/event-stream")
        let text = String(decoding: stream.body, as: UTF8.self)
        let events = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        XCTAssertTrue(events.first?.hasPrefix("id: ") == true, text)
        XCTAssertTrue(text.contains("\"event\":\"claimed\""), text)
        XCTAssertTrue(text.contains("\"event\":\"published\""), text)
        XCTAssertEqual(events.last, "event: end\ndata: {\"status\":\"completed\"}", "the stream ends with the job")
        // The stream's ids continue where a reader left off.
        let lastID = try XCTUnwrap(events.dropLast().last?.split(separator: "\n").first?.dropFirst(4))
        let after = try json(send("GET", "jobs/\(job)/logs?after=\(lastID)")) as? [String: Any]
        XCTAssertEqual((after?["events"] as? [Any])?.count, 0)
        let all = try json(send("GET", "jobs/\(job)/logs")) as? [String: Any]
        XCTAssertEqual((all?["events"] as? [Any])?.count, events.count - 1)
    }

    func testExportAndPublishedFilesArePathChecked() throws {
        let job = try submit(imagesManifest(name: "exported", count: 2))
        XCTAssertTrue(waitForStatus(job, "completed"))
        let xlsx = try send("GET", "jobs/\(job)/export?format=xlsx")
        XCTAssertEqual(xlsx.status, 200)
        let archive = try Archive(data: xlsx.body, accessMode: .read)
        XCTAssertNotNil(archive["xl/workbook.xml"], "a real workbook")
        let csv = String(decoding: try send("GET", "jobs/\(job)/export?format=csv").body, as: UTF8.self)
        XCTAssertEqual(csv.split(whereSeparator: \.isNewline).count, 3, csv)
        XCTAssertEqual(try send("GET", "jobs/\(job)/export?format=pdf").status, 400)

        let png = try send("GET", "jobs/\(job)/files/images/0001.png")
        XCTAssertEqual(png.status, 200)
        XCTAssertEqual(png.headers.first { $0.name.lowercased() == "content-type" }?.value, "image/png")
        XCTAssertEqual(png.body, try Data(contentsOf: root.layout.results.appendingPathComponent("\(job)/images/0001.png")))
        // A symbolic link out of the folder is refused like `..`.
        try FileManager.default.createSymbolicLink(atPath: root.layout.results.appendingPathComponent("\(job)/escape").path,
                                                   withDestinationPath: root.layout.configFile.path)
        for path in ["../../../config/dropforge.yaml", "%2e%2e/%2e%2e/%2e%2e/config/dropforge.yaml", "images/%2E%2E/job.json",
                     "%2Fetc%2Fpasswd", "escape"] {
            let url = try XCTUnwrap(URL(string: "jobs/\(job)/files/\(path)", relativeTo: base))
            // libcurl would squash `..` itself: sent as-is through a raw socket instead.
            let status = try rawStatus(url)
            XCTAssertTrue([400, 404].contains(status), "\(path) → \(status)")
        }
    }

    /// A client that sends garbage, and one that opens a connection and says nothing, do not
    /// stop the server from answering others.
    func testMalformedAndSilentClientsLeaveTheServerUp() throws {
        let silent = try connected()
        defer { close(silent) }
        XCTAssertEqual(try rawReply("NOT HTTP AT ALL\r\n\r\n").split(separator: " ").dropFirst().first, "400")
        XCTAssertEqual(try rawReply("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n").split(separator: " ").dropFirst().first, "400")
        XCTAssertEqual(try send("GET", "status").status, 200)
    }

    /// A socket connected to the server.
    private func connected() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(base.port!).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(result, 0)
        return fd
    }

    /// What the server answers to `request` sent byte for byte (its first 512 bytes).
    private func rawReply(_ request: String) throws -> String {
        let fd = try connected()
        defer { close(fd) }
        _ = request.withCString { Glibc.send(fd, $0, strlen($0), 0) }
        var reply = [UInt8](repeating: 0, count: 512)
        let count = recv(fd, &reply, reply.count, 0)
        return String(decoding: reply.prefix(max(0, count)), as: UTF8.self)
    }

    /// The status of a GET whose path is sent byte for byte as given.
    private func rawStatus(_ url: URL) throws -> Int {
        let path = url.absoluteString.replacingOccurrences(of: "http://\(base.host!):\(base.port!)", with: "")
        let line = try rawReply("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").split(separator: " ")
        return line.count > 1 ? Int(line[1]) ?? -1 : -1
    }

    func testTheReviewQueueApprovesRejectsAndRefuses() throws {
        let job = try submit(imagesManifest(name: "mixed", count: 3, prompt: "{keyword}",
                                            keywords: ["an empty white canvas", "red circles and blue stars", "a plain black background"]))
        XCTAssertTrue(waitForStatus(job, "completed"))
        let waiting = try XCTUnwrap((try json(send("GET", "review?job=\(job)")) as? [String: Any])?["items"] as? [[String: Any]])
        XCTAssertEqual(Set(waiting.compactMap { $0["item"] as? String }), ["\(job)/0001", "\(job)/0003"])

        let lines = { try String(contentsOf: self.root.layout.index, encoding: .utf8).split(separator: "\n").count }
        let before = try lines()
        let approve = try send("POST", "review/\(job)/3/approve")
        XCTAssertEqual(approve.status, 200, String(decoding: approve.body, as: UTF8.self))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.layout.results.appendingPathComponent("\(job)/images/0003.png").path))
        XCTAssertEqual(try lines(), before + 1, "approve appends one index.jsonl line")
        XCTAssertEqual(try send("POST", "review/\(job)/3/approve").status, 409, "no longer waiting")
        XCTAssertEqual(try send("POST", "review/\(job)/1/reject").status, 200)
        XCTAssertEqual(try send("POST", "review/nope/1/approve").status, 404)
        XCTAssertEqual(try send("POST", "review/\(job)/1/frobnicate").status, 404)
        XCTAssertEqual(((try json(send("GET", "review")) as? [String: Any])?["items"] as? [Any])?.count, 0)
    }
}
