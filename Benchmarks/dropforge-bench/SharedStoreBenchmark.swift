import DropForgeCore
import DropForgePostgres
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// 5. Several hosts on one PostgreSQL (issue 14): `jobs` one-item manifests waiting in the
/// inbox, then `watches` `watch` processes with distinct host ids on the root and one database,
/// until every job is published. All of them share this machine's cores with the server, so
/// jobs/s says little about real hosts; the round trips per job — every request a process sent
/// to the server — and the claim latency are what decide how far hosts scale.
struct SharedStoreBenchmark {
    let binary: URL
    let jobs: Int
    let watches: Int
    let size: Int
    /// The cluster (`PostgresCluster`); each run gets a schema of its own.
    let clusterURL: String

    struct Run {
        let jobsPerSecond: Double
        let roundTripsPerJob: Double
        let writeTransactionsPerJob: Double
        let claimP50: Double
        let claimP99: Double
    }

    func run() throws -> Run {
        let schema = "bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10)
        try PostgresConnection(url: clusterURL).run(script: "CREATE SCHEMA \(schema)")
        defer { try? PostgresConnection(url: clusterURL).run(script: "DROP SCHEMA \(schema) CASCADE") }
        let url = clusterURL + (clusterURL.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"

        let root = try BenchRoot(binary: binary)
        let config = try String(contentsOf: root.layout.configFile, encoding: .utf8)
        try config.replacingOccurrences(of: "store: {type: sqlite}", with: "store: {type: postgres}")
            .write(to: root.layout.configFile, atomically: true, encoding: .utf8)
        try root.fillInbox(count: jobs, size: size)
        let counters = (0..<watches).map { root.layout.root.appendingPathComponent("counters-\($0).json") }
        let started = monotonicSeconds()
        let children = try (0..<watches).map { number in
            try root.start(["watch"], environment: ["DROPFORGE_POSTGRES_URL": url, "DROPFORGE_HOST_ID": "bench-\(number)",
                                                    "DROPFORGE_COUNTERS_FILE": counters[number].path])
        }
        let deadline = started + 900
        while root.count(root.layout.results) + root.count(root.layout.failures) < jobs, monotonicSeconds() < deadline {
            if children.contains(where: { !$0.process.isRunning }) { break }
            usleep(20_000)
        }
        let elapsed = monotonicSeconds() - started
        let statuses = children.map { $0.stop() }
        let published = root.count(root.layout.results) + root.count(root.layout.failures)
        guard published == jobs else { throw BenchError("\(watches) watches published \(published) of \(jobs) jobs (exits \(statuses))") }
        let figures = counters.map { (try? JSONSerialization.jsonObject(with: Data(contentsOf: $0))) as? [String: Double] ?? [:] }
        func total(_ key: String) -> Double { figures.reduce(0) { $0 + ($1[key] ?? 0) } }
        // Each process reports its own percentiles: the p50 weighted by its claims, the worst p99.
        let claims = max(1, total("claims"))
        return Run(jobsPerSecond: Double(jobs) / elapsed,
                   roundTripsPerJob: total("store_round_trips") / Double(jobs),
                   writeTransactionsPerJob: total("write_transactions") / Double(jobs),
                   claimP50: figures.reduce(0) { $0 + ($1["claim_ms_p50"] ?? 0) * ($1["claims"] ?? 0) } / claims,
                   claimP99: figures.compactMap { $0["claim_ms_p99"] }.max() ?? .nan)
    }
}

/// A throwaway PostgreSQL cluster for the benchmark (scripts/test-postgres, the one `make test`
/// uses), or a server the user names with `--postgres-url`.
final class PostgresCluster {
    let url: String
    private let folder: String?

    init(url given: String?) throws {
        if let given {
            url = given
            folder = nil
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-bench-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard Subprocess.run(["scripts/test-postgres", "start", folder]) == 0 else {
            throw BenchError("scripts/test-postgres could not start a cluster (is the Debian package postgresql installed? `make deps`)")
        }
        self.folder = folder
        url = "postgresql:///dropforge?host=\(folder)&user=dropforge"
    }

    deinit {
        if let folder { _ = Subprocess.run(["scripts/test-postgres", "stop", folder]) }
    }
}
