import DropForgeKit
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
import DropForgeMedia
import DropForgeStore
#endif

/// The fault suites of issue 6, on the real binary: `kill -9` at random moments of a drain, a
/// flood of files into a watched inbox, a disk that fills up while writing, a provider that is
/// down. `make test` runs them at a scale that takes seconds; `make soak` sets `DROPFORGE_SOAK=1`
/// and runs them at full scale (see ``FaultScale``).
final class FaultTests: XCTestCase {
    // MARK: - 1. kill -9

    /// `kill -9` of `drain` at random moments, several rounds, then a final drain: every manifest
    /// ends exactly once in results/ or failures/; nothing in outbox/ is partial (every PNG
    /// decodes, every JSON and JSONL line parses); inbox/.processing/ is empty.
    ///
    /// Tiny jobs (one 32 px item) so that a round is short and the kills land in every phase:
    /// claiming, the stages, publishing. Every 25th manifest is broken, so failures/ is published
    /// under fire too. The kill moments come from a printed seed (`DROPFORGE_FAULT_SEED` replays).
    func testKillNineAtRandomMomentsOfADrainLosesNothing() throws {
        let root = try TestRoot()
        let jobs = FaultScale.killJobs, rounds = FaultScale.killRounds
        var random = FaultScale.random(for: "kill")
        var expected: [String] = []
        var broken: Set<String> = []
        for number in 0..<jobs {
            let name = String(format: "kill-%04d.yaml", number)
            if number % 25 == 24 {
                try root.drop(name, "version: 1\nkind: images\nparams: {template: x, count: -1}\n")
                broken.insert(name)
            } else {
                try root.drop(name, imagesManifest(name: "kill-\(number)", count: 1, size: 32, seed: number))
            }
            expected.append(name)
        }

        var kills: [String] = []
        for round in 1...rounds {
            let drain = try root.start(["drain"])
            let moment = Double.random(in: 0.05...FaultScale.killWindow, using: &random)
            _ = drain.waitForExit(moment)
            if !drain.process.isRunning {
                kills.append("round \(round): finished before \(String(format: "%.2f", moment)) s")
                break
            }
            drain.signal(SIGKILL)
            XCTAssertTrue(drain.waitForExit(10), "round \(round): kill -9 did not end the drain")
            kills.append("round \(round): killed at \(String(format: "%.2f", moment)) s with \(root.results.count + root.failures.count) published")
        }
        print("kill -9 rounds: " + kills.joined(separator: "; "))
        XCTAssertLessThan(root.results.count + root.failures.count, jobs, "the kills must land before the end of the work: \(kills)")

        // Intake claims the whole backlog within the first round since issue 13 (1,000/s), so
        // every broken manifest may be published before the final drain starts; one more broken
        // one, dropped now, gives the final drain a failure of its own to report.
        let late = "kill-late.yaml"
        try root.drop(late, "version: 1\nkind: images\nparams: {template: x, count: -1}\n")
        broken.insert(late)
        expected.append(late)

        let final = try root.run(["drain"], timeout: FaultScale.soak ? 1800 : 300)
        XCTAssertEqual(final.status, 1, "broken manifests fail, so the final drain exits 1: \(final.stderr.suffix(2000))")
        XCTAssertEqual(try root.publishedManifests(), expected.sorted(), "every manifest ends exactly once")
        XCTAssertEqual(root.failures.count, broken.count)
        for folder in root.failures {
            let summary = try root.json(root.layout.failures.appendingPathComponent(folder).appendingPathComponent("job.json"))
            XCTAssertTrue(broken.contains(summary["manifest"] as? String ?? ""), "\(folder) failed but was a good manifest")
        }
        XCTAssertEqual(root.processing, [], "inbox/.processing/ is empty")
        XCTAssertEqual(root.folders(root.layout.inbox), [], "nothing is left in inbox/")
        try OutboxAudit.check(root, expectIndexFor: root.results.map { "results/\($0)" } + root.failures.map { "failures/\($0)" })
    }

    // MARK: - 2. A flood into a watched inbox

    /// Files dropped all at once into the inbox of a running `watch` are all taken, including
    /// those whose inotify events were lost.
    ///
    /// Full scale (`make soak`): 20,000 manifests renamed into the inbox while the daemon is
    /// stopped (SIGSTOP), so the kernel's queue (`fs.inotify.max_queued_events`, 16,384 by
    /// default) overflows and drops events; the timer rescan is set to an hour, so only the rescan
    /// after IN_Q_OVERFLOW can find the rest. Fast scale (`make test`): 1,200 manifests, half
    /// renamed in (events), half hard-linked in (a link makes IN_CREATE, which dropforge does not
    /// watch: like a file written by another host over NFS, it has no event at all), with a 2 s
    /// timer rescan. Either way the check is on the claim: every file has left the inbox and has
    /// a job row; running the jobs is the other tests' business.
    func testAFloodOfFilesIntoAWatchedInboxIsAllTaken() throws {
        let root = try TestRoot()
        let count = FaultScale.floodFiles
        let overflow = count > Self.kernelQueueLimit
        try root.setConfig("rescan_seconds: 30 ", overflow ? "rescan_seconds: 3600 " : "rescan_seconds: 2 ")
        try root.setConfig("workers: {parameters: 1, generate: 2, quality: 2, metadata: 2, export: 2}",
                           "workers: {parameters: 1, generate: 1, quality: 1, metadata: 1, export: 1}")
        let watch = try root.start(["watch"])
        defer { watch.signal(SIGKILL); _ = watch.waitForExit(10) }
        XCTAssertTrue(root.wait(20) { Self.daemonLogged(root, event: "started") }, "the daemon did not start")

        let manifest = Data(imagesManifest(name: "flood", count: 1, size: 32).utf8)
        let temp = root.layout.inboxTemp
        if overflow { watch.signal(SIGSTOP) }  // events queue up in the kernel, and overflow
        let started = Date()
        for number in 0..<count {
            let name = String(format: "flood-%05d.yaml", number)
            let staged = temp.appendingPathComponent(name).path
            XCTAssertTrue(FileManager.default.createFile(atPath: staged, contents: manifest), name)
            let target = root.layout.inbox.appendingPathComponent(name).path
            if !overflow && number % 2 == 1 {
                XCTAssertEqual(link(staged, target), 0, name)   // no IN_MOVED_TO, no IN_CLOSE_WRITE
                unlink(staged)
            } else {
                XCTAssertEqual(rename(staged, target), 0, name)
            }
        }
        let dropped = Date().timeIntervalSince(started)
        if overflow { watch.signal(SIGCONT) }

        let claimed = root.wait(FaultScale.soak ? 1800 : 120) { root.folders(root.layout.inbox).isEmpty }
        let taken = Date().timeIntervalSince(started)
        print("flood: \(count) files dropped in \(String(format: "%.1f", dropped)) s, all claimed after \(String(format: "%.1f", taken)) s")
        XCTAssertTrue(claimed, "\(root.folders(root.layout.inbox).count) of \(count) files are still in the inbox")
        let store = try SQLiteJobStore(path: root.layout.database.path)
        XCTAssertTrue(root.wait(30) { ((try? store.jobs(limit: nil).count) ?? 0) >= count })
        let jobs = try store.jobs(limit: nil)
        XCTAssertEqual(jobs.count, count, "one job row per file")
        XCTAssertEqual(Set(jobs.map(\.sourceName)).count, count, "each file taken once")
        if overflow {
            XCTAssertTrue(Self.daemonLogged(root, event: "events_lost"), "the kernel queue should have overflowed")
        }
        XCTAssertTrue(watch.process.isRunning, "the daemon keeps running")
    }

    /// `fs.inotify.max_queued_events`: more events than this while the daemon does not read, and
    /// the kernel drops the rest (one IN_Q_OVERFLOW instead).
    static let kernelQueueLimit: Int = {
        let text = (try? String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8)) ?? ""
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 16384
    }()

    static func daemonLogged(_ root: TestRoot, event: String) -> Bool {
        let text = (try? String(contentsOf: root.layout.log(job: "daemon"), encoding: .utf8)) ?? ""
        return text.contains("\"event\":\"\(event)\"")
    }

    // MARK: - 3. The disk fills up

    /// A `watch` under a 1 MiB file-size limit (`ulimit -f`, RLIMIT_FSIZE: what a full disk does
    /// to one file, without needing a filesystem to fill): a job whose image is larger fails after
    /// its retries with a clear `no_space` error; nothing half-written is published; small jobs
    /// before and after it complete; the daemon keeps running. 1 MiB is also below the size the
    /// store's write-ahead log reaches by itself (~4 MiB before SQLite checkpoints it), so the
    /// store must recover from its own full writes on the way (it checkpoints and truncates).
    func testAFullDiskFailsTheJobClearlyAndTheDaemonKeepsRunning() throws {
        let root = try TestRoot()
        try root.setConfig("retry: {max_attempts: 3, base_delay_ms: 500, max_delay_ms: 60000}",
                           "retry: {max_attempts: 3, base_delay_ms: 100, max_delay_ms: 1000}")
        let limit = 1 << 20
        let watch = try root.start(["watch"], fileSizeLimitBlocks: limit / 512)
        defer { watch.signal(SIGKILL); _ = watch.waitForExit(10) }
        XCTAssertTrue(root.wait(20) { Self.daemonLogged(root, event: "started") }, "the daemon did not start: \(watch.result().stderr)")
        let limits = try String(contentsOfFile: "/proc/\(watch.process.processIdentifier)/limits", encoding: .utf8)
        XCTAssertTrue(limits.split(separator: "\n").contains { $0.hasPrefix("Max file size") && $0.contains(" \(limit) ") },
                      "the daemon runs under a \(limit)-byte file-size limit: \(limits)")

        let small = FaultScale.soak ? 120 : 30
        for number in 0..<small / 2 {
            try root.drop("before-\(number).yaml", imagesManifest(name: "before-\(number)", size: 32, seed: number))
        }
        // A 1400 px image is ~1.6 MB as PNG: over the limit.
        try root.drop("big.yaml", imagesManifest(name: "big", size: 1400, seed: 3))
        for number in 0..<small / 2 {
            try root.drop("after-\(number).yaml", imagesManifest(name: "after-\(number)", size: 32, seed: number))
        }
        XCTAssertTrue(root.wait(FaultScale.soak ? 600 : 120) { root.results.count + root.failures.count >= small + 1 },
                      "\(root.results.count + root.failures.count) of \(small + 1) ended; stderr: \(watch.result().stderr.suffix(3000))")
        XCTAssertTrue(watch.process.isRunning, "the daemon keeps running: \(watch.result().stderr.suffix(2000))")

        XCTAssertEqual(root.failures.count, 1, "only the big job fails: \(root.failures)")
        XCTAssertEqual(root.results.count, small)
        let folder = root.layout.failures.appendingPathComponent(try XCTUnwrap(root.failures.first))
        XCTAssertTrue(folder.lastPathComponent.hasPrefix("big-"), folder.lastPathComponent)
        let error = try root.json(folder.appendingPathComponent("error.json"))
        XCTAssertEqual(error["stage"] as? String, "generate")
        XCTAssertEqual(error["attempts"] as? Int, 3, "a full disk is transient: retried, then failed")
        let message = error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("no_space") && message.contains("file-size limit") && message.contains(".png"), message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("images").path), "no half-written image")

        // The store kept working past its own limit: its log was checkpointed into the database.
        let database = try FileManager.default.attributesOfItem(atPath: root.layout.database.path)[.size] as? Int ?? 0
        XCTAssertGreaterThan(database, 4096, "the WAL was checkpointed into state.sqlite")
        let stderr = watch.result().stderr
        XCTAssertFalse(stderr.contains("cannot store event") || stderr.contains("admit_failed"), String(stderr.suffix(3000)))

        // Still working: one more job after the failure.
        try root.drop("later.yaml", imagesManifest(name: "later", size: 48))
        XCTAssertTrue(root.wait(30) { root.results.contains { $0.hasPrefix("later-") } }, "a later job completes")
        try OutboxAudit.check(root)
        let leftovers = try OutboxAudit.files(under: root.layout.work).filter { $0.lastPathComponent.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [], "failed writes leave no temporary files behind")
        watch.signal(SIGTERM)
        XCTAssertTrue(watch.waitForExit(30))
        XCTAssertEqual(watch.result().status, 0)
    }

    // MARK: - 4. A provider that is down

    /// An AUTOMATIC1111 entry on a port where nothing listens: each attempt is refused, the
    /// retries back off (the gaps between attempts in the job log grow), then the item fails with
    /// error.json naming the provider and the refusal; a later local job in the same daemon runs.
    func testAProviderThatIsDownBacksOffThenFailsAndLaterJobsRun() throws {
        let port = try Self.closedPort()
        let root = try TestRoot()
        let base = 300
        try root.setConfig("retry: {max_attempts: 3, base_delay_ms: 500, max_delay_ms: 60000}",
                           "retry: {max_attempts: 4, base_delay_ms: \(base), max_delay_ms: 10000}")
        // A refusal is a connection failure: the gpu entry's own connection window, shortened.
        try root.setConfig("\nproviders: {}\n", "\nproviders:\n  gpu: {type: a1111, base_url: \"http://127.0.0.1:\(port)\", timeout_seconds: 5, "
                           + "retry: {connection: {max_attempts: 4, base_delay_ms: \(base), max_delay_ms: 10000}}}\n")
        let watch = try root.start(["watch"])
        defer { watch.signal(SIGKILL); _ = watch.waitForExit(10) }
        try root.drop("down.yaml", imagesManifest(name: "down", extra: "generate: {provider: gpu}"))
        XCTAssertTrue(root.wait(60) { !root.failures.isEmpty }, "the job did not fail: \(watch.result().stderr.suffix(2000))")

        let folder = root.layout.failures.appendingPathComponent(try XCTUnwrap(root.failures.first))
        let error = try root.json(folder.appendingPathComponent("error.json"))
        XCTAssertEqual(error["stage"] as? String, "generate")
        XCTAssertEqual(error["attempts"] as? Int, 4)
        let message = error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("http_connect_failed") && message.contains("provider 'gpu'")
                      && message.contains("127.0.0.1:\(port)/sdapi/v1/txt2img"), message)
        XCTAssertTrue(message.lowercased().contains("refused") || message.contains("Couldn't connect"), message)

        // The attempts in the job log: three retries, then the failure; the gaps grow.
        let job = folder.lastPathComponent
        let lines = try String(contentsOf: root.layout.log(job: job), encoding: .utf8).split(separator: "\n")
        let attempts = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
            .filter { $0["stage"] as? String == "generate" && ["retry", "failed"].contains($0["event"] as? String ?? "") }
        XCTAssertEqual(attempts.map { $0["event"] as? String ?? "" }, ["retry", "retry", "retry", "failed"])
        let times = attempts.compactMap { ($0["ts"] as? String).flatMap(Self.parseTimestamp) }
        XCTAssertEqual(times.count, 4)
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        for (index, gap) in gaps.enumerated() {
            // Attempt n+1 waits base·2^(n-1) with jitter in [½, 1]: at least half of it.
            let floor = Double(base) / 1000 * pow(2, Double(index)) / 2
            XCTAssertGreaterThanOrEqual(gap, floor - 0.02, "gap \(index + 1) of \(gaps)")
        }
        XCTAssertGreaterThan(gaps.last ?? 0, gaps.first ?? 0, "the backoff grows: \(gaps)")

        // Later jobs run: a local one in the same daemon completes.
        try root.drop("later.yaml", imagesManifest(name: "later"))
        XCTAssertTrue(root.wait(30) { root.results.count == 1 }, "a later job completes")
        XCTAssertTrue(watch.process.isRunning)
        try OutboxAudit.check(root)
    }

    /// A port on 127.0.0.1 where nothing listens: bound, read, closed.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func parseTimestamp(_ text: String) -> TimeInterval? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}

/// The scale of the fault suites: `make test` runs them small and fast, `make soak`
/// (`DROPFORGE_SOAK=1`) at full size.
enum FaultScale {
    static let soak = ProcessInfo.processInfo.environment["DROPFORGE_SOAK"] == "1"
    /// Manifests in the kill -9 drain, and the rounds of kills before the final drain.
    static let killJobs = soak ? 1000 : 600
    static let killRounds = soak ? 12 : 5
    /// A kill lands at a random moment in [0.05 s, this]. Short enough that the rounds together
    /// end well before the work does: since issue 13 a debug build drains 150 and more tiny jobs
    /// a second, so 5 rounds of at most a second need some 600 of them.
    static let killWindow: Double = soak ? 2.5 : 1.0
    /// Files in the flood: the issue's 20,000 for the soak (past the kernel's event queue).
    static let floodFiles = soak ? 20_000 : 1_200

    /// A seeded generator, printed so a failing run can be replayed with `DROPFORGE_FAULT_SEED`.
    static func random(for test: String) -> SeededRandom {
        let seed = ProcessInfo.processInfo.environment["DROPFORGE_FAULT_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        print("\(test): DROPFORGE_FAULT_SEED=\(seed)")
        return SeededRandom(seed: seed)
    }
}

/// Checks that nothing in `outbox/` is partial: every PNG has a sound chunk structure (read by
/// the independent reader: signature, CRCs, IEND last) and decodes to pixels through libpng,
/// every `.json` parses, every line of every `.jsonl` parses and each file ends with a newline;
/// no temporary or hidden file is left inside a published folder; staging is empty.
enum OutboxAudit {
    static func files(under folder: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var files: [URL] = []
        for case let url as URL in walker where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            files.append(url)
        }
        return files
    }

    /// - Parameter expectIndexFor: published folders (`results/<job>`) that `index.jsonl` must name.
    static func check(_ root: TestRoot, expectIndexFor folders: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let outbox = root.layout.outbox
        var counts: [String: Int] = [:]
        var indexed: Set<String> = []
        for url in try files(under: outbox) {
            let relative = String(url.path.dropFirst(outbox.path.count + 1))
            let name = url.lastPathComponent
            let published = ["results/", "failures/", "review/"].contains { relative.hasPrefix($0) }
            if published {
                XCTAssertFalse(name.hasPrefix(".") || name.hasSuffix(".tmp"), "a temporary file was published: \(relative)", file: file, line: line)
            }
            XCTAssertFalse(relative.hasPrefix(".staging/"), "left in staging: \(relative)", file: file, line: line)
            let data = try Data(contentsOf: url)
            switch url.pathExtension {
            case "png":
                do {
                    _ = try IndependentPNGReader.read(data)
                    let decoded = try PNGCodec.decode(data)
                    XCTAssertGreaterThan(decoded.image.width * decoded.image.height, 0, relative, file: file, line: line)
                } catch {
                    XCTFail("\(relative) does not decode: \(error)", file: file, line: line)
                }
            case "json":
                XCTAssertNoThrow(try JSONSerialization.jsonObject(with: data), "\(relative) does not parse", file: file, line: line)
            case "jsonl":
                XCTAssertTrue(data.isEmpty || data.last == 0x0A, "\(relative) ends in half a line", file: file, line: line)
                for text in data.split(separator: 0x0A) {
                    guard let object = try? JSONSerialization.jsonObject(with: Data(text)) as? [String: Any] else {
                        XCTFail("\(relative): a line does not parse: \(String(decoding: text.prefix(200), as: UTF8.self))", file: file, line: line)
                        continue
                    }
                    if relative == "index.jsonl", let path = object["path"] as? String { indexed.insert(path) }
                }
            default:
                XCTAssertFalse(data.isEmpty && published && name != "items.csv", "\(relative) is empty", file: file, line: line)
            }
            counts[url.pathExtension, default: 0] += 1
        }
        for folder in folders {
            XCTAssertTrue(indexed.contains(folder) || indexed.contains("outbox/\(folder)"), "index.jsonl does not name \(folder)", file: file, line: line)
        }
        print("outbox audit: \(counts.sorted { $0.key < $1.key }.map { "\($0.value) .\($0.key)" }.joined(separator: ", "))")
    }
}
