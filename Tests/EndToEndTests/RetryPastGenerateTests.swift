import DropForgeKit
import DropForgeStore
import FakeServers
import Foundation
import XCTest

/// `jobs retry` of items whose checkpoint is past generate: the new execution's first write into
/// its work folder is the metadata stage's, so that stage must make the folder (issue 17, point 1:
/// every such item failed with `io_error: cannot create .dropforge/work/<job>.2/…`).
final class RetryPastGenerateTests: XCTestCase {
    static let keyVariable = "DROPFORGE_E2E_RETRY_KEY"

    /// A root whose `writer` is the fake chat server, with fast retries.
    func makeRoot(writer server: FakeChatServer) throws -> TestRoot {
        let root = try TestRoot()
        try root.setConfig("retry: {max_attempts: 3, base_delay_ms: 500, max_delay_ms: 60000}",
                           "retry: {max_attempts: 2, base_delay_ms: 50, max_delay_ms: 200}")
        try root.setConfig("\nproviders: {}\n", """

            providers:
              writer: {type: openai-chat, base_url: "\(server.baseURL)", model: fake-chat-model, api_key_env: \(Self.keyVariable), timeout_seconds: 60}

            """)
        return root
    }

    func manifest(count: Int) -> String {
        imagesManifest(name: "stars", count: count, keywords: ["fox", "owl", "cat"],
                       extra: "quality: {checks: [decode, dimensions]}\nmetadata: {writer: writer}")
    }

    func onlyJob(_ root: TestRoot) throws -> JobRecord {
        try XCTUnwrap(try SQLiteJobStore(path: root.layout.database.path).jobs(limit: nil).first)
    }

    /// The retry's results: every image published, with the chat server's title in it.
    /// Items that failed in metadata start again there: no image is made twice.
    func assertRetryPublishedAll(_ root: TestRoot, _ job: JobRecord, count: Int,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let store = try SQLiteJobStore(path: root.layout.database.path)
        let failedInMetadata = Set(try store.steps(executionID: job.id).filter { $0.stage == .metadata && $0.status == .failed }.compactMap(\.itemID))
        let parents = try store.items(executionID: job.id).filter { failedInMetadata.contains($0.id ?? -1) }.map(\.index)
        XCTAssertFalse(parents.isEmpty, "some item had reached metadata", file: file, line: line)
        let items = try store.items(executionID: "\(job.id).2")
        XCTAssertEqual(items.count, count, file: file, line: line)
        let steps = try store.steps(executionID: "\(job.id).2")
        for item in items where parents.contains(item.index) {
            XCTAssertEqual(steps.filter { $0.itemID == item.id }.map(\.stage), [.metadata],
                           "item \(item.index) starts again at its checkpoint", file: file, line: line)
        }
        XCTAssertEqual(items.filter { $0.status == .approved }.count, count,
                       "every item approved: \(items.compactMap(\.lastError))", file: file, line: line)
        let images = root.layout.results.appendingPathComponent("\(job.id).2/images")
        for index in 1...count {
            let png = try Data(contentsOf: images.appendingPathComponent(String(format: "%04d.png", index)))
            let title = pngChunks(png).first { $0.type == "tEXt" && $0.data.starts(with: Array("Title".utf8)) }
            XCTAssertNotNil(title, "image \(index) carries the writer's title", file: file, line: line)
        }
    }

    func testRetryAfterAMissingKeyRunsMetadataInTheNewExecution() throws {
        let server = try FakeChatServer()
        defer { server.stop() }
        let root = try makeRoot(writer: server)
        try root.drop("stars.yaml", manifest(count: 4))

        let first = try root.run(["drain"])
        XCTAssertEqual(first.status, 1, "a job with no item made fails\n\(first.stderr)")
        let job = try onlyJob(root)
        let failed = try SQLiteJobStore(path: root.layout.database.path).items(executionID: job.id)
        XCTAssertEqual(failed.map(\.status), Array(repeating: .failed, count: 4), "no key: metadata fails every item")
        XCTAssertTrue(failed.allSatisfy { ($0.lastError ?? "").contains(Self.keyVariable) }, "\(failed.map(\.lastError))")
        XCTAssertEqual(server.calls.count, 0, "no call without the key")

        let retry = try root.run(["jobs", "retry", job.id], environment: [Self.keyVariable: "sk-retry-test"])
        XCTAssertEqual(retry.status, 0, retry.stderr)
        XCTAssertEqual(server.calls("metadata").count, 4, "one metadata call per item, none repeated")
        try assertRetryPublishedAll(root, job, count: 4)
    }

    func testRetryAfterCancellingDuringMetadataFinishesEveryItem() throws {
        // Metadata calls hang until the test lets them through, so the job is cancelled with
        // every item generated and checked.
        let answer = FakeFlag()
        let server = try FakeChatServer { call, _ in
            call.kind == "metadata" && !answer.isSet ? .delayed(60, .status(500)) : nil
        }
        defer { server.stop() }
        let root = try makeRoot(writer: server)
        try root.drop("stars.yaml", manifest(count: 3))
        let environment = [Self.keyVariable: "sk-retry-test"]
        let watch = try root.start(["watch"], environment: environment)
        defer {
            watch.signal(SIGKILL)
            _ = watch.waitForExit(5)
        }
        XCTAssertTrue(root.wait(30) { !server.calls("metadata").isEmpty }, "the job reaches metadata")
        let job = try onlyJob(root)
        let cancel = try root.run(["jobs", "cancel", job.id, "--wait", "20"])
        XCTAssertEqual(cancel.status, 0, cancel.stderr)
        watch.signal(SIGTERM)
        XCTAssertTrue(watch.waitForExit(20))

        answer.set()
        let retry = try root.run(["jobs", "retry", job.id], environment: environment)
        XCTAssertEqual(retry.status, 0, retry.stderr)
        try assertRetryPublishedAll(root, job, count: 3)
    }
}
