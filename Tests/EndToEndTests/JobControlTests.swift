import DropForgeKit
import FakeServers
import Foundation
import XCTest
import DropForgeStore

/// `jobs cancel|retry|rerun|delete` on real jobs made by the built binary, checking the store and
/// the outbox afterwards. Remote calls go to fake AUTOMATIC1111 servers on 127.0.0.1.
final class JobControlTests: XCTestCase {
    /// A root whose `gpu` provider is an AUTOMATIC1111 server at `baseURL`, with fast retries.
    func makeRoot(gpu baseURL: String) throws -> TestRoot {
        let root = try TestRoot()
        try root.setConfig("retry: {max_attempts: 3, base_delay_ms: 500, max_delay_ms: 60000}",
                           "retry: {max_attempts: 2, base_delay_ms: 50, max_delay_ms: 200}")
        try root.setConfig("\nproviders: {}\n", "\nproviders:\n  gpu: {type: a1111, base_url: \"\(baseURL)\", timeout_seconds: 60}\n")
        return root
    }

    func store(_ root: TestRoot) throws -> SQLiteJobStore { try SQLiteJobStore(path: root.layout.database.path) }

    func onlyJob(_ root: TestRoot) throws -> JobRecord {
        let jobs = try store(root).jobs(limit: nil)
        XCTAssertEqual(jobs.count, 1)
        return try XCTUnwrap(jobs.first)
    }

    /// Every file under `folder` with its bytes, by relative path.
    func snapshot(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            files[String(url.path.dropFirst(folder.path.count))] = try Data(contentsOf: url)
        }
        return files
    }

    // MARK: - Cancel

    func testCancellingARunningJobAbortsTheSlowCallWithinASecondAndPublishesTheCancellation() throws {
        // The image never finishes: one byte every 50 ms of a long body.
        let server = try FakeHTTPServer { request in
            .trickle(status: 200, headers: [("Content-Type", "application/json")], body: Data(repeating: 0x20, count: 2000),
                     chunkSize: 1, interval: 0.05, announceLength: true)
        }
        defer { server.stop() }
        let root = try makeRoot(gpu: server.baseURL.absoluteString)
        try root.drop("slow.yaml", imagesManifest(name: "slow", count: 1, extra: "generate: {provider: gpu}"))
        let watch = try root.start(["watch"])
        defer {
            watch.signal(SIGKILL)
            _ = watch.waitForExit(5)
        }
        XCTAssertTrue(root.wait(20) { server.requests.count == 1 }, "the slow call starts")
        let job = try onlyJob(root)
        XCTAssertEqual(job.status, .running)

        let refused = try root.run(["jobs", "delete", job.id, "--yes"])
        XCTAssertEqual(refused.status, 1, "a running job cannot be deleted")
        XCTAssertTrue(refused.stderr.contains("running"), refused.stderr)

        let follow = try root.start(["jobs", "logs", job.id, "--follow"])
        defer { follow.signal(SIGKILL) }
        let cancel = try root.run(["jobs", "cancel", job.id])
        XCTAssertEqual(cancel.status, 0, cancel.stderr)
        XCTAssertTrue(follow.waitForExit(5), "logs --follow ends when the job ends")
        let followed = follow.result()
        XCTAssertEqual(followed.status, 0, followed.stderr)
        XCTAssertTrue(followed.stdout.contains("claimed slow.yaml"), followed.stdout)
        XCTAssertTrue(followed.stdout.contains("published: cancelled: outbox/failures/\(job.id)"), followed.stdout)
        XCTAssertTrue(cancel.stdout.contains("cancelled \(job.id) → outbox/failures/\(job.id)"), cancel.stdout)

        let exchange = try XCTUnwrap(server.waitForExchanges(1, timeout: 5).first)
        XCTAssertTrue(exchange.clientHungUp, "the transfer was aborted, not finished")
        let execution = try XCTUnwrap(try store(root).executions(jobID: job.id).first)
        let cancelledAt = try XCTUnwrap(execution.cancelledAt)
        let stoppedAfter = try XCTUnwrap(exchange.endedAt).timeIntervalSince(cancelledAt)
        XCTAssertLessThan(stoppedAfter, 1.0, "the call in flight stops within a second of the cancel")

        XCTAssertEqual(try store(root).job(id: job.id)?.status, .cancelled)
        XCTAssertEqual(execution.status, .cancelled)
        let error = try root.json(root.layout.failures.appendingPathComponent(job.id).appendingPathComponent("error.json"))
        XCTAssertEqual(error["code"] as? String, "cancelled")
        let summary = try root.json(root.layout.failures.appendingPathComponent(job.id).appendingPathComponent("job.json"))
        XCTAssertEqual(summary["status"] as? String, "cancelled")
        XCTAssertEqual(root.results, [])
        XCTAssertEqual(root.processing, [], "the claim is released")

        let again = try root.run(["jobs", "cancel", job.id])
        XCTAssertEqual(again.status, 1, "a finished job cannot be cancelled")
        XCTAssertTrue(again.stderr.contains("already ended (cancelled)"), again.stderr)
        XCTAssertEqual(server.requests.count, 1, "no further call was made")
    }

    func testCancellingAJobLeftUnfinishedWithNoDaemonPublishesAtOnce() throws {
        let server = try FakeHTTPServer { _ in
            .trickle(status: 200, headers: [], body: Data(repeating: 0x20, count: 2000), chunkSize: 1, interval: 0.05,
                     announceLength: true)
        }
        defer { server.stop() }
        let root = try makeRoot(gpu: server.baseURL.absoluteString)
        try root.drop("left.yaml", imagesManifest(name: "left", count: 2, extra: "generate: {provider: gpu}"))
        let drain = try root.run(["drain", "--timeout", "1"])
        XCTAssertEqual(drain.status, 3, "timed out with the job unfinished\n\(drain.stderr)")
        let job = try onlyJob(root)
        XCTAssertFalse(job.status.isFinished)

        let cancel = try root.run(["jobs", "cancel", job.id, "--wait", "10"])
        XCTAssertEqual(cancel.status, 0, cancel.stderr)
        XCTAssertEqual(try store(root).job(id: job.id)?.status, .cancelled)
        XCTAssertEqual(root.failures, [job.id])
        let items = try store(root).items(executionID: job.id)
        XCTAssertEqual(items.map(\.status), [.failed, .failed])
        XCTAssertEqual(items.map(\.lastError), ["cancelled", "cancelled"])
    }

    // MARK: - Retry

    func testRetryRerunsOnlyTheFailedItemFromItsCheckpoint() throws {
        // "dog" fails for good (400) until the test lets it through.
        let allowDog = FakeFlag()
        let a1111 = try FakeA1111Server { call, _ in
            (call.body["prompt"] as? String ?? "").contains("dog") && !allowDog.isSet
                ? .json(#"{"detail": "bad prompt"}"#, status: 400) : nil
        }
        defer { a1111.stop() }
        let root = try makeRoot(gpu: a1111.baseURL)
        try root.drop("pets.yaml", imagesManifest(name: "pets", count: 3, keywords: ["cat", "dog", "bird"],
                                                  extra: "generate: {provider: gpu}\nquality: {checks: [decode, dimensions]}"))
        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 0, "two of three made: the job completes\n\(drain.stderr)")
        let job = try onlyJob(root)
        let first = try snapshot(root.layout.results.appendingPathComponent(job.id))
        XCTAssertEqual(first.keys.filter { $0.hasPrefix("/images/") && $0.hasSuffix(".png") }.count, 2)
        let callsBefore = a1111.calls.count

        allowDog.set()
        let retry = try root.run(["jobs", "retry", job.id])
        XCTAssertEqual(retry.status, 0, retry.stderr)
        XCTAssertTrue(retry.stdout.contains("retrying \(job.id) as \(job.id).2 (1 item(s))"), retry.stdout)
        XCTAssertEqual(a1111.calls.count, callsBefore + 1, "only the failed item is made again")
        XCTAssertTrue((a1111.calls.last?.body["prompt"] as? String ?? "").contains("dog"))

        let executions = try store(root).executions(jobID: job.id)
        XCTAssertEqual(executions.map(\.id), [job.id, "\(job.id).2"])
        XCTAssertEqual(executions.last?.parentID, job.id)
        let items = try store(root).items(executionID: "\(job.id).2")
        XCTAssertEqual(items.map(\.index), [1], "the retry holds the failed item only, under its own number")
        XCTAssertEqual(items.first?.status, .approved)
        let second = root.layout.results.appendingPathComponent("\(job.id).2")
        XCTAssertTrue(FileManager.default.fileExists(atPath: second.appendingPathComponent("images/0002.png").path))
        let summary = try root.json(second.appendingPathComponent("job.json"))
        XCTAssertEqual(summary["parent"] as? String, job.id)
        XCTAssertEqual(summary["number"] as? Int, 2)
        XCTAssertEqual(try snapshot(root.layout.results.appendingPathComponent(job.id)), first, "the first execution is untouched")

        let nothing = try root.run(["jobs", "retry", job.id])
        XCTAssertEqual(nothing.status, 1)
        XCTAssertTrue(nothing.stderr.contains("nothing to retry"), nothing.stderr)
    }

    // MARK: - Rerun and delete

    func testRerunLeavesTheFirstExecutionByteIdenticalAndDeleteRemovesEverything() throws {
        let root = try TestRoot()
        try root.drop("a.yaml", imagesManifest(name: "alpha", count: 2))
        try root.drop("b.yaml", imagesManifest(name: "beta", count: 1))
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        let jobs = try store(root).jobs(matching: JobFilter(oldestFirst: true))
        XCTAssertEqual(jobs.count, 2)
        let firstFolders = try jobs.map { try snapshot(root.layout.results.appendingPathComponent($0.id)) }
        let indexLines = try String(contentsOf: root.layout.index, encoding: .utf8).split(separator: "\n").count

        // The current profile changes: a rerun uses it, the first execution keeps what it had.
        let profile = root.layout.profiles.appendingPathComponent("default.yaml")
        let text = try String(contentsOf: profile, encoding: .utf8)
        try text.replacingOccurrences(of: "blurry, text, watermark", with: "a changed negative")
            .write(to: profile, atomically: true, encoding: .utf8)
        let rerun = try root.run(["jobs", "rerun", jobs[1].id, jobs[0].id])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stdout.contains("[2/2]"), rerun.stdout)
        for (job, before) in zip(jobs, firstFolders) {
            XCTAssertEqual(try snapshot(root.layout.results.appendingPathComponent(job.id)), before, "\(job.id) untouched")
            let summary = try root.json(root.layout.results.appendingPathComponent("\(job.id).2/job.json"))
            XCTAssertEqual(summary["parent"] as? String, job.id)
            XCTAssertEqual(summary["status"] as? String, "completed")
            let items = summary["items"] as? [[String: Any]] ?? []
            XCTAssertEqual(items.first?["negative"] as? String, "a changed negative", "the rerun uses the current profile")
        }
        XCTAssertEqual(try String(contentsOf: root.layout.index, encoding: .utf8).split(separator: "\n").count, indexLines + 2)

        let listed = try root.run(["jobs", "list", "--name", "alp", "--json"])
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["job"] as? String }, [jobs[0].id])

        let delete = try root.run(["jobs", "delete", jobs[0].id, "--yes"])
        XCTAssertEqual(delete.status, 0, delete.stderr)
        XCTAssertNil(try store(root).job(id: jobs[0].id))
        XCTAssertEqual(try store(root).events(jobID: jobs[0].id, after: 0), [])
        XCTAssertEqual(root.results.sorted(), [jobs[1].id, "\(jobs[1].id).2"].sorted())
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.layout.log(job: jobs[0].id).path))
        let lastLines = try String(contentsOf: root.layout.index, encoding: .utf8).split(separator: "\n").suffix(2)
        XCTAssertTrue(lastLines.allSatisfy { $0.contains("\"status\":\"deleted\"") }, "\(lastLines)")
    }
}

/// A switch a fake server's handler reads from its own threads.
final class FakeFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
