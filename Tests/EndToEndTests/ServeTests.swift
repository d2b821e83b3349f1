import DropForgeHTTP
import DropForgeMedia
import Foundation
import Synchronization
import XCTest

/// `dropforge serve`, the real binary, over real HTTP on 127.0.0.1 (the project's libcurl client).
final class ServeTests: XCTestCase {
    private func object(_ response: HTTPResponse) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: response.body) as? [String: Any], String(decoding: response.body, as: UTF8.self))
    }

    func testSubmitPollAndReadTheFinishedJob() throws {
        let root = try TestRoot()
        let (server, base) = try root.serve()
        defer { server.signal(SIGTERM); XCTAssertTrue(server.waitForExit(20)) }

        XCTAssertEqual(try object(send("GET", base.appendingPathComponent("healthz")))["ok"] as? Bool, true)
        let yaml = [("Content-Type", "application/yaml")].map { (name: $0.0, value: $0.1) }
        let submitted = try send("POST", URL(string: "api/v1/jobs?filename=api-cats.yaml", relativeTo: base)!,
                                 body: Data(imagesManifest(name: "api-cats", count: 2).utf8), headers: yaml)
        XCTAssertEqual(submitted.status, 202)
        let accepted = try object(submitted)
        let job = try XCTUnwrap(accepted["job"] as? String, "\(accepted)")
        XCTAssertTrue(job.hasPrefix("api-cats-"))
        XCTAssertEqual(accepted["url"] as? String, "/api/v1/jobs/\(job)")
        XCTAssertEqual(accepted["inbox"] as? String, "api-cats.yaml")

        var detail: [String: Any] = [:]
        XCTAssertTrue(root.wait(30) {
            detail = (try? object(send("GET", URL(string: "api/v1/jobs/\(job)", relativeTo: base)!))) ?? [:]
            return detail["status"] as? String == "completed"
        }, "the job did not complete: \(detail)")
        let outbox = try XCTUnwrap(((detail["executions"] as? [[String: Any]])?.first)?["outbox"] as? String, "\(detail.keys)")
        let pngs = try FileManager.default.contentsOfDirectory(atPath: root.url.appendingPathComponent(outbox).appendingPathComponent("images").path)
            .filter { $0.hasSuffix(".png") }
        XCTAssertEqual(pngs.count, 2)
        for png in pngs {
            let image = try PNGCodec.decode(Data(contentsOf: root.url.appendingPathComponent(outbox).appendingPathComponent("images/\(png)")))
            XCTAssertEqual(image.image.width, 64)
        }

        let list = try object(send("GET", URL(string: "api/v1/jobs?status=completed&limit=1", relativeTo: base)!))
        let rows = try XCTUnwrap(list["jobs"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["job"] as? String }, [job])
        XCTAssertEqual((rows[0]["items"] as? [String: Any])?["done"] as? Int, 2)
        XCTAssertNil(list["next"], "one job: no next page")
        let status = try object(send("GET", URL(string: "api/v1/status", relativeTo: base)!))
        XCTAssertEqual((status["jobs"] as? [String: Any])?["completed"] as? Int, 1)
        XCTAssertEqual(status["store"] as? String, "sqlite")

        let document = try send("GET", URL(string: "api/v1/openapi.yaml", relativeTo: base)!)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/DropForgeServer/Resources/openapi.yaml")
        XCTAssertEqual(document.body, try Data(contentsOf: source), "the served document is the repository's")
    }

    func testErrorsComeAsTheEnvelopeWithTheirStatus() throws {
        let root = try TestRoot()
        let (server, base) = try root.serve()
        defer { server.signal(SIGTERM); XCTAssertTrue(server.waitForExit(20)) }
        func error(_ response: HTTPResponse) throws -> (Int, String, [String]) {
            let body = try XCTUnwrap(try object(response)["error"] as? [String: Any])
            return (response.status, body["code"] as? String ?? "?", body["details"] as? [String] ?? [])
        }
        let invalid = "version: 1\nkind: images\nparams:\n  count: -3\n"
        let (status, code, details) = try error(send("POST", base.appendingPathComponent("api/v1/jobs"), body: Data(invalid.utf8),
                                                     headers: [(name: "Content-Type", value: "application/yaml")]))
        XCTAssertEqual(status, 422)
        XCTAssertEqual(code, "manifest_invalid")
        XCTAssertTrue(details.contains { $0.hasPrefix("submitted.yaml:4:10: params.count:") }, "\(details)")
        XCTAssertEqual(root.folders(root.layout.inbox), [], "an invalid manifest is not placed")

        XCTAssertEqual(try error(send("GET", base.appendingPathComponent("api/v1/jobs/nope"))).0, 404)
        XCTAssertEqual(try error(send("GET", base.appendingPathComponent("api/v1/nothing"))).1, "not_found")
        XCTAssertEqual(try error(send("GET", URL(string: "api/v1/jobs?status=bogus", relativeTo: base)!)).0, 400)
        XCTAssertEqual(try error(send("POST", base.appendingPathComponent("api/v1/jobs"), body: Data("x".utf8),
                                      headers: [(name: "Content-Type", value: "image/png")])).0, 415)
        XCTAssertEqual(try error(send("POST", URL(string: "api/v1/jobs?filename=../evil.yaml", relativeTo: base)!,
                                      body: Data(imagesManifest(name: "evil").utf8), headers: [(name: "Content-Type", value: "application/yaml")])).0, 400)
        let huge = Data(repeating: 0x61, count: 1_048_577)
        XCTAssertEqual(try error(send("POST", base.appendingPathComponent("api/v1/jobs"), body: huge,
                                      headers: [(name: "Content-Type", value: "application/json")])).0, 413)
        // The server is still up after all that.
        XCTAssertEqual(try send("GET", base.appendingPathComponent("healthz")).status, 200)
    }

    func testATokenGuardsChangesAndIsRequiredOffLoopback() throws {
        let root = try TestRoot()
        let refused = try root.run(["serve", "--listen", "0.0.0.0:0"])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("needs a token: set DROPFORGE_API_TOKEN"), refused.stderr)

        let token = "s3cret-\(UUID().uuidString)"
        let (server, base) = try root.serve(environment: ["DROPFORGE_API_TOKEN": token])
        defer { server.signal(SIGTERM); XCTAssertTrue(server.waitForExit(20)) }
        let yaml = (name: "Content-Type", value: "application/yaml")
        let manifest = Data(imagesManifest(name: "guarded").utf8)
        let post = base.appendingPathComponent("api/v1/jobs")
        XCTAssertEqual(try send("POST", post, body: manifest, headers: [yaml]).status, 401)
        XCTAssertEqual(try send("POST", post, body: manifest, headers: [yaml, (name: "Authorization", value: "Bearer \(token)x")]).status, 401)
        XCTAssertEqual(try send("GET", base.appendingPathComponent("api/v1/jobs")).status, 200, "reads on loopback need no token")
        XCTAssertEqual(try send("POST", post, body: manifest, headers: [yaml, (name: "Authorization", value: "Bearer \(token)")]).status, 202)
        XCTAssertFalse(server.result().stdout.contains(token) || server.result().stderr.contains(token), "the token is never printed")
    }
}

extension ServeTests {
    /// A hundred clients at once, each listing jobs and submitting one, while the daemon drains:
    /// every request is answered, every submission becomes a job, every job ends.
    func testAHundredConcurrentClientsWhileTheDaemonDrains() throws {
        let root = try TestRoot()
        for index in 0..<40 { try root.drop("dropped-\(index).yaml", imagesManifest(name: "dropped-\(index)", count: 2)) }
        let (server, base) = try root.serve()
        defer { server.signal(SIGTERM); XCTAssertTrue(server.waitForExit(30)) }
        let statuses = Mutex<[Int]>([])
        let submitted = Mutex<[String]>([])
        let threads = (0..<100).map { index in
            Thread {
                var seen: [Int] = []
                for _ in 0..<3 {
                    seen.append((try? send("GET", URL(string: "api/v1/jobs?limit=500", relativeTo: base)!).status) ?? -1)
                }
                let body = Data(imagesManifest(name: "client-\(index)").utf8)
                if let response = try? send("POST", base.appendingPathComponent("api/v1/jobs"), body: body,
                                                 headers: [(name: "Content-Type", value: "application/yaml")]) {
                    seen.append(response.status)
                    if let job = (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["job"] as? String {
                        submitted.withLock { $0.append(job) }
                    }
                } else {
                    seen.append(-1)
                }
                statuses.withLock { $0 += seen }
            }
        }
        threads.forEach { $0.start() }
        XCTAssertTrue(root.wait(120) { statuses.withLock { $0.count } == 400 }, "not every request was answered")
        XCTAssertEqual(Dictionary(grouping: statuses.withLock { $0 }, by: { $0 }).mapValues(\.count), [200: 300, 202: 100])
        XCTAssertEqual(Set(submitted.withLock { $0 }).count, 100, "every submission names its own job")
        XCTAssertTrue(root.wait(180) { root.results.count + root.failures.count == 140 },
                      "\(root.results.count) results, \(root.failures.count) failures of 140")
        XCTAssertEqual(root.failures, [])
        XCTAssertEqual(root.processing, [])
    }
}
