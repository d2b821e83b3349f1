import Foundation
import GRDB

/// 2. Drain throughput: `jobs` one-item images manifests waiting in the inbox, then
/// `dropforge drain` through every stage and the export; jobs (= items) per second of the
/// whole run, and each stage's busy time per job from the store's step records.
struct ThroughputBenchmark {
    let binary: URL
    let jobs: Int
    let size: Int

    struct Run {
        let jobsPerSecond: Double
        let itemsPerSecond: Double
        /// Stage → milliseconds of step time per job (summed over the workers).
        let stageMilliseconds: [String: Double]
    }

    func run() throws -> Run {
        let root = try BenchRoot(binary: binary)
        try root.fillInbox(count: jobs, size: size)
        let started = monotonicSeconds()
        let status = try root.start(["drain"]).waitForExit()
        let elapsed = monotonicSeconds() - started
        guard status == 0 else { throw BenchError("drain exited with \(status)") }
        let results = root.count(root.layout.results), failures = root.count(root.layout.failures)
        guard results == jobs, failures == 0 else {
            throw BenchError("drain published \(results) results and \(failures) failures of \(jobs) jobs")
        }
        let (items, stages) = try root.database().read { db -> (Int, [String: Double]) in
            let items = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items WHERE status = 'approved'") ?? 0
            let rows = try Row.fetchAll(db, sql: """
                SELECT stage, SUM(julianday(finished_at) - julianday(started_at)) * 86400000.0 AS ms
                FROM steps WHERE finished_at IS NOT NULL GROUP BY stage
                """)
            return (items, Dictionary(uniqueKeysWithValues: rows.map { ($0["stage"] as String, ($0["ms"] as Double) / Double(jobs)) }))
        }
        return Run(jobsPerSecond: Double(jobs) / elapsed, itemsPerSecond: Double(items) / elapsed, stageMilliseconds: stages)
    }
}
